"""Inbound mail survives a kill -9 of the web server mid-burst: every acknowledged mail kept, none twice.

Six connections post 300 distinct mails to a real `cxloop serve` (gunicorn, one worker of
four threads, so mails that arrive together are stored in one transaction:
helpdesk/services/inbound_group.py), through the Postmark, SendGrid and Mailgun webhooks
in turn, each connection posting its next mail as soon as the last one is answered. After
40 acknowledgements, at a moment the server has stored a mail whose request it has not
answered (found by freezing it with SIGSTOP and comparing the database with the answers
the clients read), the server is killed with SIGKILL while every connection waits for an
answer. A new server starts on the same database, and every mail without a 200 is posted
again, as the provider retries it, with a few that were acknowledged. Every mail must then
be stored exactly once, and a mail stored before the kill must keep its row.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx

from cxloop.testing import aio
from cxloop.testing.apiserver import free_port

MAILS = 300
CONNECTIONS = 6
SERVER_THREADS = 4  # fewer than the connections: requests queue at the server, as a provider's burst does
# Early in the burst, so most mails are still to come when the server is frozen to look for the kill.
KILL_AFTER_ACKS = 40
# Acknowledged mails posted again after the restart, as a provider does when an answer is slow to arrive.
RETRIED_ACKED = 5

SECRET = "cxloop:inbound-crash-s3cret"
MAILGUN_KEY = "key-inbound-crash-0123456789"
DOMAIN = "in.skrzynka.example"
RECIPIENT = f"skrzynka@{DOMAIN}"  # the store's slug at the inbound domain

SEED = """
from cxloop.core import services as core_services
store, _ = core_services.create_store(name="Skrzynka Shop", currency="PLN", slug="skrzynka")
print(store.pk)
"""

MESSAGE_ROWS = "SELECT message_id, id, text FROM helpdesk_message"
STORED_COUNT = "SELECT COUNT(*) FROM helpdesk_message"


def message_id(n: int) -> str:
    return f"<mail-{n}@klient.example>"


def raw_mail(n: int) -> str:
    """Mail number n from a customer of its own (so no sender reaches the flood limit)."""
    return (
        f"From: Klient {n} <klient-{n}@example.pl>\r\nTo: {RECIPIENT}\r\nSubject: Paczka nr {n}\r\n"
        f"Message-ID: {message_id(n)}\r\nDate: Thu, 03 Dec 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        f"Dzień dobry, gdzie jest paczka nr {n}?\r\n"
    )


def basic_auth() -> dict[str, str]:
    """The HTTP basic auth that Postmark and SendGrid send from the webhook URL's user:password."""
    return {"Authorization": "Basic " + base64.b64encode(SECRET.encode()).decode()}


def form(fields: dict[str, str]) -> dict:
    """multipart/form-data, as Mailgun and SendGrid post: each field without a file name."""
    return {name: (None, value) for name, value in fields.items()}


def postmark(client: httpx.AsyncClient, n: int):
    payload = {
        "FromFull": {"Email": f"klient-{n}@example.pl", "Name": f"Klient {n}"},
        "OriginalRecipient": RECIPIENT,
        "MessageID": f"postmark-{n}",
        "Headers": [{"Name": "Return-Path", "Value": f"<klient-{n}@example.pl>"}],
        "RawEmail": raw_mail(n),
    }
    return client.post("/webhooks/inbound/postmark/", json=payload, headers=basic_auth())


def sendgrid(client: httpx.AsyncClient, n: int):
    fields = {
        "email": raw_mail(n),
        "to": RECIPIENT,
        "from": f"Klient {n} <klient-{n}@example.pl>",
        "envelope": json.dumps({"to": [RECIPIENT], "from": f"klient-{n}@example.pl"}),
        "charsets": json.dumps({"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8"}),
    }
    return client.post("/webhooks/inbound/sendgrid/", files=form(fields), headers=basic_auth())


def mailgun(client: httpx.AsyncClient, n: int):
    timestamp, token = str(int(time.time())), hashlib.sha256(f"token-{n}".encode()).hexdigest()[:50]
    signature = hmac.new(MAILGUN_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    fields = {
        "recipient": RECIPIENT, "sender": f"klient-{n}@example.pl", "body-mime": raw_mail(n),
        "timestamp": timestamp, "token": token, "signature": signature,
    }  # fmt: skip
    return client.post("/webhooks/inbound/mailgun/mime/", files=form(fields))


PROVIDERS = [postmark, sendgrid, mailgun]


def post(client: httpx.AsyncClient, n: int):
    """Mail n through its provider's webhook: the same provider every time it is posted."""
    return PROVIDERS[n % len(PROVIDERS)](client, n)


@dataclass
class Burst:
    """The mails of a burst and what became of each request."""

    to_post: list[int]
    acked: list[int] = field(default_factory=list)  # answered 200
    cut_off: list[int] = field(default_factory=list)  # posted, the connection ended without an answer


async def post_until_cut_off(client: httpx.AsyncClient, burst: Burst) -> None:
    """One connection: post the next mail as soon as the last one is answered; stop when cut off."""
    while burst.to_post:
        n = burst.to_post.pop(0)
        try:
            answer = await post(client, n)
        except httpx.TransportError:
            burst.cut_off.append(n)
            return
        assert answer.status_code == 200, (n, answer.status_code, answer.text[:500])
        burst.acked.append(n)


async def post_all(port: int, burst: Burst, until_killed=None) -> None:
    """Post the burst's mails over CONNECTIONS connections; with `until_killed`, kill the server mid-way.

    The connections share one event loop, not threads: once the frozen server's answers are read
    from the sockets, a fixed number of the loop's steps brings each to its request, however
    loaded the machine is, so the answers counted at the kill are exactly those the server sent.
    """
    clients = [
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) for _ in range(CONNECTIONS)
    ]
    try:
        posting = asyncio.gather(*(post_until_cut_off(client, burst) for client in clients))
        if until_killed is not None:
            await until_killed(posting)
        await asyncio.wait_for(posting, timeout=300)
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))


async def kill_with_an_answer_unsent(installation, server, port: int, burst: Burst, posting) -> None:
    """SIGKILL the server, after KILL_AFTER_ACKS answers, at a moment it has stored a mail it has not
    answered.

    The server is frozen (SIGSTOP), so it stores and answers nothing more, and the clients read every
    answer it sent before. If the database then holds more mails than the clients have answers for,
    an answer was never sent, and the kill comes now, every connection waiting for its answer; if
    not, the server runs on a moment.
    """
    while not posting.done():
        if len(burst.acked) >= KILL_AFTER_ACKS:
            await freeze(server, port)
            stored = await asyncio.to_thread(installation.value, STORED_COUNT)
            if stored > len(burst.acked):
                installation.kill(server)
                return
            os.killpg(server.pid, signal.SIGCONT)
        await asyncio.sleep(0.02)
    await posting  # a request failed: raise its error
    raise AssertionError("every mail was answered before the server stored one it did not answer")


async def freeze(server, port: int) -> None:
    """Stop the server's processes, then let the clients read and take in every answer it sent."""
    os.killpg(server.pid, signal.SIGSTOP)
    while not all(is_stopped(pid) for pid in group_pids(server.pid)):  # delivered a moment after sent
        assert server.poll() is None, "the server ended by itself"
        await asyncio.sleep(0.01)
    while unread_bytes_from(port):
        await asyncio.sleep(0.01)
    for _ in range(200):  # every read answer reaches its request: steps of this one loop, not time
        await asyncio.sleep(0)


def group_pids(pgid: int) -> list[int]:
    """The processes of a process group (gunicorn's master and its worker)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except (FileNotFoundError, ProcessLookupError):  # a process that has just ended
            continue
        if int(fields[2]) == pgid:
            pids.append(int(stat.parent.name))
    return pids


def is_stopped(pid: int) -> bool:
    """Every thread of the process is stopped (state T in /proc)."""
    states = []
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            states.append(stat.read_text().rpartition(")")[2].split()[0])
        except (FileNotFoundError, ProcessLookupError):  # a thread that has just ended
            continue
    return bool(states) and all(state in ("T", "t") for state in states)


def unread_bytes_from(port: int) -> int:
    """Bytes the kernel holds, unread, for the clients' connections to `port` (/proc/net/tcp)."""
    unread = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[2].rpartition(":")[2], 16) == port:  # the remote end is the server
            unread += int(fields[4].rpartition(":")[2], 16)
    return unread


def stored(installation) -> dict[str, list[tuple[int, str]]]:
    """{Message-ID: [(row id, text), ...]} of every stored message."""
    rows: dict[str, list[tuple[int, str]]] = {}
    for mid, pk, text in installation.query(MESSAGE_ROWS):
        rows.setdefault(mid, []).append((pk, text))
    return rows


def wait_until_the_server_is_gone(installation) -> None:
    """On PostgreSQL, a killed server's sessions end a moment after it (a commit sent before the kill
    may still land): read what it stored only once none is left."""
    if installation.database_url:
        installation.wait_for(
            "SELECT COUNT(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()",
            lambda sessions: sessions == 0,
            what="the killed server's database sessions",
        )


def mail_through_a_kill_9(installation) -> None:
    # given a store receiving at skrzynka@<inbound domain> and a web server taking the providers' webhooks
    installation.env.update(
        ANYMAIL_WEBHOOK_SECRET=SECRET,
        MAILGUN_WEBHOOK_SIGNING_KEY=MAILGUN_KEY,
        CXLOOP_HELPDESK_INBOUND_DOMAIN=DOMAIN,
    )
    installation.python(SEED)
    port = free_port()
    server = installation.start_server(port, asgi=False, threads=SERVER_THREADS)

    # when the server is killed with SIGKILL after 40 answers, every connection waiting for one, at a
    # moment it has stored a mail it has not answered
    burst = Burst(to_post=list(range(MAILS)))
    aio.run(post_all(port, burst, partial(kill_with_an_answer_unsent, installation, server, port, burst)))
    wait_until_the_server_is_gone(installation)
    stored_at_kill = stored(installation)

    # and a new server starts, and every mail without a 200 is posted again, with a few that had one
    installation.start_server(port, asgi=False, threads=SERVER_THREADS)
    unacked = [n for n in range(MAILS) if n not in set(burst.acked)]
    posted_again = unacked + burst.acked[:RETRIED_ACKED]
    retry = Burst(to_post=list(posted_again))
    aio.run(post_all(port, retry))

    # then the kill came mid-burst: some mails answered, some cut off waiting, one of them stored
    assert KILL_AFTER_ACKS <= len(burst.acked) < MAILS
    assert burst.cut_off, "no request was waiting for its answer at the kill: the test tested nothing"
    acked_ids = {message_id(n) for n in burst.acked}
    stored_unanswered = set(stored_at_kill) - acked_ids
    assert stored_unanswered, "no mail was stored without its answer at the kill: the test tested nothing"
    assert stored_unanswered <= {message_id(n) for n in burst.cut_off}
    # and every acknowledged mail was stored before the kill, and none twice
    assert acked_ids <= set(stored_at_kill)
    assert all(len(rows) == 1 for rows in stored_at_kill.values())
    # and every re-post is answered 200, and every mail is stored exactly once, with its text
    assert sorted(retry.acked) == sorted(posted_again) and not retry.cut_off
    final = stored(installation)
    assert sorted(final) == sorted(message_id(n) for n in range(MAILS))
    assert {mid: len(rows) for mid, rows in final.items() if len(rows) != 1} == {}
    for n in range(MAILS):
        [(_pk, text)] = final[message_id(n)]
        assert f"gdzie jest paczka nr {n}?" in text
    # and a mail stored before the kill kept its row: its re-post stored nothing new
    assert {mid: final[mid] for mid in stored_at_kill} == stored_at_kill
    assert installation.value("SELECT COUNT(*) FROM helpdesk_conversation") == MAILS


def test_inbound_mails_cut_off_by_kill_9_are_posted_again_and_stored_exactly_once(installation):
    mail_through_a_kill_9(installation)


def test_on_postgresql_inbound_mails_cut_off_by_kill_9_are_stored_exactly_once(postgres_installation):
    mail_through_a_kill_9(postgres_installation)
