"""The channel layer one process uses when no Redis is configured (the demo, a single server).

Channels' `InMemoryChannelLayer` looks for expired messages and memberships on every send and every
receive, through every channel and every group the process has. With a thousand widget sockets open
that scan took half of the server's time (`cxloop bench chat`): each message pushed to an agent
scanned about two thousand entries twice. This layer does the same cleaning at most once per
`clean_every` seconds. Messages still expire after `expiry` seconds and memberships after
`group_expiry`; an expired one goes at most `clean_every` later than it did.
"""

import time

from channels import layers


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
