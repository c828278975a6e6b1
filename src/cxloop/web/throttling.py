"""Throttling of password guesses: sign-in and password-reset requests.

Two limits guard the sign-in form, so that guessing is slow but a stranger
cannot keep the owner out:

- **per client address, a block**: every sign-in attempt from one address
  counts (the shared limiter, `surveys.ratelimit.hit`); past
  `ADDRESS_ATTEMPTS` in `ADDRESS_PERIOD` the address gets 429 until the
  window ends, whatever account it tries.
- **per account, growing delays**: the first `FREE_FAILURES` wrong passwords
  cost nothing; each further one makes the account wait before the next
  attempt is even checked: 30 s, 1 min, 2 min, ... at most `MAX_DELAY`.
  Never a lockout: the delay is bounded, a correct sign-in clears the count,
  and so does a password reset (which a stranger cannot complete), so the
  owner always has a way in. One attempt per account is checked at a time
  (a "turn" claimed with the cache's atomic `add`), so a burst of parallel
  guesses cannot all slip in before the first wrong one is counted::

      refusal = check_sign_in(request, username)   # None, or when to retry
      ...
      record_failure(username)   |   clear_account(username)   (both end the turn)

Password-reset requests count per address (429 past the limit) and per
account address (silently no more mail past the limit, so the answer stays
the same for known and unknown addresses, and nobody floods an inbox).

Counters live in the shared cache (a database table, or Redis), keyed by a
hash of the address or account, never the plain value. A cache that fails
lets the request through (fail open) and is logged: throttling is a speed
bump for guessers, not the lock itself.
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import caches

from cxloop.surveys.ratelimit import client_address, hit

logger = logging.getLogger(__name__)

ADDRESS_ATTEMPTS = 30
ADDRESS_PERIOD = 15 * 60
FREE_FAILURES = 5
FIRST_DELAY = 30
MAX_DELAY = 15 * 60
# An account's failures are forgotten a day after the last one.
ACCOUNT_MEMORY = 24 * 60 * 60
# A turn whose attempt never reported back (a crashed process) is free again after this.
TURN_TIMEOUT = 60

RESET_REQUESTS_PER_ADDRESS = 20
RESET_REQUESTS_PER_ACCOUNT = 3
RESET_PERIOD = 60 * 60


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused now, and in how many seconds to try again (HTTP Retry-After)."""

    reason: str  # "address" or "account"
    retry_after: int


def account_key(username: str) -> str:
    """Usernames are email addresses: one account whatever the case or surrounding spaces."""
    return (username or "").strip().lower()


def _account_cache_key(username: str) -> str:
    digest = hashlib.blake2b(account_key(username).encode(), digest_size=12).hexdigest()
    return f"cxloop:signin:account:{digest}"


def delay_after(failures: int) -> int:
    """Seconds an account waits after its `failures`-th wrong password in a row (0: none)."""
    if failures <= FREE_FAILURES:
        return 0
    return min(MAX_DELAY, FIRST_DELAY * 2 ** (failures - FREE_FAILURES - 1))


def _turn_key(username: str) -> str:
    return f"{_account_cache_key(username)}:turn"


def _claim_turn(username: str) -> bool:
    try:
        return caches["default"].add(_turn_key(username), 1, TURN_TIMEOUT)
    except Exception:
        logger.exception("sign-in throttle: cache add failed")
        return True


def _read(username: str) -> dict:
    try:
        return caches["default"].get(_account_cache_key(username)) or {}
    except Exception:  # fail open: a broken cache must not stop every sign-in
        logger.exception("sign-in throttle: cache read failed")
        return {}


def _write(username: str, state: dict | None) -> None:
    """Save the account's state (None: forget it) and end the attempt's turn."""
    cache = caches["default"]
    try:
        if state is None:
            cache.delete(_account_cache_key(username))
        else:
            cache.set(_account_cache_key(username), state, ACCOUNT_MEMORY)
        cache.delete(_turn_key(username))
    except Exception:
        logger.exception("sign-in throttle: cache write failed")


def check_sign_in(request, username: str, *, now: float | None = None) -> Refusal | None:
    """Count one sign-in attempt; a Refusal if the address is blocked or the account must wait."""
    now = time.time() if now is None else now
    decision = hit("signin-address", client_address(request), limit=ADDRESS_ATTEMPTS, period=ADDRESS_PERIOD)
    if not decision.allowed:
        return Refusal("address", decision.retry_after)
    wait_until = _read(username).get("until", 0)
    if wait_until > now:
        return Refusal("account", max(1, math.ceil(wait_until - now)))
    if not _claim_turn(username):
        return Refusal("account", 1)  # another attempt at this account is being checked
    return None


def end_turn(username: str) -> None:
    """End an attempt that was neither a wrong password nor a sign-in (an incomplete form)."""
    try:
        caches["default"].delete(_turn_key(username))
    except Exception:
        logger.exception("sign-in throttle: cache delete failed")


def record_failure(username: str, *, now: float | None = None) -> int:
    """Count a wrong password for the account and end the turn; return the seconds it must now wait."""
    now = time.time() if now is None else now
    failures = _read(username).get("failures", 0) + 1
    delay = delay_after(failures)
    _write(username, {"failures": failures, "until": now + delay})
    return delay


def clear_account(username: str) -> None:
    """Forget the account's wrong passwords (after a correct sign-in or a password reset); end the turn."""
    _write(username, None)


def check_reset_request(request) -> Refusal | None:
    """Count one password-reset request from the client's address; a Refusal past the limit."""
    decision = hit(
        "reset-address", client_address(request), limit=RESET_REQUESTS_PER_ADDRESS, period=RESET_PERIOD
    )
    return None if decision.allowed else Refusal("address", decision.retry_after)


def may_send_reset_mail(email: str) -> bool:
    """Count one reset mail to an address; False past the limit (then no mail, the same answer)."""
    return hit(
        "reset-account", account_key(email), limit=RESET_REQUESTS_PER_ACCOUNT, period=RESET_PERIOD
    ).allowed
