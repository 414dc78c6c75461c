"""``bedflow serve --workers N``: N uvicorn processes, each on a listening socket of its own.

uvicorn's own workers share one listening socket, and the worker that wakes first accepts
every connection waiting. Clients that open their keep-alive connections together (a proxy,
a load generator, a dashboard's burst) often all land on one worker, which serves them alone
while the others idle (bench/bench_api.py's connections often all landed on one of two
workers, at a fraction of the throughput). Here each worker listens on its own socket,
all bound to the same port with SO_REUSEPORT, and Linux spreads new connections over them
evenly. A worker that dies is replaced on its socket (connections the kernel handed that
socket meanwhile wait in its backlog); SIGINT and SIGTERM stop every worker. Elsewhere than
on Linux, where SO_REUSEPORT does not balance, uvicorn's workers run as they are.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Process

__all__ = ["HEALTHCHECK_SECONDS", "reuse_port_sockets", "run_server"]

log = logging.getLogger(__name__)

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

#: How long a worker process may take to answer the supervisor's ping before it is killed as
#: hung. uvicorn's 5 s killed healthy workers in a loop on a loaded 2-core host (a starting
#: worker imports the app with the GIL held; seen in `make deploy-check`, exit -9 each time).
HEALTHCHECK_SECONDS = 30


def run_server(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Serve the app factory ``app`` on ``host:port`` with ``workers`` processes until
    SIGINT or SIGTERM; ``options`` go to uvicorn's ``Config``."""
    options.setdefault("timeout_worker_healthcheck", HEALTHCHECK_SECONDS)
    if workers <= 1 or not sys.platform.startswith("linux"):
        uvicorn.run(app, factory=True, host=host, port=port, workers=workers, **options)
        return
    config = uvicorn.Config(app, factory=True, host=host, port=port, workers=workers, **options)
    config.configure_logging()
    sockets = reuse_port_sockets(host, port, workers, backlog=config.backlog)
    try:
        _supervise(config, sockets)
    finally:
        for sock in sockets:
            sock.close()


def reuse_port_sockets(host: str, port: int, count: int, *, backlog: int) -> list[socket.socket]:
    """``count`` listening sockets on ``host:port`` in one SO_REUSEPORT group (port 0: the
    first picks a free port and the others join it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host.strip("[]"), port))
            port = sock.getsockname()[1]
            sock.listen(backlog)
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _supervise(config: uvicorn.Config, sockets: list[socket.socket]) -> None:
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in _STOP_SIGNALS}
    processes = [Process(config, [sock]) for sock in sockets]
    try:
        for process in processes:
            process.start()
        host, port = sockets[0].getsockname()[:2]
        log.info("serving on %s:%s with %d worker processes", host, port, len(processes))
        while not stop.wait(0.5):
            for index, process in enumerate(processes):
                if stop.is_set() or process.is_alive(timeout=config.timeout_worker_healthcheck):
                    continue
                process.kill()  # gone, or hung: it no longer answers its health check
                process.join()
                if process.exitcode == STARTUP_FAILURE:
                    # The app cannot start (settings, database): every replacement would fail.
                    log.error("worker %s failed to start; stopping", process.pid)
                    stop.set()
                    break
                log.warning(
                    "worker %s died (exit %s); starting another", process.pid, process.exitcode
                )
                processes[index] = Process(config, [sockets[index]])
                processes[index].start()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
