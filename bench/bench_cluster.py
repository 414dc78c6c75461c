"""Load and faults on a real cluster (`bedflow cluster`), then reports/cluster.md.

Run as root (network namespaces): ``sudo .venv/bin/python bench/bench_cluster.py`` or
``make cluster-report``. Bounded: a cluster of three worker hosts comes up (about a minute),

1. scale: the same queue of small jobs (FAST beds, ``force``) with 1, 2 and 3 workers running;
2. load: ``--users`` simulated users (threads, each its own account and token) for
   ``--seconds`` on a mix of reads and writes with 1-3 s of think time: list and filter beds,
   read one, list jobs, download a file, create beds from `.bed` text, upload files, submit a
   small job and follow it to its end; meanwhile faults at recorded moments: SIGKILL api1,
   SIGKILL the worker running a job, cut api2 off for 10 s, restart Redis, SIGKILL the
   PostgreSQL primary (the supervisor promotes the replica);
3. check: every acknowledged bed, upload and job of every user is there, once;

then the cluster is removed and ``bench/cluster_report.py`` writes the report from the run's
samples (out/cluster-run.json). Users are created in the database and their tokens minted with
the cluster's secret key: signing in a hundred users through the API would hit its sign-in
limit (10 per minute per address), which is there on purpose.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import secrets
import signal
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]

from bedflow.api._security import create_access_token, signing_key  # noqa: E402
from bedflow.cluster import Cluster, ClusterConfig  # noqa: E402
from bedflow.db import Job, JobEvent, crud, make_engine, make_sessionmaker  # noqa: E402
from bedflow.dsl import parse  # noqa: E402
from cluster_report import write_report  # noqa: E402

FAST = (
    "bed { diameter = 25 mm; height = 40 mm }\nparticles { diameter = 5 mm }\n"
    "packing { method = hexagonal_3d }\ncfd { solver = correlation }\n"
)
MIX = [("list_beds", 30), ("filter_beds", 10), ("read_bed", 20), ("list_jobs", 10),
       ("download", 6), ("health", 5), ("create_bed", 4), ("upload", 2), ("job", 1)]  # fmt: skip
TERMINAL = {"succeeded", "failed", "cancelled"}


class User(threading.Thread):
    def __init__(self, base: str, token: str, bed_id: str, run: Run) -> None:
        super().__init__(daemon=True)
        self.http = httpx.Client(
            base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        self.run_, self.beds, self.files = run, [bed_id], {}  # type: ignore[var-annotated]
        self.acked_beds: dict[str, str] = {}
        self.jobs: list[str] = []
        self.rng = random.Random()

    def call(self, kind: str, method: str, path: str, **kw: Any) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = self.http.request(method, path, **kw)
            status = response.status_code
        except httpx.TransportError:
            response, status = None, 0
        self.run_.sample(kind, started, status)
        return response

    def run(self) -> None:
        kinds, weights = zip(*MIX, strict=True)
        while not self.run_.halt.is_set():
            kind = self.rng.choices(kinds, weights)[0]
            getattr(self, kind)()
            self.run_.halt.wait(self.rng.uniform(1.0, 3.0))

    def list_beds(self) -> None:
        self.call("list beds", "GET", "/beds", params={"limit": 20})

    def filter_beds(self) -> None:
        self.call("filter beds", "GET", "/beds", params={"q": "b-", "sort": "-created_at"})

    def read_bed(self) -> None:
        self.call("read bed", "GET", f"/beds/{self.rng.choice(self.beds)}")

    def list_jobs(self) -> None:
        self.call("list jobs", "GET", "/jobs")

    def health(self) -> None:
        self.call("health", "GET", "/health")

    def download(self) -> None:
        if self.files:
            self.call("download", "GET", f"/files/{self.rng.choice(list(self.files))}/content")

    def create_bed(self) -> None:
        name = f"b-{uuid.uuid4().hex[:10]}"
        r = self.call("create bed", "POST", "/beds", content=f'name = "{name}"\n' + FAST,
                      headers={"Content-Type": "text/plain"})  # fmt: skip
        if r is not None and r.status_code == 201:
            self.beds.append(r.json()["id"])
            self.acked_beds[r.json()["id"]] = name

    def upload(self) -> None:
        content = os.urandom(self.rng.choice([4096, 65536, 1 << 20]))
        bed = self.rng.choice(self.beds)
        part = ("data.bin", content, "application/octet-stream")
        r = self.call("upload", "POST", f"/beds/{bed}/files", files={"file": part})
        if r is not None and r.status_code == 201:
            self.files[r.json()["id"]] = hashlib.sha256(content).hexdigest()

    def job(self) -> None:
        bed = self.rng.choice(self.beds)
        r = self.call("submit job", "POST", "/jobs", json={"bed_id": bed, "force": True})
        if r is None or r.status_code != 202:
            return
        job_id = r.json()["id"]
        self.jobs.append(job_id)
        deadline = time.monotonic() + 120
        while not self.run_.halt.is_set() and time.monotonic() < deadline:  # follow it
            r = self.call("follow job", "GET", f"/jobs/{job_id}")
            if r is not None and r.status_code == 200 and r.json()["status"] in TERMINAL:
                return
            self.run_.halt.wait(1.0)


class Run:
    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.samples: list[tuple[float, str, float, int]] = []
        self.faults: list[tuple[float, str]] = []
        self.halt = threading.Event()

    def sample(self, kind: str, started: float, status: int) -> None:
        now = time.monotonic()
        self.samples.append((started - self.t0, kind, (now - started) * 1000, status))

    def fault(self, name: str) -> None:
        self.faults.append((time.monotonic() - self.t0, name))
        print(f"  {time.monotonic() - self.t0:6.1f} s  {name}", flush=True)


def scale(cluster: Cluster, sessions: Any, owner: Any, jobs: int) -> list[dict[str, Any]]:
    """Jobs per minute with 1, 2, 3 workers on the same queue of ``jobs`` small jobs."""
    rows = []
    for n in (1, 2, 3):
        for i, host in enumerate(cluster.workers):
            running = bool(cluster.net.pids(host))
            if i < n and not running:
                cluster.start(host)
            if i >= n and running:
                cluster.stop(host)
        time.sleep(15)  # a started worker imports bedflow and joins the queue
        with sessions() as session:
            user = session.merge(owner)
            ids = []
            for _ in range(jobs):
                bed = crud.create_bed(session, owner=user, spec=parse('name = "s"\n' + FAST))
                ids.append(bed.id)
        started = time.monotonic()
        http = httpx.Client(base_url=f"{cluster.lb_url}/api/v1", headers=owner_headers(cluster))
        job_ids = [http.post("/jobs", json={"bed_id": str(b), "force": True}).json()["id"]
                   for b in ids]  # fmt: skip
        while True:
            with sessions() as session:
                done = session.scalar(
                    select(func.count()).where(
                        Job.id.in_([uuid.UUID(j) for j in job_ids]), Job.status.in_(TERMINAL)
                    )
                )
            if done == len(job_ids):
                break
            time.sleep(0.5)
        took = time.monotonic() - started
        rows.append({"workers": n, "jobs": jobs, "seconds": round(took, 1),
                     "jobs_per_min": round(60 * jobs / took, 1)})  # fmt: skip
        print(f"  {n} worker(s): {jobs} jobs in {took:.1f} s", flush=True)
    return rows


def owner_headers(cluster: Cluster) -> dict[str, str]:
    form = {"username": "admin@localhost", "password": cluster.config.admin_password}
    r = httpx.post(f"{cluster.lb_url}/api/v1/login/access-token", data=form)
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def faults(cluster: Cluster, run: Run, seconds: float, sessions: Any) -> None:
    at = [0.12, 0.3, 0.45, 0.6, 0.75]

    def until(fraction: float) -> bool:
        return not run.halt.wait(max(0.0, run.t0 + fraction * seconds - time.monotonic()))

    if until(at[0]):
        run.fault("SIGKILL api1")
        cluster.stop("api1", signal.SIGKILL)
        time.sleep(10)
        cluster.start("api1")
        run.fault("api1 started")
    if until(at[1]):
        with sessions() as session:
            worker = session.scalar(select(Job.worker).where(Job.status == "running").limit(1))
        host = worker.split(":")[0] if worker else cluster.workers[-1]
        run.fault(f"SIGKILL {host}")
        cluster.stop(host, signal.SIGKILL)
        time.sleep(15)
        cluster.start(host)
        run.fault(f"{host} started")
    if until(at[2]):
        run.fault("cut api2")
        cluster.cut("api2")
        time.sleep(10)
        cluster.restore("api2")
        run.fault("api2 restored")
    if until(at[3]):
        run.fault("restart redis")
        cluster.stop("redis")
        cluster.start("redis")
    if until(at[4]):
        run.fault("SIGKILL pg1 (primary)")
        cluster.stop("pg1", signal.SIGKILL)
        cluster.wait(lambda: cluster.primary() == "pg2", "promotion", timeout=60)
        run.fault("pg2 promoted")


def check(users: list[User], engine: Any) -> dict[str, int]:
    """Every acknowledged write of every user, through the load balancer; jobs in the DB."""
    lost = dup = bad = 0
    jobs = [j for u in users for j in u.jobs]
    deadline = time.monotonic() + 600
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            ended = conn.scalar(select(func.count()).where(
                Job.id.in_([uuid.UUID(j) for j in jobs]), Job.status.in_(TERMINAL)))  # fmt: skip
            if ended == len(jobs):
                break
            time.sleep(1)
            conn.rollback()
        rows = dict(conn.execute(select(Job.id, Job.status).where(
            Job.id.in_([uuid.UUID(j) for j in jobs]))).all())  # fmt: skip
        done = dict(conn.execute(select(JobEvent.job_id, func.count()).where(
            JobEvent.kind == "complete").group_by(JobEvent.job_id)).all())  # fmt: skip
    for j in jobs:
        bad += rows.get(uuid.UUID(j)) != "succeeded"
        dup += done.get(uuid.UUID(j), 0) > 1
    for u in users:
        for bed_id, name in u.acked_beds.items():
            r = u.http.get(f"/beds/{bed_id}")
            lost += r.status_code != 200 or r.json()["name"] != name
        for file_id, digest in u.files.items():
            r = u.http.get(f"/files/{file_id}/content")
            lost += r.status_code != 200 or hashlib.sha256(r.content).hexdigest() != digest
    beds, files = sum(len(u.acked_beds) for u in users), sum(len(u.files) for u in users)
    return {"beds": beds, "files": files, "jobs": len(jobs), "lost": lost,
            "completed_twice": dup, "jobs_not_succeeded": bad}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--scale-jobs", type=int, default=6)
    parser.add_argument("--name", default="bfl")
    parser.add_argument("--subnet", default="10.213.8")
    args = parser.parse_args()
    s3rver = str(ROOT / "tools" / "cluster" / "node_modules" / ".bin" / "s3rver")
    cluster = Cluster(ClusterConfig(name=args.name, subnet=args.subnet, workers=3, s3rver=s3rver))
    print("cluster up ...", flush=True)
    cluster.up()
    engine = make_engine(cluster.database_url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            admin = crud.get_user_by_email(session, email="admin@localhost")
        print("scale: jobs per minute by worker count", flush=True)
        scaling = scale(cluster, sessions, admin, args.scale_jobs)
        key = signing_key(cluster.config.secret_key)
        run, users = Run(), []
        with sessions() as session:
            for i in range(args.users):
                user = crud.create_user(session, email=f"load{i}@example.org",
                                        password=secrets.token_urlsafe(16))  # fmt: skip
                bed = crud.create_bed(session, owner=user, spec=parse(f'name = "seed{i}"\n' + FAST))
                token, _ = create_access_token(
                    user_id=user.id, key=key, lifetime=timedelta(hours=1)
                )
                users.append((token, str(bed.id)))
        run = Run()
        threads = [User(cluster.lb_url, t, b, run) for t, b in users]
        print(f"load: {args.users} users for {args.seconds:.0f} s, with faults", flush=True)
        for t in threads:
            t.start()
        injector = threading.Thread(target=faults, args=(cluster, run, args.seconds, sessions))
        injector.start()
        time.sleep(args.seconds)
        run.halt.set()
        injector.join()
        for t in threads:
            t.join(timeout=60)
        print("check: every acknowledged write", flush=True)
        checked = check(threads, engine)
        print(f"  {checked}", flush=True)
        result = {"users": args.users, "seconds": args.seconds, "samples": run.samples,
                  "faults": run.faults, "scaling": scaling, "check": checked,
                  "failover": _journal(cluster, run), "cores": os.cpu_count()}  # fmt: skip
        (ROOT / "out").mkdir(exist_ok=True)
        (ROOT / "out" / "cluster-run.json").write_text(json.dumps(result), encoding="utf-8")
    finally:
        engine.dispose()
        cluster.down()
    write_report(result, ROOT / "reports")
    print("wrote reports/cluster.md", flush=True)


def _journal(cluster: Cluster, run: Run) -> list[dict[str, Any]]:
    path = cluster.root / "failover.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines]


if __name__ == "__main__":
    main()
