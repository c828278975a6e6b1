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

A cache that fails (Redis down, the cache table locked) lets the request
through and counts nothing: an error is never mistaken for a taken slot.
Django's database cache answers False from `add` when its INSERT fails, as
it does when the slot is taken, so a False is checked by reading the slot
back: a slot that is not there was not taken, the cache failed.
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import caches

from cxloop.core.http import client_ip

SURVEY_SUBMITS_PER_MINUTE = 10

logger = logging.getLogger(__name__)


class CacheFailed(Exception):
    """The cache could not say whether a slot was free."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until the window ends


def client_address(request) -> str:
    """The client's IP as `core.http.client_ip` reads it; requests without one share "unknown"."""
    return client_ip(request) or "unknown"


def hit(scope: str, identity: str, *, limit: int, period: int, now: float | None = None) -> Decision:
    """Count one request of `identity` against `limit` per `period` seconds; say whether it may pass.

    Fails open: when the cache fails, the request may pass, and the failure is logged.
    """
    now = time.time() if now is None else now
    window = int(now // period)
    retry_after = max(1, math.ceil((window + 1) * period - now))
    digest = hashlib.blake2b(f"{scope}:{identity}".encode(), digest_size=12).hexdigest()
    base = f"cxloop:rl:{scope}:{digest}:{window}"
    try:
        allowed = _claim_slot(caches["default"], base, limit=limit, timeout=period + 5)
    except Exception:  # any cache backend's error: Redis, the database, a timeout
        logger.warning("Rate limit %s not counted: the cache failed", scope, exc_info=True)
        allowed = True
    return Decision(allowed=allowed, retry_after=retry_after)


def _claim_slot(cache, base: str, *, limit: int, timeout: int) -> bool:
    # `base` remembers the last slot taken, so a request usually claims on the first try.
    claimed = cache.get(base, 0)
    for slot in range(claimed + 1, limit + 1):
        key = f"{base}:{slot}"
        if cache.add(key, 1, timeout):
            cache.set(base, slot, timeout)
            return True
        if cache.get(key) is None:
            raise CacheFailed(f"add({key!r}) failed and the slot is not taken")
    return False


def survey_submit(request) -> Decision:
    """Count one survey submit (the answer page, the widget or the public API) from the client's address."""
    return hit("survey-submit", client_address(request), limit=SURVEY_SUBMITS_PER_MINUTE, period=60)
