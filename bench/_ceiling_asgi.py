"""A ceiling for `cxloop bench chat --ceiling`: cxloop's own chat sockets, with nothing stored.

    cxloop.cli.uvicorn_command(app="bench._ceiling_asgi:application", ...)   (as `cxloop serve --asgi`)

The same ASGI application, consumers, checks, channel layer and pushes as `cxloop.asgi`, and the
same hop to the database thread for each group of messages; only the group's storing is replaced
by an answer made up on the spot (ids from a counter, the events `chat.writer.store_group` would
collect). What this serves per second is the most the sockets' path can carry before a single
row is written: the difference to `cxloop serve --asgi` is the cost of storing.

Benchmark only: it acks messages it never keeps.
"""

import itertools

from django.utils import timezone

from cxloop.asgi import application  # noqa: F401 (what uvicorn serves)
from cxloop.chat import realtime, writer

_ids = itertools.count(1)


def _answer_group(group) -> tuple[list, list]:
    at = timezone.now().isoformat()
    outcomes, events = [], []
    for waiting in group:
        message_id = next(_ids)
        shown = {
            "id": message_id, "client_id": waiting.client_id, "from": "visitor", "name": "",
            "text": waiting.text, "at": at, "attachments": [],
        }  # fmt: skip
        outcomes.append((shown, True, 0))
        visitor = waiting.visitor
        events.append((realtime.visitor_group(visitor.pk), {"type": "message", "message": shown}))
        events.append((
            realtime.store_group(visitor.store_id),
            {"type": "messages",
             "messages": [{"conversation_id": 0, "visitor_id": visitor.pk, "message_id": message_id}]},
        ))  # fmt: skip
    return outcomes, events


writer.store_group = _answer_group  # looked up by Writer._drain at each group
