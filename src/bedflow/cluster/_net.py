"""Hosts as Linux network namespaces on one bridge: create, cut, restore, remove (root only).

Each host is a namespace ``<name>-<host>`` whose ``eth0`` is one end of a veth pair; the other
end, ``<name>-<host>`` in the root namespace, is a port of the bridge ``<name>-br``, which
also carries the root namespace's own address (the first of the subnet) so that commands run
here reach every host. Cutting a host sets its bridge port down: its packets go nowhere, its
processes keep running, as when a cable is pulled.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence

from bedflow._exceptions import BedflowError

__all__ = ["Network", "NetworkError", "netns_available"]

log = logging.getLogger(__name__)

IFNAME_MAX = 15
"""Longest Linux interface name."""


class NetworkError(BedflowError, RuntimeError):
    """A namespace, link or bridge could not be made or removed."""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if check and proc.returncode:
        raise NetworkError(f"ip {' '.join(args)}: {proc.stderr.strip()}")
    return proc


def netns_available() -> str | None:
    """None when this process may create network namespaces; else why not."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, bridges)"
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed"
    probe = f"bfprobe{os.getpid() % 100000}"
    proc = _ip("netns", "add", probe, check=False)
    if proc.returncode:
        return f"cannot create a network namespace: {proc.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    return None


class Network:
    """The bridge and the namespaces of one cluster, named ``<name>-*``.

    >>> net = Network("bfc", "10.213.7")  # doctest: +SKIP
    >>> net.add_host("api1", 11)  # doctest: +SKIP
    """

    def __init__(self, name: str, prefix: str) -> None:
        self.name = name
        self.prefix = prefix
        self.bridge = f"{name}-br"

    def namespace(self, host: str) -> str:
        return f"{self.name}-{host}"

    def address(self, last: int) -> str:
        return f"{self.prefix}.{last}"

    def _rule(self) -> list[str]:
        comment = f"bedflow-cluster-{self.name}"
        return ["FORWARD", "-i", self.bridge, "-o", self.bridge,
                "-m", "comment", "--comment", comment, "-j", "ACCEPT"]  # fmt: skip

    def create_bridge(self) -> None:
        """The bridge with the root namespace's address; bridged traffic allowed through a
        FORWARD policy of DROP (Docker sets one, and br_netfilter filters bridges too)."""
        taken = _ip("-o", "-4", "addr", "show", "to", f"{self.prefix}.0/24").stdout.split()
        if taken:
            raise NetworkError(f"{self.prefix}.0/24 is in use on {taken[1]}: pick another subnet")
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.address(1)}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        if shutil.which("iptables"):
            subprocess.run(["iptables", "-I", *self._rule()], capture_output=True, check=False)

    def add_host(self, host: str, last: int) -> None:
        """A namespace for ``host`` with ``eth0`` at ``<prefix>.<last>`` on the bridge."""
        ns, port = self.namespace(host), self.namespace(host)
        if len(port) > IFNAME_MAX:
            raise NetworkError(f"interface name {port!r} is longer than {IFNAME_MAX} characters")
        _ip("netns", "add", ns)
        _ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        _ip("link", "set", port, "master", self.bridge, "up")
        _ip("-n", ns, "link", "set", "lo", "up")
        _ip("-n", ns, "addr", "add", f"{self.address(last)}/24", "dev", "eth0")
        _ip("-n", ns, "link", "set", "eth0", "up")

    def set_link(self, host: str, up: bool) -> None:
        """Connect (``up``) or cut ``host`` from the bridge."""
        _ip("link", "set", self.namespace(host), "up" if up else "down")

    def link_up(self, host: str) -> bool:
        proc = _ip("-o", "link", "show", self.namespace(host), check=False)
        return (proc.returncode == 0 and "state UP" in proc.stdout) or ",UP" in proc.stdout

    def pids(self, host: str) -> list[int]:
        """The processes running in ``host``'s namespace."""
        proc = _ip("netns", "pids", self.namespace(host), check=False)
        return [int(p) for p in proc.stdout.split()] if proc.returncode == 0 else []

    def kill(self, host: str, sig: int = signal.SIGTERM, wait_s: float = 10.0) -> None:
        """Send ``sig`` to every process of ``host``; after ``wait_s`` the survivors get
        SIGKILL."""
        for pid in self.pids(host):
            _signal(pid, sig)
        deadline = time.monotonic() + wait_s
        while self.pids(host) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in self.pids(host):
            _signal(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5.0
        while self.pids(host) and time.monotonic() < deadline:
            time.sleep(0.05)

    def namespaces(self) -> list[str]:
        """This cluster's namespaces that exist now."""
        proc = _ip("netns", "list", check=False)
        names = [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]
        return [n for n in names if n.startswith(f"{self.name}-")]

    def remove(self, hosts: Sequence[str]) -> None:
        """Kill every process of every host, then remove the namespaces, links and bridge."""
        known = {self.namespace(h) for h in hosts}
        for ns in set(self.namespaces()) | known:
            host = ns.removeprefix(f"{self.name}-")
            self.kill(host, signal.SIGTERM, wait_s=5.0)
            _ip("netns", "del", ns, check=False)
            _ip("link", "del", ns, check=False)
        _ip("link", "del", self.bridge, check=False)
        if shutil.which("iptables"):
            while (
                subprocess.run(["iptables", "-D", *self._rule()], capture_output=True).returncode
                == 0
            ):
                pass


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
