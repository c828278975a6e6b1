"""The chat's channel layers: in memory for one process, Redis for several.

`InMemoryChannelLayer` is the one a process uses when no Redis is configured (the demo, a single
server).

Channels' `InMemoryChannelLayer` looks for expired messages and memberships on every send and every
receive, through every channel and every group the process has. With a thousand widget sockets open
that scan took half of the server's time (`cxloop bench chat`): each message pushed to an agent
scanned about two thousand entries twice. This layer does the same cleaning at most once per
`clean_every` seconds. Messages still expire after `expiry` seconds and memberships after
`group_expiry`; an expired one goes at most `clean_every` later than it did.

`RedisChannelLayer` is channels_redis's, with a connection pool that waits. redis-py's asyncio pool
holds at most 100 connections and, when all are busy, fails the command at once
("MaxConnectionsError: Too many connections"): a thousand widgets opening their sockets together
each join a group, and most of them failed (`cxloop bench chat --server-workers 2` found it). Its
reads also time out after 5 s, as long as the layer's blocking read of new messages waits (BZPOPMIN
with a 5 s timeout), so a quiet process's read could fail on the time-out instead of returning
empty. Here a command waits up to `POOL_WAIT` seconds for one of `MAX_CONNECTIONS` connections, and
a read waits `SOCKET_TIMEOUT`, longer than the blocking read.
"""

import time

import redis.asyncio
from channels import layers
from channels_redis import core as channels_redis

MAX_CONNECTIONS = 64  # per process and Redis host
POOL_WAIT = 30.0  # seconds a command waits for a free connection
SOCKET_TIMEOUT = 15.0  # seconds a reply may take; above the layer's brpop_timeout (5 s)


class InMemoryChannelLayer(layers.InMemoryChannelLayer):
    def __init__(self, *args, clean_every: float = 1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.clean_every = clean_every
        self._cleaned_at = float("-inf")

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._cleaned_at < self.clean_every:
            return
        self._cleaned_at = now
        super()._clean_expired()


class RedisChannelLayer(channels_redis.RedisChannelLayer):
    def create_pool(self, index):
        host = dict(self.hosts[index])
        options = {"max_connections": MAX_CONNECTIONS, "timeout": POOL_WAIT, "socket_timeout": SOCKET_TIMEOUT}
        if "address" not in host:  # a sentinel or host/port entry: channels_redis's own pool
            return channels_redis.create_pool(host)
        return redis.asyncio.BlockingConnectionPool.from_url(host.pop("address"), **(options | host))
