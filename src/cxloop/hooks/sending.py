"""One HTTP attempt of a delivery: the signed POST, and what came of it.

Runs outside any database transaction (the worker holds no lock while a
receiver takes its time). Reads at most EXCERPT_BYTES of the answer.
"""

import email.utils
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpcore
import httpx
from django.utils.translation import gettext as _

from . import signatures
from .addresses import AddressRefused, PublicOnlyBackend

TIMEOUT_SECONDS = 10.0
EXCERPT_BYTES = 1024
MAX_RETRY_AFTER_SECONDS = 24 * 60 * 60
USER_AGENT = "cxloop-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""
    retry_after: float | None = None  # seconds the receiver asked to wait (429, 503)


def build_body(delivery) -> bytes:
    """The JSON body: the same bytes on every attempt of a delivery."""
    document = {
        "id": str(delivery.event_id),
        "event": delivery.event,
        "created_at": delivery.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "store": delivery.store.slug,
        "data": delivery.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def build_headers(delivery, body: bytes, *, secret: str, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Cxloop-Event": delivery.event,
        "X-Cxloop-Delivery": str(delivery.event_id),
        "X-Cxloop-Timestamp": str(timestamp),
        "X-Cxloop-Signature": signatures.sign(secret, timestamp, body),
    }


class _Deadline(httpcore.NetworkBackend):
    """A network backend whose connections give up `seconds` after it was made, all steps together.

    httpx's timeout bounds each step (connect, each read, each write), so a
    receiver dripping a byte every few seconds would hold the worker for good.
    """

    def __init__(self, backend: httpcore.NetworkBackend, seconds: float):
        self.backend = backend
        self.deadline = time.monotonic() + seconds

    def left(self, timeout: float | None, error: type[Exception]) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise error("the deadline passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        timeout = self.left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self.backend.connect_tcp(host, port, timeout, local_address, socket_options), self
        )

    def sleep(self, seconds: float) -> None:
        self.backend.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, clock: _Deadline):
        self.stream = stream
        self.clock = clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, self.clock.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, self.clock.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        timeout = self.clock.left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self.stream.start_tls(ssl_context, server_hostname, timeout), self.clock)

    def get_extra_info(self, info: str):
        return self.stream.get_extra_info(info)


def _client() -> httpx.Client:
    """A client that connects only where `PublicOnlyBackend` allows, never through a proxy,
    and gives up TIMEOUT_SECONDS after it starts."""
    transport = httpx.HTTPTransport(trust_env=False)
    # httpx takes no network backend of its own: give its transport a pool built with ours.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=1,
        network_backend=_Deadline(PublicOnlyBackend(), TIMEOUT_SECONDS),
    )
    return httpx.Client(transport=transport, timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False)


def post(delivery, *, secret: str) -> Outcome:
    """POST the delivery once and say what happened (never raises for the receiver's faults)."""
    body = build_body(delivery)
    headers = build_headers(delivery, body, secret=secret, timestamp=int(time.time()))
    try:
        with (
            _client() as client,
            client.stream("POST", delivery.endpoint.url, content=body, headers=headers) as r,
        ):
            excerpt = _read_excerpt(r)
            return _judge(r, excerpt)
    except AddressRefused as error:
        return Outcome(delivered=False, error=_("Refused: %(why)s") % {"why": error})
    except httpx.TimeoutException:
        return Outcome(
            delivered=False,
            error=_("No answer within %(seconds)s seconds.") % {"seconds": f"{TIMEOUT_SECONDS:g}"},
        )
    except httpx.InvalidURL as error:
        return Outcome(delivered=False, error=_("The URL cannot be used: %(why)s") % {"why": error})
    except httpx.HTTPError as error:
        return Outcome(
            delivered=False,
            error=_("The request failed: %(why)s") % {"why": str(error) or type(error).__name__},
        )


def _read_excerpt(response: httpx.Response) -> str:
    kept = b""
    for chunk in response.iter_bytes():
        kept += chunk
        if len(kept) >= EXCERPT_BYTES:
            break
    return kept[:EXCERPT_BYTES].decode("utf-8", errors="replace")


def _judge(response: httpx.Response, excerpt: str) -> Outcome:
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(delivered=True, status_code=code, excerpt=excerpt)
    if 300 <= code < 400:
        error = _("Redirected (HTTP %(code)s) to %(location)s; redirects are not followed.") % {
            "code": code, "location": response.headers.get("Location", "?")[:300],
        }  # fmt: skip
    else:
        error = _("The receiver answered HTTP %(code)s.") % {"code": code}
    retry_after = parse_retry_after(response.headers.get("Retry-After")) if code in (429, 503) else None
    return Outcome(delivered=False, status_code=code, error=error, excerpt=excerpt, retry_after=retry_after)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date), at most a day."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # int("¹") and float("¹") fail
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - (now if now is not None else datetime.now(UTC).timestamp())
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)
