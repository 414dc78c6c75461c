"""The one component that decides failover: watches the primary, keeps the replica
synchronous while it streams, and on the primary's death fences it, then promotes the replica.

Rules, in the order the supervisor applies them (after Patroni's synchronous mode):

- While the replica streams, the primary waits for it on every commit
  (``synchronous_standby_names = '*'``): an acknowledged write is on both servers.
- When the replica stops streaming for ``grace_s``, the primary stops waiting for it (writes
  go on) and the replica is no longer eligible: it may lack acknowledged writes.
- When the primary has not answered for ``failover_after_s`` and the replica is eligible, the
  old primary is fenced first (every process of its host killed, wherever its network is, and
  its data folder marked so that it is never started again as it is), then the replica is
  promoted. An ineligible replica is never promoted: writes stay down rather than lost.

Every decision is a JSON line in ``<root>/failover.jsonl``.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from typing import Any

from bedflow.cluster import _postgres as pg
from bedflow.cluster._cluster import PG_HOSTS, Cluster

__all__ = ["Supervisor"]

log = logging.getLogger(__name__)


class Supervisor:
    """Failover for the PostgreSQL pair of ``cluster``.

    >>> Supervisor(Cluster.load("bfc")).run()  # doctest: +SKIP
    """

    def __init__(
        self,
        cluster: Cluster,
        *,
        check_s: float = 0.5,
        failover_after_s: float = 3.0,
        grace_s: float = 3.0,
    ) -> None:
        self.cluster = cluster
        self.check_s = check_s
        self.failover_after_s = failover_after_s
        self.grace_s = grace_s
        self.primary = cluster.primary() or self._last_primary()
        self.synchronous = False
        self.eligible = False
        self.primary_lost_at: float | None = None
        self.replica_lost_at: float | None = None

    @property
    def replica(self) -> str:
        return next(h for h in PG_HOSTS if h != self.primary)

    def _journal(self) -> Any:
        return self.cluster.root / "failover.jsonl"

    def _last_primary(self) -> str:
        path = self._journal()
        last = "pg1"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                last = record.get("primary", last)
        return last

    def record(self, event: str, **details: Any) -> None:
        entry = {"t": time.time(), "event": event, "primary": self.primary, **details}
        log.warning("supervisor: %s %s", event, details)
        with self._journal().open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def run(self, stop: threading.Event | None = None) -> None:
        """Check every ``check_s`` until ``stop`` is set (forever when None)."""
        stop = stop or threading.Event()
        self.record("started")
        while not stop.is_set():
            try:
                self.step()
            except Exception:
                log.exception("supervisor step failed")
            stop.wait(self.check_s)

    def step(self) -> None:
        """One look at both servers, and what follows from it."""
        now = time.monotonic()
        if self.cluster.pg_role(self.primary) == "primary":
            self.primary_lost_at = None
            self._keep_synchronous(now)
            return
        self.primary_lost_at = self.primary_lost_at or now
        if now - self.primary_lost_at < self.failover_after_s:
            return
        if not self.eligible:
            self.record("no failover: the replica may lack acknowledged writes")
            self.primary_lost_at = now  # say it again later, not on every check
            return
        if self.cluster.pg_role(self.replica) != "replica":
            self.record("no failover: the replica does not answer either")
            self.primary_lost_at = now
            return
        self.fail_over()

    def _keep_synchronous(self, now: float) -> None:
        try:
            with pg.connect(self.cluster.address(self.primary), self._password, timeout=1) as c:
                row = c.execute(
                    "SELECT state, sync_state FROM pg_stat_replication "
                    "ORDER BY (sync_state = 'sync') DESC LIMIT 1"
                ).fetchone()
                streaming = row is not None and row[0] == "streaming"
                if streaming:
                    self.replica_lost_at = None
                    if not self.synchronous:
                        c.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
                        c.execute("SELECT pg_reload_conf()")
                        self.synchronous = True
                        self.record("replica synchronous")
                    self.eligible = row is not None and row[1] == "sync"
                    return
                self.replica_lost_at = self.replica_lost_at or now
                if self.synchronous and now - self.replica_lost_at >= self.grace_s:
                    c.execute("ALTER SYSTEM RESET synchronous_standby_names")
                    c.execute("SELECT pg_reload_conf()")
                    self.synchronous = False
                    self.eligible = False
                    self.record("replica lost: primary no longer waits for it")
        except Exception as exc:
            log.info("supervisor: primary check failed: %s", exc)

    @property
    def _password(self) -> str:
        return self.cluster.config.password

    def fail_over(self) -> None:
        """Fence the old primary, then promote the replica."""
        old, new = self.primary, self.replica
        self.cluster.net.kill(old, signal.SIGKILL, wait_s=0.0)
        pg.fence(self.cluster.pg_data(old), f"fenced by the supervisor; {new} was promoted")
        self.record("fenced", host=old)
        with pg.connect(self.cluster.address(new), self._password, timeout=2) as conn:
            conn.execute("SELECT pg_promote(true, 30)")
            conn.execute("ALTER SYSTEM RESET synchronous_standby_names")
            conn.execute("SELECT pg_reload_conf()")
        self.primary = new
        self.synchronous = self.eligible = False
        self.primary_lost_at = None
        self.record("promoted", host=new)
