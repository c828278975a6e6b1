"""Rate limits on the public survey pages: at most N submits per client address per window.

Counters live in the shared cache (settings.CACHES: a database table, or
Redis), so every gunicorn worker counts against the same limit. A window is a
fixed slice of time (one minute for survey submits); within it the requests
claim numbered slots with `cache.add`, which is atomic on both backends (an
INSERT against the table's primary key, SET NX in Redis). Exactly `limit`
requests per window get a slot, however many arrive at once; the rest are
told how many seconds remain in the window (HTTP Retry-After)::

    decision = survey_submit(request)  # hit("survey-submit", <client IP>, limit=10, period=60)
    if not decision.allowed:
        ...  # 429 with Retry-After: decision.retry_after

Addresses are hashed before they become cache keys, so the cache holds no IPs.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

SURVEY_SUBMITS_PER_MINUTE = 10


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until the window ends


def client_address(request) -> str:
    """The client's IP: REMOTE_ADDR, or the proxy's last X-Forwarded-For entry behind a proxy."""
    if getattr(settings, "CXLOOP_BEHIND_PROXY", False):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded and forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(scope: str, identity: str, *, limit: int, period: int, now: float | None = None) -> Decision:
    """Count one request of `identity` against `limit` per `period` seconds; say whether it may pass."""
    now = time.time() if now is None else now
    window = int(now // period)
    retry_after = max(1, math.ceil((window + 1) * period - now))
    digest = hashlib.blake2b(f"{scope}:{identity}".encode(), digest_size=12).hexdigest()
    base = f"cxloop:rl:{scope}:{digest}:{window}"
    cache = caches["default"]
    timeout = period + 5
    # `base` remembers the last slot taken, so a request usually claims on the first try.
    claimed = cache.get(base, 0)
    for slot in range(claimed + 1, limit + 1):
        if cache.add(f"{base}:{slot}", 1, timeout):
            cache.set(base, slot, timeout)
            return Decision(allowed=True, retry_after=retry_after)
    return Decision(allowed=False, retry_after=retry_after)


def survey_submit(request) -> Decision:
    """Count one survey submit (the answer page, the widget or the public API) from the client's address."""
    return hit("survey-submit", client_address(request), limit=SURVEY_SUBMITS_PER_MINUTE, period=60)
