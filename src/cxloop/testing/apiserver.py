"""A running cxloop for API contract tests: `cxloop serve` on a free port, a store with data to find.

    def test_something(api_server):
        httpx.get(f"{api_server.url}/api/v1/customers", headers=api_server.key_headers)
        httpx.get(f"{api_server.url}/api/v1/stores/{api_server.store_id}/members",
                  headers=api_server.session_headers)

The installation has its own database (a SQLite file in the test's tmp
directory, or a PostgreSQL database of its own when the suite runs on
PostgreSQL), seeded with the real services: a store with a secret API key,
an owner with a signed-in session (cookie and CSRF token), a customer, an
order, an event and an active NPS survey with one invitation; the analytics
warehouse is copied once, for the reports. The server is gunicorn, as in
production, so requests cross a real socket.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .processes import CXLOOP, Installation

# Runs inside `cxloop shell`; prints the seeded values as JSON.
SEED = """
import json
from decimal import Decimal
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.middleware.csrf import _get_new_csrf_string
from django.utils import timezone
from cxloop.commerce import services as commerce
from cxloop.commerce.records import CustomerData, OrderData
from cxloop.commerce.services import events
from cxloop.core import services as core
from cxloop.surveys import services as surveys
from cxloop.surveys.tokens import invitation_token

store, key = core.create_store(name="Contract Shop", currency="EUR", slug="contract")
owner, _ = core.add_staff(
    store=store, email="owner@contract.example", role="owner", password="contract-pass-4821"
)
customer, _ = commerce.upsert_customer(
    store=store, platform="shopify",
    data=CustomerData(external_id="c-1", email="ania@example.pl", first_name="Ania", last_name="Nowak",
                      consent_state="subscribed"),
)
order, _ = commerce.upsert_order(store=store, platform="shopify", data=OrderData(
    external_id="o-1", number="#1001", currency="EUR", total=Decimal("120.00"),
    created_at=timezone.now(), email="ania@example.pl"))
events.record_events(store=store, events=events.parse_events([{"event_id": "e-1", "type": "page_view"}]))
survey = surveys.create_survey(store=store, name="NPS", kind="nps")
surveys.activate_survey(survey=survey)
invitation = surveys.invite_customer(survey=survey, customer=customer)
from cxloop.analytics.sync import sync_warehouse
sync_warehouse()  # the reports read it: without a first copy they answer 409
session = SessionStore()
session[SESSION_KEY] = str(owner.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
session.save()
print(json.dumps({
    "key": key, "store_id": store.pk, "owner_id": owner.pk, "session": session.session_key,
    "csrf": _get_new_csrf_string(), "customer_id": customer.pk, "order_id": order.pk,
    "survey_id": survey.pk, "token": invitation_token(invitation),
}))
"""


@dataclass
class ApiServer:
    url: str
    seeded: dict
    root: Path
    key_headers: dict = field(init=False)
    session_headers: dict = field(init=False)

    def __post_init__(self):
        self.key_headers = {"Authorization": f"Bearer {self.seeded['key']}"}
        cookie = f"sessionid={self.seeded['session']}; csrftoken={self.seeded['csrf']}"
        self.session_headers = {"Cookie": cookie, "X-CSRFToken": self.seeded["csrf"]}

    def __getattr__(self, name):
        try:
            return self.seeded[name]
        except KeyError:
            raise AttributeError(name) from None

    def log(self) -> str:
        return (self.root / "server.log").read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _database(tmp_path: Path) -> tuple[str, str]:
    """(URL, PostgreSQL database name) for the installation: SQLite unless the suite runs on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return "", ""
    import psycopg

    name = f"cxloop_api_{os.getpid()}"
    base, _, _ = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}", name


def _drop(name: str) -> None:
    import psycopg

    base, _, _ = os.environ["DATABASE_URL"].rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def api_server(tmp_path_factory):
    """`cxloop serve` (one gunicorn worker) on a seeded installation; stopped after the module."""
    root = tmp_path_factory.mktemp("api-server")
    database_url, database_name = _database(root)
    installation = Installation(root, database_url=database_url).migrate()
    seeded = json.loads(installation.python(SEED).strip().splitlines()[-1])
    port = free_port()
    log = open(root / "server.log", "wb")  # noqa: SIM115 (kept open for the server's life)
    process = subprocess.Popen(
        [CXLOOP, "serve", "--port", str(port), "--workers", "1", "--threads", "4"],
        env=installation.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_until_up(process, port)
        yield ApiServer(url=f"http://127.0.0.1:{port}", seeded=seeded, root=root)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
        if database_name:
            _drop(database_name)
