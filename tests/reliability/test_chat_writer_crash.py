"""The chat's writer process killed with SIGKILL mid-group: the server starts a new one, which
stores the group; every widget gets its acks on the same socket, each message stored once.

With CXLOOP_CHAT_WRITER=process, `cxloop serve --asgi` stores the widgets' messages in a writer
process of its own (chat/writer_process.py). Forty widgets send their messages as fast as the acks come; after
the first acks the test takes the database's write lock (on PostgreSQL, the messages' table),
so the writer stops at its next group's first write with that group in hand, and kills the
writer there (kill -9, the server itself untouched). The lock is given back; no widget
reconnects or sends anything again.
"""

import asyncio
import json
import os
import signal
import time
from pathlib import Path

from cxloop.testing import aio
from cxloop.testing.apiserver import free_port

from .test_chat_crash import CHAT_ROWS, open_socket

VISITORS = 40
MESSAGES = 8  # within a socket's burst (chat.consumers.MESSAGE_BURST): none waits on the rate limit
KILL_AFTER_ACKS = 60

SEED = """
import json
from cxloop.chat import services
from cxloop.core import services as core_services
store, _ = core_services.create_store(name="Czat Shop", currency="PLN", slug="czat-shop")
made = [services.start(store=store, language="pl") for _ in range(40)]
print(json.dumps([[visitor.key, token] for visitor, token in made]))
"""


def writer_pid(server_pid: int, timeout: float = 60.0) -> int:
    """The server's writer process (a child started with multiprocessing's spawn)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for task in Path(f"/proc/{server_pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                try:
                    command = Path(f"/proc/{child}/cmdline").read_bytes()
                except FileNotFoundError:
                    continue
                if b"spawn_main" in command:
                    return int(child)
        time.sleep(0.05)
    raise AssertionError("the chat server started no writer process")


def text(key: str, n: int) -> str:
    return f"Gdzie jest moja paczka? {key[:6]}-{n}"


async def chat(installation, server, port: int, made: list) -> tuple[dict, dict]:
    """Every widget sends its messages; the writer is killed mid-group after KILL_AFTER_ACKS acks.
    ({external id: acked message id}, what the kill found)."""
    sockets = await asyncio.gather(*(open_socket(port, token) for _key, token in made))
    acks: dict[str, int] = {}
    enough = asyncio.Event()

    async def widget(key: str, socket) -> None:
        for n in range(MESSAGES):
            client_id = f"c-{n}"
            await socket.send(json.dumps({"type": "message", "text": text(key, n), "client_id": client_id}))
            while True:
                frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=120))
                if frame.get("client_id") == client_id:
                    assert frame["type"] == "ack", frame
                    acks[f"chat:{key}:{client_id}"] = frame["message"]["id"]
                    break
            if len(acks) >= KILL_AFTER_ACKS:
                enough.set()

    pairs = zip(made, sockets, strict=True)
    chats = asyncio.gather(*(widget(key, socket) for (key, _token), socket in pairs))
    await asyncio.wait([chats, asyncio.ensure_future(enough.wait())], return_when=asyncio.FIRST_COMPLETED)
    assert enough.is_set(), "every widget finished before the kill"
    old = writer_pid(server.pid)
    lock = installation.write_lock("helpdesk_message")  # the writer stops at its next write (this loop waits)
    try:
        await asyncio.sleep(0.5)  # the widgets' next messages reach the writer and wait there
        waiting = VISITORS * MESSAGES - len(acks)
        os.kill(old, signal.SIGKILL)
        await asyncio.sleep(0.2)
    finally:
        lock.rollback()
        lock.close()
    await asyncio.wait_for(chats, timeout=120)
    await asyncio.gather(*(socket.close() for socket in sockets))
    return acks, {"old_writer": old, "unacked_at_kill": waiting}


def test_a_writer_killed_mid_group_is_replaced_and_every_message_is_stored_once_and_acked(installation):
    writer_killed_mid_group(installation)


def test_on_postgresql_a_writer_killed_mid_group_stores_every_message_once(postgres_installation):
    writer_killed_mid_group(postgres_installation)


def writer_killed_mid_group(installation) -> None:
    # given forty visitors of a store and a chat server, whose messages its writer process stores
    made = json.loads(installation.python(SEED).splitlines()[-1])
    installation.env["CXLOOP_CHAT_WRITER"] = "process"
    installation.env["CXLOOP_CHAT_CONNECTS_PER_MINUTE"] = str(10 * VISITORS)  # all from 127.0.0.1
    port = free_port()
    server = installation.start_server(port)

    # when the writer is killed while it holds a group, the widgets waiting for their acks
    acks, kill = aio.run(chat(installation, server, port, made))

    # then the kill came mid-flight, and the server lives on with a new writer
    assert 0 < kill["unacked_at_kill"] < VISITORS * MESSAGES
    assert server.poll() is None
    assert writer_pid(server.pid) != kill["old_writer"]
    # and every message was acked on its first socket and is stored exactly once, with its text
    every = {f"chat:{key}:c-{n}": text(key, n) for key, _token in made for n in range(MESSAGES)}
    rows = installation.query(CHAT_ROWS)
    assert sorted(external_id for external_id, _pk, _body in rows) == sorted(every)
    assert {external_id: body for external_id, _pk, body in rows} == every
    # and each ack names the row its message is in
    assert acks == {external_id: pk for external_id, pk, _body in rows}
