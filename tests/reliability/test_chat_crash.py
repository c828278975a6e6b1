"""Chat messages survive a kill -9 of the chat server mid-burst: none lost, none stored twice.

Fifty widgets talk to a real `cxloop serve --asgi` (uvicorn, Channels), each sending
its ten messages as fast as the acks come back; five of them lose the ack of their
third message on the way (as a dropped connection would) and wait. After 150 acks,
at a moment the server has stored a message whose ack no widget has (found by
freezing it with SIGSTOP and comparing the database with the acks the widgets
read), the server is killed with SIGKILL while the widgets wait for acks. A new server starts on the
same database; each widget says hello again with its token and sends every message
it has no ack for under the same client id, as widget.js does. Every message must
then be stored exactly once, and the retry of a message stored before the kill must
be answered with that message's id.
"""

import asyncio
import contextlib
import fcntl
import json
import os
import signal
import struct
import termios
from pathlib import Path

import websockets

from cxloop.testing import aio
from cxloop.testing.apiserver import free_port

VISITORS = 50
# Each widget's messages: within one socket's burst (chat.consumers.MESSAGE_BURST), so no message
# waits on the rate limit, neither before the kill nor on the new socket after it.
MESSAGES = 10
# Under a third of the 500 messages: each widget is a few messages in, with one awaiting its ack.
KILL_AFTER_ACKS = 150

SEED = """
import json
from cxloop.chat import services
from cxloop.core import services as core_services
store, _ = core_services.create_store(name="Czat Shop", currency="PLN", slug="czat-shop")
visitors = [services.start(store=store, language="pl") for _ in range(VISITORS)]
print(json.dumps([[visitor.key, token] for visitor, token in visitors]))
"""

CHAT_COUNT = "SELECT COUNT(*) FROM helpdesk_message WHERE external_id LIKE 'chat:%'"
CHAT_ROWS = "SELECT external_id, id, text FROM helpdesk_message WHERE external_id LIKE 'chat:%'"


class Widget:
    """One visitor's widget: its messages, the acks it got and the message still awaiting one."""

    def __init__(self, key: str, token: str, loses_ack_of: str | None = None):
        self.key, self.token = key, token
        self.loses_ack_of = loses_ack_of  # the network drops this message's ack, once
        self.client_ids = [f"c-{n}" for n in range(MESSAGES)]
        self.acks: dict[str, int] = {}  # client id -> the message id its ack carried
        self.unanswered: str | None = None  # sent, no ack yet

    def external_id(self, client_id: str) -> str:
        return f"chat:{self.key}:{client_id}"

    def waiting(self) -> list[str]:
        return [client_id for client_id in self.client_ids if client_id not in self.acks]


def text(client_id: str) -> str:
    return f"Gdzie jest moja paczka? ({client_id})"


async def open_socket(port: int, token: str):
    socket = await websockets.connect(
        f"ws://127.0.0.1:{port}/chat/ws/visitor/", open_timeout=60, ping_interval=None
    )
    await socket.send(json.dumps({"type": "hello", "token": token, "after": 0}))
    while json.loads(await socket.recv())["type"] != "ready":
        pass
    return socket


async def send(socket, widget: Widget, client_id: str) -> bool:
    """Send one message and wait for its ack (the history the hello brought is passed over); False
    when the ack is lost on the way (the message stays unanswered)."""
    await socket.send(json.dumps({"type": "message", "text": text(client_id), "client_id": client_id}))
    widget.unanswered = client_id
    while True:
        frame = json.loads(await socket.recv())
        if frame.get("client_id") == client_id:  # only an ack or an error names it at the top
            assert frame["type"] == "ack", frame
            if client_id == widget.loses_ack_of:
                widget.loses_ack_of = None
                return False
            widget.acks[client_id] = frame["message"]["id"]
            widget.unanswered = None
            return True


async def chat_until_killed(installation, server, port: int, widgets: list[Widget]) -> None:
    """Every widget sends its messages, each after the last one's ack; the server is killed mid-way."""
    sockets = await asyncio.gather(*(open_socket(port, widget.token) for widget in widgets))
    enough = asyncio.Event()

    async def chat(widget: Widget, socket) -> None:
        try:
            for client_id in widget.waiting():
                if not await send(socket, widget, client_id):
                    await socket.wait_closed()  # no ack came: the widget waits until the connection ends
                    return
                if sum(len(w.acks) for w in widgets) >= KILL_AFTER_ACKS:
                    enough.set()
        except websockets.ConnectionClosed:
            return  # the server died: what has no ack is sent again after the restart

    chats = asyncio.gather(*(chat(widget, socket) for widget, socket in zip(widgets, sockets, strict=True)))
    await asyncio.wait([chats, asyncio.ensure_future(enough.wait())], return_when=asyncio.FIRST_COMPLETED)
    if not enough.is_set():
        await chats  # a sender failed: raise its error
        raise AssertionError(f"every widget finished before {KILL_AFTER_ACKS} acks")
    await kill_with_an_ack_unsent(installation, server, widgets, sockets, chats)
    await asyncio.wait_for(chats, timeout=60)  # every socket sees its connection end
    await asyncio.gather(*(socket.close() for socket in sockets))


async def kill_with_an_ack_unsent(installation, server, widgets: list[Widget], sockets, chats) -> None:
    """SIGKILL the server at a moment it has stored a message whose ack it has not sent.

    The server is frozen (SIGSTOP), so it stores and sends nothing more, and the widgets read every
    ack it sent before. If the database then holds more of their messages than they have acks for,
    an ack was never sent, and the kill comes now; if not, the server runs on a moment.
    """
    while not chats.done():
        await freeze(server, sockets)
        count = await asyncio.to_thread(installation.value, CHAT_COUNT)
        if count > sum(len(widget.acks) for widget in widgets):
            installation.kill(server)
            return
        os.killpg(server.pid, signal.SIGCONT)
        await asyncio.sleep(0.02)
    raise AssertionError("the widgets sent every message before the server stored one without its ack")


async def freeze(server, sockets) -> None:
    """Stop the server, then read everything it wrote to the widgets' sockets before it stopped."""
    os.killpg(server.pid, signal.SIGSTOP)
    while not is_stopped(server.pid):  # a signal is delivered a moment after it is sent
        assert server.poll() is None, "the chat server ended by itself"
        await asyncio.sleep(0.01)
    while any(unread_bytes(socket) for socket in sockets):
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # the frames read last reach their widget's `send`


def is_stopped(pid: int) -> bool:
    """Every thread of the process is stopped (state T in /proc)."""
    states = []
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        with contextlib.suppress(FileNotFoundError):  # a thread that has just ended
            states.append(stat.read_text().rpartition(")")[2].split()[0])
    return bool(states) and all(state in ("T", "t") for state in states)


def unread_bytes(socket) -> int:
    """Bytes the kernel holds for the client socket that the client has not read yet."""
    fd = socket.transport.get_extra_info("socket").fileno()
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


async def send_the_rest(port: int, widgets: list[Widget]) -> dict[str, int]:
    """Each widget says hello again and sends what has no ack, same client ids; {external id: acked id}."""
    acked: dict[str, int] = {}

    async def resend(widget: Widget) -> None:
        socket = await open_socket(port, widget.token)
        try:
            for client_id in widget.waiting():
                await send(socket, widget, client_id)
                acked[widget.external_id(client_id)] = widget.acks[client_id]
        finally:
            await socket.close()

    await asyncio.wait_for(asyncio.gather(*(resend(widget) for widget in widgets)), timeout=180)
    return acked


def acked_ids(widgets: list[Widget]) -> dict[str, int]:
    return {widget.external_id(c): message_id for widget in widgets for c, message_id in widget.acks.items()}


def stored(installation) -> dict[str, int]:
    return {external_id: pk for external_id, pk, _body in installation.query(CHAT_ROWS)}


def chat_through_a_kill_9(installation) -> None:
    # given fifty visitors of a store and a chat server
    made = json.loads(installation.python(f"VISITORS = {VISITORS}\n" + SEED).splitlines()[-1])
    widgets = [Widget(key, token, "c-2" if n % 10 == 0 else None) for n, (key, token) in enumerate(made)]
    installation.env["CXLOOP_CHAT_CONNECTS_PER_MINUTE"] = str(10 * VISITORS)  # all from 127.0.0.1
    port = free_port()
    server = installation.start_server(port)

    # when the server is killed with SIGKILL after 150 acks, the widgets still sending, at a moment
    # it has stored a message and not sent its ack
    aio.run(chat_until_killed(installation, server, port, widgets))
    acked_before_kill = acked_ids(widgets)
    unanswered_at_kill = [widget.external_id(widget.unanswered) for widget in widgets if widget.unanswered]
    stored_at_kill = stored(installation)

    # and a new server starts, and every widget sends again what has no ack
    installation.start_server(port)
    acked_after_restart = aio.run(send_the_rest(port, widgets))

    # then the kill really came mid-flight: some messages acked, others sent and awaiting their ack,
    # among them at least one the server had stored
    assert KILL_AFTER_ACKS <= len(acked_before_kill) < VISITORS * MESSAGES
    assert unanswered_at_kill, "no message was awaiting its ack at the kill: the test tested nothing"
    stored_unacked = set(stored_at_kill) - set(acked_before_kill)
    assert stored_unacked, "no message was stored without its ack at the kill: the test tested nothing"
    # and every message is stored exactly once, with the text its widget sent
    every = {widget.external_id(c): text(c) for widget in widgets for c in widget.client_ids}
    rows = installation.query(CHAT_ROWS)
    assert sorted(external_id for external_id, _pk, _body in rows) == sorted(every)
    assert {external_id: body for external_id, _pk, body in rows} == every
    final = stored(installation)
    # and every message acked before the kill is the row it was acked as
    assert {external_id: final[external_id] for external_id in acked_before_kill} == acked_before_kill
    # and a message stored before the kill kept its row, and its retry's ack carried that row's id
    assert {external_id: final[external_id] for external_id in stored_at_kill} == stored_at_kill
    retried = {external_id: acked_after_restart[external_id] for external_id in stored_unacked}
    assert retried == {external_id: stored_at_kill[external_id] for external_id in stored_unacked}
    # and every ack, before or after the restart, names the row its message is in
    assert acked_ids(widgets) == final


def test_chat_messages_cut_off_by_kill_9_are_sent_again_and_stored_exactly_once(installation):
    chat_through_a_kill_9(installation)


def test_on_postgresql_chat_messages_cut_off_by_kill_9_are_stored_exactly_once(postgres_installation):
    chat_through_a_kill_9(postgres_installation)
