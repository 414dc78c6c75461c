"""Simulated users of a bedflow installation, for locust (bench/bench_cluster.py runs it).

Each user signs up and signs in through the API, creates a bed of its own, then works on a
mix of reads and writes with 1-3 s of think time: list and filter beds, read one, list jobs,
read the usage statistics, download a file, create beds from `.bed` text, upload files, submit
a small job and follow it to its end. Every request is named by its type, so that locust's
statistics (``--csv``) come per type.

    locust -f bench/locustfile.py --headless -u 100 -r 10 -t 120s --host http://10.213.9.10 \\
        --csv out/load --csv-full-history --source-addresses 10.213.9.100,10.213.9.101 \\
        --acked out/load-acked.json

``--source-addresses``: the users are spread over these local addresses (each user sends from
one), as people sign in from many places: the API limits sign-ins per client address (10 a
minute), and a hundred users behind one address would be refused as a guesser is. Empty: the
system's choice. ``--acked``: where to write, when the run stops, every user's token and the
beds, uploads (with their SHA-256) and jobs the API acknowledged, for the bench's check that
nothing was lost.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import secrets
import time
import uuid
from typing import Any

from locust import HttpUser, between, events, task
from locust.clients import LocustHttpAdapter
from locust.exception import StopUser
from urllib3 import PoolManager

FAST = (
    "bed { diameter = 25 mm; height = 40 mm }\nparticles { diameter = 5 mm }\n"
    "packing { method = hexagonal_3d }\ncfd { solver = correlation }\n"
)
TERMINAL = {"succeeded", "failed", "cancelled"}
FOLLOW_S = 120.0
TIMEOUT_S = 30.0
SIGN_IN_TRIES = 10
RETRY_S = 3.0
MAX_RETRY_AFTER_S = 60.0
USERS: list[BedflowUser] = []
_next_address = itertools.count()


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument("--source-addresses", default="", help="local addresses to send from")
    parser.add_argument("--acked", default="", help="JSON file of the acknowledged writes")


@events.test_stop.add_listener
def _write_acked(environment: Any, **_: Any) -> None:
    path = environment.parsed_options.acked if environment.parsed_options else ""
    if not path:
        return
    users = [u.acked() for u in USERS if u.token]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(users, f)


def _pause(r: Any) -> float:
    """Seconds before trying a refused sign-up or sign-in again: a 429's ``Retry-After`` (a
    full sign-in queue or a rate limit; at most ``MAX_RETRY_AFTER_S``), else ``RETRY_S``."""
    value = r.headers.get("Retry-After", "") if r.status_code == 429 else ""
    try:
        return min(MAX_RETRY_AFTER_S, max(0.0, float(value)))
    except ValueError:  # not a 429, no header, or an HTTP date
        return RETRY_S


class BedflowUser(HttpUser):
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.token = ""
        self.beds: dict[str, str] = {}
        self.files: dict[str, str] = {}
        self.jobs: list[str] = []
        self.rng = random.Random()
        addresses = [a for a in self.environment.parsed_options.source_addresses.split(",") if a]
        if addresses:
            address = addresses[next(_next_address) % len(addresses)]
            pool = PoolManager(maxsize=2, source_address=(address, 0))
            self.client.mount("http://", LocustHttpAdapter(pool_manager=pool))
        USERS.append(self)
        email, password = f"load-{uuid.uuid4().hex[:12]}@example.org", secrets.token_urlsafe(16)
        account = {"email": email, "password": password}
        form = {"username": email, "password": password}
        # A fault, a full sign-in queue or a limit (429) may refuse a try: each one is counted
        # (429s apart in the report), and the next waits for Retry-After where there is one.
        for i in range(SIGN_IN_TRIES):
            # 409 on a second try: the first went through, its answer was lost (502, 504).
            also = (409,) if i else ()
            r = self.call("sign up", "POST", "/users/signup", json=account, also_ok=also)
            if r.status_code in (201, 409):
                break
            time.sleep(_pause(r))
        for _ in range(SIGN_IN_TRIES):
            r = self.call("sign in", "POST", "/login/access-token", data=form, auth=False)
            if r.status_code == 200:
                self.token = r.json()["access_token"]
                break
            time.sleep(_pause(r))
        else:
            raise StopUser()  # a user that cannot sign in does nothing more
        self.create_bed()

    def acked(self) -> dict[str, Any]:
        return {"token": self.token, "beds": self.beds, "files": self.files, "jobs": self.jobs}

    def call(
        self, name: str, method: str, path: str, auth: bool = True,
        also_ok: tuple[int, ...] = (), **kw: Any,
    ) -> Any:  # fmt: skip
        """One request named ``name``; any answer but a 2xx (or one of ``also_ok``) is a
        failure, 429 included."""
        headers = kw.pop("headers", {})
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        with self.client.request(
            method, f"/api/v1{path}", name=name, headers=headers, timeout=TIMEOUT_S,
            catch_response=True, **kw,
        ) as r:  # fmt: skip
            if 200 <= r.status_code < 300 or r.status_code in also_ok:
                r.success()
            else:
                r.failure(f"HTTP {r.status_code}" if r.status_code else f"no answer: {r.error}")
            return r

    @task(30)
    def list_beds(self) -> None:
        self.call("list beds", "GET", "/beds", params={"limit": 20})

    @task(10)
    def filter_beds(self) -> None:
        self.call("filter beds", "GET", "/beds", params={"q": "b-", "sort": "-created_at"})

    @task(20)
    def read_bed(self) -> None:
        if self.beds:
            self.call("read bed", "GET", f"/beds/{self.rng.choice(list(self.beds))}")

    @task(10)
    def list_jobs(self) -> None:
        self.call("list jobs", "GET", "/jobs")

    @task(4)
    def stats(self) -> None:
        self.call("statistics", "GET", "/stats")

    @task(5)
    def health(self) -> None:
        self.call("health", "GET", "/health", auth=False)

    @task(6)
    def download(self) -> None:
        if self.files:
            self.call("download", "GET", f"/files/{self.rng.choice(list(self.files))}/content")

    @task(4)
    def create_bed(self) -> None:
        name = f"b-{uuid.uuid4().hex[:10]}"
        r = self.call("create bed", "POST", "/beds", data=f'name = "{name}"\n' + FAST,
                      headers={"Content-Type": "text/plain"})  # fmt: skip
        if r.status_code == 201:
            self.beds[r.json()["id"]] = name

    @task(2)
    def upload(self) -> None:
        if not self.beds:
            return
        content = os.urandom(self.rng.choice([4096, 65536, 1 << 20]))
        bed = self.rng.choice(list(self.beds))
        part = ("data.bin", content, "application/octet-stream")
        r = self.call("upload", "POST", f"/beds/{bed}/files", files={"file": part})
        if r.status_code == 201:
            self.files[r.json()["id"]] = hashlib.sha256(content).hexdigest()

    @task(1)
    def job(self) -> None:
        """Submit a small job and follow it to its end (a poll a second, 120 s at most)."""
        if not self.beds:
            return
        bed = self.rng.choice(list(self.beds))
        r = self.call("submit job", "POST", "/jobs", json={"bed_id": bed, "force": True})
        if r.status_code != 202:
            return
        job_id = r.json()["id"]
        self.jobs.append(job_id)
        deadline = time.monotonic() + FOLLOW_S
        while time.monotonic() < deadline:
            r = self.call("follow job", "GET", f"/jobs/{job_id}")
            if r.status_code == 200 and r.json()["status"] in TERMINAL:
                return
            time.sleep(1.0)  # gevent's, patched by locust: other users go on meanwhile
