"""Load and faults on a real cluster (`bedflow cluster`), then reports/cluster.md.

Run as root (network namespaces): ``sudo .venv/bin/python bench/bench_cluster.py`` or
``make cluster-report``. Bounded: a cluster of three worker hosts comes up (about a minute),

1. scale: the same queue of small jobs (FAST beds, ``force``) with 1, 2 and 3 workers running
   (``--scale-jobs 0`` leaves it out);
2. load: locust, headless, as a subprocess (bench/locustfile.py): ``--users`` simulated users
   for ``--seconds``, each signing up and signing in through the API, then on a mix of reads
   and writes with 1-3 s of think time (list and filter beds, read one, list jobs, read the
   statistics, download a file, create beds from `.bed` text, upload files, submit a small
   job and follow it to its end); meanwhile faults at recorded moments: SIGKILL api1, SIGKILL
   the worker running a job, cut api2 off for 10 s, restart Redis, SIGKILL the PostgreSQL
   primary (the supervisor promotes the replica);
3. check: every acknowledged bed, upload and job of every user is there, once;

then the cluster is removed and ``bench/cluster_report.py`` writes the report from locust's
CSV files (out/cluster-locust_*.csv) and the run's record (out/cluster-run.json).

The users send from ``--addresses`` addresses of their own on the cluster's bridge (added to
the root namespace's side of it, removed with it): the API limits sign-ins to 10 a minute per
client address, on purpose, and a hundred people would not sign in from one. The limits are
the production ones: 2 users an address sign up and in 4 times, which leaves room for the
retries of a try that a fault or a timeout refused.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]

from bedflow.cluster import Cluster, ClusterConfig  # noqa: E402
from bedflow.db import Job, JobEvent, crud, make_engine, make_sessionmaker  # noqa: E402
from bedflow.dsl import parse  # noqa: E402
from cluster_report import write_report  # noqa: E402

FAST = (
    "bed { diameter = 25 mm; height = 40 mm }\nparticles { diameter = 5 mm }\n"
    "packing { method = hexagonal_3d }\ncfd { solver = correlation }\n"
)
TERMINAL = {"succeeded", "failed", "cancelled"}
CSV = ROOT / "out" / "cluster-locust"
ACKED = ROOT / "out" / "cluster-acked.json"
FIRST_CLIENT = 100
"""Last byte of the first of the load generator's addresses on the cluster's /24."""


class Run:
    """The load's clock (wall time, as locust's CSV files) and the faults' moments on it."""

    def __init__(self) -> None:
        self.t0 = time.time()
        self.faults: list[tuple[float, str]] = []
        self.halt = threading.Event()

    def fault(self, name: str) -> None:
        self.faults.append((time.time() - self.t0, name))
        print(f"  {time.time() - self.t0:6.1f} s  {name}", flush=True)


def client_addresses(cluster: Cluster, count: int) -> list[str]:
    """``count`` addresses of the root namespace on the cluster's bridge, for the users."""
    addresses = [cluster.net.address(FIRST_CLIENT + i) for i in range(count)]
    for address in addresses:
        subprocess.run(["ip", "addr", "add", f"{address}/24", "dev", cluster.net.bridge],
                       check=True, capture_output=True)  # fmt: skip
    return addresses


def load(cluster: Cluster, args: argparse.Namespace, sessions: Any) -> Run:
    """Locust against the load balancer for ``args.seconds``, faults meanwhile."""
    addresses = client_addresses(cluster, args.addresses)
    locust = Path(sys.executable).parent / "locust"
    argv = [str(locust), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
            "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds:.0f}s",
            "--host", cluster.lb_url, "--csv", str(CSV), "--csv-full-history",
            "--only-summary", "--exit-code-on-error", "0", "--stop-timeout", "5",
            "--source-addresses", ",".join(addresses), "--acked", str(ACKED)]  # fmt: skip
    log = (ROOT / "out" / "cluster-locust.log").open("w", encoding="utf-8")
    run = Run()
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    injector = threading.Thread(target=faults, args=(cluster, run, args.seconds, sessions))
    injector.start()
    try:
        proc.wait(timeout=args.seconds + 120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise RuntimeError("locust did not stop (out/cluster-locust.log)") from None
    finally:
        run.halt.set()
        injector.join()
        log.close()
    if proc.returncode != 0 or not ACKED.exists():
        raise RuntimeError(f"locust exited with {proc.returncode} (out/cluster-locust.log)")
    return run


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
        return not run.halt.wait(max(0.0, run.t0 + fraction * seconds - time.time()))

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


def check(lb_url: str, engine: Any) -> dict[str, int]:
    """Every acknowledged write of every user (out/cluster-acked.json, written by the
    locustfile), read back through the load balancer; the jobs' ends in the database."""
    users = json.loads(ACKED.read_text(encoding="utf-8"))
    lost = dup = bad = 0
    jobs = [j for u in users for j in u["jobs"]]
    ids = [uuid.UUID(j) for j in jobs]
    deadline = time.monotonic() + 600
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            ended = conn.scalar(select(func.count()).where(
                Job.id.in_(ids), Job.status.in_(TERMINAL)))  # fmt: skip
            if ended == len(jobs):
                break
            time.sleep(1)
            conn.rollback()
        rows = dict(conn.execute(select(Job.id, Job.status).where(Job.id.in_(ids))).all())
        done = dict(conn.execute(select(JobEvent.job_id, func.count()).where(
            JobEvent.kind == "complete").group_by(JobEvent.job_id)).all())  # fmt: skip
    for j in ids:
        bad += rows.get(j) != "succeeded"
        dup += done.get(j, 0) > 1
    for u in users:
        headers = {"Authorization": f"Bearer {u['token']}"}
        with httpx.Client(base_url=f"{lb_url}/api/v1", headers=headers, timeout=30) as http:
            for bed_id, name in u["beds"].items():
                r = http.get(f"/beds/{bed_id}")
                lost += r.status_code != 200 or r.json()["name"] != name
            for file_id, digest in u["files"].items():
                r = http.get(f"/files/{file_id}/content")
                lost += r.status_code != 200 or hashlib.sha256(r.content).hexdigest() != digest
    beds, files = sum(len(u["beds"]) for u in users), sum(len(u["files"]) for u in users)
    return {"beds": beds, "files": files, "jobs": len(jobs), "lost": lost,
            "completed_twice": dup, "jobs_not_succeeded": bad}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--addresses", type=int, default=50,
                        help="source addresses the users are spread over")  # fmt: skip
    parser.add_argument("--spawn-rate", type=float, default=2.0,
                        help="users starting per second (each signs up and in: two password "
                        "hashes)")  # fmt: skip
    parser.add_argument("--scale-jobs", type=int, default=24, help="0: no scaling run")
    parser.add_argument("--name", default="bfl")
    parser.add_argument("--subnet", default="10.213.8")
    args = parser.parse_args()
    s3rver = str(ROOT / "tools" / "cluster" / "node_modules" / ".bin" / "s3rver")
    cluster = Cluster(ClusterConfig(name=args.name, subnet=args.subnet, workers=3, s3rver=s3rver))
    (ROOT / "out").mkdir(exist_ok=True)
    ACKED.unlink(missing_ok=True)
    print("cluster up ...", flush=True)
    cluster.up()
    engine = make_engine(cluster.database_url)
    sessions = make_sessionmaker(engine)
    try:
        scaling = []
        if args.scale_jobs:
            with sessions() as session:
                admin = crud.get_user_by_email(session, email="admin@localhost")
            print("scale: jobs per minute by worker count", flush=True)
            scaling = scale(cluster, sessions, admin, args.scale_jobs)
        print(f"load: locust, {args.users} users for {args.seconds:.0f} s, with faults",
              flush=True)  # fmt: skip
        run = load(cluster, args, sessions)
        print("check: every acknowledged write", flush=True)
        checked = check(cluster.lb_url, engine)
        print(f"  {checked}", flush=True)
        result = {"users": args.users, "seconds": args.seconds, "t0": run.t0,
                  "csv": str(CSV.relative_to(ROOT)), "addresses": args.addresses,
                  "faults": run.faults, "scaling": scaling, "check": checked,
                  "failover": _journal(cluster), "cores": os.cpu_count()}  # fmt: skip
        (ROOT / "out" / "cluster-run.json").write_text(json.dumps(result), encoding="utf-8")
    finally:
        engine.dispose()
        _keep_logs(cluster)
        cluster.down()
    write_report(result, ROOT / "reports")
    print("wrote reports/cluster.md", flush=True)


def _keep_logs(cluster: Cluster) -> None:
    """The hosts' logs and nginx's error log to out/cluster-logs/, before ``down`` removes
    them."""
    keep = ROOT / "out" / "cluster-logs"
    shutil.rmtree(keep, ignore_errors=True)
    if (cluster.root / "logs").exists():
        shutil.copytree(cluster.root / "logs", keep)
        nginx = cluster.data_dir("lb") / "error.log"
        if nginx.exists():
            shutil.copy(nginx, keep / "nginx-error.log")


def _journal(cluster: Cluster) -> list[dict[str, Any]]:
    path = cluster.root / "failover.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line) for line in lines]


if __name__ == "__main__":
    main()
