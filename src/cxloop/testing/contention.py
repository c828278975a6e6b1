"""A real installation under contention: staff, customers and a storefront write while an import runs.

Used by the reliability test (tests/reliability/test_sqlite_contention.py),
which asserts that every request succeeds and the import moves on, and by
`cxloop bench contention`, which measures the same requests' latency with and
without the import running.

    with Installation(tmp_dir, invitations=100) as site:    # migrate, store, staff, survey
        site.start(server=True, worker=True)                # `cxloop serve`, `cxloop worker`
        job = site.queue_import(rows=30_000)                # a generated Shopify customers export
        site.wait_for(lambda: site.import_state(job)[1] > 0)
        results = run_requests(plan(site, logins=100, answers=100, batches=100))

Every process is real: gunicorn serves HTTP on a free port of 127.0.0.1, the
task worker runs the import, and requests go over real connections. Survey
answers come from distinct customers' addresses (X-Forwarded-For behind the
proxy setting), as they would in a shop, so the per-address limit does not
refuse them.
"""

import csv
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

CXLOOP = str(Path(sys.executable).parent / "cxloop")
HOST = "127.0.0.1"
PASSWORD = "contention-pass-7319"
OWNER = "owner@contention.example"
STAFF = 100  # staff accounts that sign in, one per login request
EVENTS_PER_BATCH = 50
REQUEST_TIMEOUT = 120.0

# Runs inside `cxloop shell`: the store, its owner, a survey with one invitation per answer.
PREPARE = """
import json
from datetime import timedelta
from django.utils import timezone
from cxloop.commerce.models import Customer
from cxloop.core import services as core
from cxloop.surveys import services as surveys
from cxloop.surveys.models import Invitation
from cxloop.surveys.tokens import invitation_token

store, key = core.create_store(name="Contention", currency="EUR", slug="contention")
owner, _ = core.add_staff(store=store, email=OWNER, role="owner", password=PASSWORD)
# Each login signs in a staff member of its own, as a team does: sign-in is throttled per
# account (one attempt at a time), which is not what this measures. They share the owner's
# password hash, so preparing them costs no hashing.
from django.contrib.auth import get_user_model
from cxloop.core.models import Membership
staff = get_user_model().objects.bulk_create(
    get_user_model()(username=f"staff{n}@contention.example", email=f"staff{n}@contention.example",
                     password=owner.password)
    for n in range(STAFF)
)
Membership.objects.bulk_create(Membership(store=store, user=user, role="agent") for user in staff)
survey = surveys.create_survey(store=store, name="NPS", kind="nps")
surveys.activate_survey(survey=survey)
now = timezone.now()
tokens = []
for n in range(INVITATIONS):
    email = f"answer{n}@contention.example"
    customer = Customer.objects.create(
        store=store, email=email, email_key=email, first_name="Ana", language="en",
        created_at=now, updated_at=now,
    )
    invitation = Invitation.objects.create(
        store=store, survey=survey, customer=customer, email=email, language="en", status="sent",
        created_at=now, send_after=now, sent_at=now, expires_at=now + timedelta(days=14),
    )
    tokens.append(invitation_token(invitation))
print(json.dumps({"key": key, "tokens": tokens}))
"""

QUEUE_IMPORT = """
from cxloop.commerce.imports import jobs
from cxloop.core.models import Store
with open(PATH, "rb") as file:
    job = jobs.queue_import(store=Store.objects.get(slug="contention"), kind="shopify_customers",
                            file=file, file_name="customers_export.csv", actor=None)
print(job.pk)
"""

CUSTOMER_COLUMNS = [
    "Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing",
    "Default Address Company", "Default Address Address1", "Default Address Address2",
    "Default Address City", "Default Address Province Code", "Default Address Country Code",
    "Default Address Zip", "Default Address Phone", "Phone", "Accepts SMS Marketing",
    "Total Spent", "Total Orders", "Note", "Tax Exempt", "Tags",
]  # fmt: skip
FIRST_NAMES = ["Anna", "Jānis", "Zofia", "Marek", "Līga", "Darius", "Mina", "Wei", "Oskar", "Ewa"]
LAST_NAMES = ["Kowalska", "Bērziņš", "Nowak", "Ozola", "Rahimi", "Chen", "Lis", "Kalniņa"]
COUNTRIES = ["PL", "LV", "DE", "IR", "CN", "TW", "FR"]


def write_customers_export(path: Path, rows: int, *, seed: int = 7) -> Path:
    """A Shopify customers export (Customers > Export, current columns) with `rows` customers."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(CUSTOMER_COLUMNS)
        for n in range(rows):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            writer.writerow([
                f"'{8_779_000_000_000 + n}", first, last, f"customer{n}@import.example",
                rng.choice(["yes", "no"]), "", f"Street {n % 300}", "", "City", "",
                rng.choice(COUNTRIES), f"{10000 + n % 90000}", "", "", "no", "0.00", "0", "", "no",
                rng.choice(["", "vip", "newsletter, vip"]),
            ])  # fmt: skip
    return path


@dataclass
class Result:
    kind: str
    status: int  # 0: no answer (the connection failed)
    ok: bool
    seconds: float
    detail: str = ""


class Installation:
    """A migrated SQLite installation in `directory`, with the processes it starts."""

    def __init__(self, directory: Path, *, invitations: int = 100):
        self.directory = Path(directory)
        self.database = self.directory / "cxloop.sqlite3"
        self.env = {
            **os.environ, "DEBUG": "1", "CXLOOP_VAR_DIR": str(self.directory),
            "CXLOOP_BEHIND_PROXY": "1", "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING",
        }  # fmt: skip
        for name in ("DATABASE_URL", "CXLOOP_TESTING", "CXLOOP_REDIS_URL", "DJANGO_SETTINGS_MODULE"):
            self.env.pop(name, None)
        self.processes: dict[str, subprocess.Popen] = {}
        self.port = 0
        self.cxloop("migrate", "--no-input", "-v0")
        prepared = json.loads(
            self._shell(PREPARE, OWNER=OWNER, PASSWORD=PASSWORD, INVITATIONS=invitations, STAFF=STAFF)
        )
        self.api_key: str = prepared["key"]
        self.tokens: list[str] = prepared["tokens"]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def cxloop(self, *args: str) -> str:
        done = subprocess.run([CXLOOP, *args], env=self.env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"cxloop {' '.join(args)} failed:\n{done.stderr[-4000:]}")
        return done.stdout

    def _shell(self, code: str, **values) -> str:
        assigned = "".join(f"{name} = {value!r}\n" for name, value in values.items())
        return self.cxloop("shell", "-c", assigned + code).strip().splitlines()[-1]

    def start(self, *, server: bool = False, worker: bool = False, workers: int = 2, threads: int = 4):
        if server and "server" not in self.processes:
            self.port = free_port()
            self.processes["server"] = self._spawn(
                "server",
                "serve", "--port", str(self.port), "--workers", str(workers),
                "--threads", str(threads), "--no-access-log",
            )  # fmt: skip
            self.wait_for(self._healthy, what="the server to answer")
        if worker and "worker" not in self.processes:
            self.processes["worker"] = self._spawn("worker", "worker", "--interval", "0.2")

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.directory / f"{name}.log").open("ab")
        return subprocess.Popen([CXLOOP, *args], env=self.env, stdout=log, stderr=log, start_new_session=True)

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def log(self, name: str) -> str:
        path = self.directory / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def queue_import(self, *, rows: int) -> int:
        """Queue the import of a generated customers export of `rows` rows; its job id."""
        path = write_customers_export(self.directory / "customers_export.csv", rows)
        return int(self._shell(QUEUE_IMPORT, PATH=str(path)))

    def import_state(self, job_id: int) -> tuple[str, int]:
        """The job's status and rows processed, read as any reader would (WAL: no lock needed)."""
        with sqlite3.connect(self.database, timeout=30) as conn:
            return conn.execute(
                "SELECT status, rows_processed FROM commerce_importjob WHERE id = ?", (job_id,)
            ).fetchone()

    def wait_for(self, condition: Callable[[], bool], *, what: str = "", seconds: float = 300) -> None:
        """Poll a condition about the processes (there is no event to wait on across processes)."""
        deadline = time.monotonic() + seconds
        while not condition():
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited while waiting for {what}:\n{self.log(name)[-4000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"gave up waiting for {what}")
            time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# -- the requests -------------------------------------------------------------------------------


def plan(
    site: Installation, *, logins: int, answers: int, batches: int, first_invitation: int = 0
) -> list[Callable[[], Result]]:
    """The requests, interleaved kind by kind so that each kind meets the import.

    Answers use the invitations from `first_invitation` on: each is answered once.
    """
    kinds = [
        [lambda n=n: login(site, n) for n in range(logins)],
        [lambda n=n: answer(site, n) for n in range(first_invitation, first_invitation + answers)],
        [lambda n=n: event_batch(site, n) for n in range(batches)],
    ]
    steps = []
    for n in range(max(map(len, kinds))):
        steps.extend(kind[n] for kind in kinds if n < len(kind))
    return steps


def run_requests(steps: list[Callable[[], Result]], *, clients: int = 6) -> list[Result]:
    """Send the requests from `clients` threads at once; each result keeps its own latency."""
    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(lambda step: step(), steps))


def _address(kind: int, n: int) -> dict:
    # The client's address as the reverse proxy reports it: one customer, one address.
    return {"X-Forwarded-For": f"198.18.{kind}.{n % 250 + 1}"}


def _timed(kind: str, send: Callable[[httpx.Client], tuple[int, bool, str]]) -> Result:
    with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
        started = time.perf_counter()
        try:
            status, ok, detail = send(client)
        except httpx.TransportError as error:
            status, ok, detail = 0, False, repr(error)
        return Result(kind, status, ok, time.perf_counter() - started, detail)


def staff_email(n: int) -> str:
    """The staff member who signs in as the n-th login (see PREPARE)."""
    return f"staff{n % STAFF}@contention.example"


def login(site: Installation, n: int) -> Result:
    """A staff member signs in: the login page, then its form (the session is written)."""

    def send(client):
        page = client.get(f"{site.url}/login/", headers=_address(1, n))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        form = {
            "username": staff_email(n),
            "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1) if token else "",
        }
        response = client.post(
            f"{site.url}/login/", data=form, headers={**_address(1, n), "Referer": f"{site.url}/login/"}
        )
        signed_in = response.status_code == 302 and "sessionid" in client.cookies
        return response.status_code, signed_in, response.text[:300] if not signed_in else ""

    return _timed("login", send)


def answer(site: Installation, n: int) -> Result:
    """A customer answers a survey: by the answer page's form, or (every other one) by the public API."""
    token = site.tokens[n]

    def send(client):
        if n % 2:
            body = {"token": token, "score": 9, "comment": "Fast delivery"}
            response = client.post(f"{site.url}/api/v1/survey-answers", json=body, headers=_address(2, n))
            ok = response.status_code == 201
        else:
            response = client.post(
                f"{site.url}/s/{token}/",
                data={"score": "9", "comment": "Fast delivery"},
                headers=_address(2, n),
            )
            ok = response.status_code == 302 and response.headers["location"].endswith("/thanks/")
        return response.status_code, ok, "" if ok else response.text[:300]

    return _timed("answer", send)


def event_batch(site: Installation, n: int) -> Result:
    """The storefront snippet sends a batch of page views."""
    visitor = uuid.uuid4().hex
    body = {
        "events": [
            {
                "event_id": f"{visitor}-{i}",
                "type": "page_view",
                "anonymous_id": visitor,
                "properties": {"path": f"/p/{i}"},
            }
            for i in range(EVENTS_PER_BATCH)
        ]
    }

    def send(client):
        response = client.post(
            f"{site.url}/api/v1/events",
            json=body,
            headers={"Authorization": f"Bearer {site.api_key}", **_address(3, n)},
        )
        ok = response.status_code == 200 and response.json().get("accepted") == EVENTS_PER_BATCH
        return response.status_code, ok, "" if ok else response.text[:300]

    return _timed("events", send)


class ProgressWatch:
    """Records an import's rows processed while requests run, from a thread of its own."""

    def __init__(self, site: Installation, job_id: int, every: float = 0.5):
        self.site, self.job_id, self.every = site, job_id, every
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.samples.append(self.site.import_state(self.job_id)[1])

    def _run(self):
        while True:
            self.samples.append(self.site.import_state(self.job_id)[1])
            if self._stop.wait(self.every):
                return
