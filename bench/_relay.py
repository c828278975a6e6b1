"""The baseline of `cxloop bench chat`: a bare `websockets` relay speaking the chat's frames.

    python -m bench._relay PORT

Visitors' sockets (/chat/ws/visitor/) say hello and get "ready"; each message gets an id and an ack,
and is passed to every agent socket (/chat/ws/agent/...) as the chat passes it. Nothing is stored:
this is what the same messages cost with no Django, no database and no channel layer.
"""

import asyncio
import itertools
import json
import sys

import websockets

agents: set = set()
ids = itertools.count(1)


async def handle(socket):
    path = socket.request.path
    if path.startswith("/chat/ws/agent/"):
        agents.add(socket)
        try:
            await socket.wait_closed()
        finally:
            agents.discard(socket)
        return
    async for frame in socket:
        data = json.loads(frame)
        if data.get("type") == "hello":
            await socket.send(json.dumps({"type": "ready", "visitor_id": 0}))
        elif data.get("type") == "message":
            message_id = next(ids)
            await socket.send(
                json.dumps(
                    {
                        "type": "ack",
                        "client_id": data.get("client_id"),
                        "message": {"id": message_id, "text": data.get("text")},
                    }
                )
            )
            event = json.dumps({"type": "message", "conversation_id": 0, "message_id": message_id})
            for agent in list(agents):
                await agent.send(event)


async def main(port: int) -> None:
    async with websockets.serve(handle, "127.0.0.1", port, max_size=65536, compression=None):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
