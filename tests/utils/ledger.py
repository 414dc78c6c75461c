"""A client of a running cluster that remembers every write the cluster acknowledged, and
checks afterwards that each one is still there, once."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from bedflow.db import Job, JobEvent, make_engine

FAST = (
    "bed { diameter = 25 mm; height = 40 mm }\nparticles { diameter = 5 mm }\n"
    "packing { method = hexagonal_3d }\ncfd { solver = correlation }\n"
)
"""A bed whose whole pipeline takes a second or two once the worker is warm."""
TERMINAL = {"succeeded", "failed", "cancelled"}


@dataclass
class Tally:
    """Requests of one kind during a fault: how many, how many failed, and when."""

    sent: int = 0
    errors: list[tuple[float, str]] = field(default_factory=list)

    def add(self, ok: bool, what: str = "") -> None:
        self.sent += 1
        if not ok:
            self.errors.append((time.monotonic(), what))


class Ledger:
    """Writes through the load balancer; the acknowledged ones are remembered."""

    def __init__(self, base_url: str, password: str, database_url: str) -> None:
        self.http = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30.0)
        response = self.http.post(
            "/login/access-token", data={"username": "admin@localhost", "password": password}
        )
        response.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        self.engine: Engine = make_engine(database_url)
        self.beds: dict[str, str] = {}  # id -> name
        self.files: dict[str, tuple[str, str]] = {}  # id -> (bed id, sha256)
        self.jobs: list[str] = []
        self._lock = threading.Lock()

    def close(self) -> None:
        self.http.close()
        self.engine.dispose()

    # -- writes ---------------------------------------------------------------------------------
    def create_bed(self, text: str = FAST) -> str | None:
        """A new bed; its id when the cluster acknowledged it (2xx), else None."""
        name = f"b-{uuid.uuid4().hex[:10]}"
        try:
            response = self.http.post(
                "/beds", content=f'name = "{name}"\n' + text,
                headers={"Content-Type": "text/plain"},
            )  # fmt: skip
        except httpx.TransportError:
            return None
        if response.status_code != 201:
            return None
        bed_id = str(response.json()["id"])
        with self._lock:
            self.beds[bed_id] = name
        return bed_id

    def upload(self, bed_id: str, size: int = 64 * 1024) -> str | None:
        content = os.urandom(size)
        try:
            response = self.http.post(
                f"/beds/{bed_id}/files", files={"file": ("data.bin", content, "application/x-bin")}
            )
        except httpx.TransportError:
            return None
        if response.status_code != 201:
            return None
        file_id = str(response.json()["id"])
        with self._lock:
            self.files[file_id] = (bed_id, hashlib.sha256(content).hexdigest())
        return file_id

    def submit(self, bed_id: str) -> str | None:
        try:
            response = self.http.post("/jobs", json={"bed_id": bed_id, "force": True})
        except httpx.TransportError:
            return None
        if response.status_code != 202:
            return None
        job_id = str(response.json()["id"])
        with self._lock:
            self.jobs.append(job_id)
        return job_id

    def get_ok(self, path: str) -> bool:
        """An idempotent read: whether it answered 200."""
        try:
            return self.http.get(path).status_code == 200
        except httpx.TransportError:
            return False

    # -- checks ---------------------------------------------------------------------------------
    def job_rows(self) -> dict[str, Job]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(Job).where(Job.id.in_([uuid.UUID(j) for j in self.jobs])))
            return {str(r.id): r for r in rows}  # type: ignore[misc]

    def wait_jobs(self, timeout: float = 300.0) -> None:
        """Until every acknowledged job has ended."""
        deadline = time.monotonic() + timeout
        while True:
            rows = self.job_rows()
            pending = [j for j in self.jobs if j not in rows or rows[j].status not in TERMINAL]
            if not pending:
                return
            assert time.monotonic() < deadline, f"jobs still running: {pending}"
            time.sleep(1.0)

    def completions(self) -> Counter[str]:
        """How many times each job reported its completion."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(JobEvent.job_id, func.count())
                .where(JobEvent.kind == "complete")
                .group_by(JobEvent.job_id)
            ).all()
        return Counter({str(job_id): int(n) for job_id, n in rows})

    def verify(self) -> dict[str, Any]:
        """Every acknowledged bed, file and job is there, once; files hold what was sent."""
        self.wait_jobs()
        for bed_id, name in self.beds.items():
            response = self.http.get(f"/beds/{bed_id}")
            assert response.status_code == 200, f"acknowledged bed {bed_id} lost"
            assert response.json()["name"] == name
        for bed_id in {bed for bed, _ in self.files.values()}:
            # A bed lists its uploads and the files its jobs wrote; each upload once.
            listed = self.http.get(f"/beds/{bed_id}/files").json()["data"]
            ids = [f["id"] for f in listed]
            assert len(ids) == len(set(ids)), f"bed {bed_id}: a file listed twice"
            digests = Counter(f["sha256"] for f in listed)
            for file_id, (bed, digest) in self.files.items():
                if bed == bed_id:
                    assert file_id in ids, f"acknowledged file {file_id} not listed"
                    assert digests[digest] == 1, f"upload {file_id} stored {digests[digest]}x"
        for file_id, (_, digest) in self.files.items():
            response = self.http.get(f"/files/{file_id}/content")
            assert response.status_code == 200, f"acknowledged file {file_id} lost"
            assert hashlib.sha256(response.content).hexdigest() == digest
        rows = self.job_rows()
        completions = self.completions()
        for job_id in self.jobs:
            assert rows[job_id].status == "succeeded", (job_id, rows[job_id].error)
            assert completions[job_id] == 1, f"job {job_id} completed {completions[job_id]}x"
        return {"beds": len(self.beds), "files": len(self.files), "jobs": len(self.jobs)}


class Reader(threading.Thread):
    """Idempotent reads through the load balancer in a loop until stopped."""

    def __init__(self, ledger: Ledger, paths: list[str]) -> None:
        super().__init__(daemon=True)
        self.paths = paths
        self.http = httpx.Client(
            base_url=ledger.http.base_url, headers=ledger.http.headers, timeout=30.0
        )
        self.tally = Tally()
        self.halt = threading.Event()

    def run(self) -> None:
        i = 0
        while not self.halt.is_set():
            path = self.paths[i % len(self.paths)]
            try:
                ok = self.http.get(path).status_code == 200
            except httpx.TransportError:
                ok = False
            self.tally.add(ok, path)
            i += 1
            time.sleep(0.02)

    def stop(self) -> Tally:
        self.halt.set()
        self.join(timeout=60)
        self.http.close()
        return self.tally
