"""One HTTP call to a platform's admin API: rate limits waited out, failures put in words.

A 429 (or Shopify's THROTTLED answer, see shopify.py) is retried after the
wait the platform asks for (Retry-After), a few times
(settings.CXLOOP_ACTIONS_RATE_LIMIT_RETRIES), each wait capped at
settings.CXLOOP_ACTIONS_MAX_RETRY_WAIT_SECONDS. Nothing else is retried
here: a refund is not safe to send twice unless the platform dedupes it.
"""

import logging
import time

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from .results import ActionError, PlatformUnavailable

logger = logging.getLogger(__name__)

# Replaced in tests to record the waits instead of sleeping through them.
sleep = time.sleep


class RateLimited(Exception):
    def __init__(self, wait: float):
        self.wait = wait


def request(
    method: str,
    url: str,
    *,
    platform: str,
    headers: dict | None = None,
    auth=None,
    json=None,
    params=None,
    not_found: str = "",
    check=None,
) -> httpx.Response:
    """Send one request; return the 2xx response, or raise ActionError in plain words.

    `check(response)` may raise RateLimited for a throttle the platform
    signals inside a 200 (Shopify GraphQL), to be waited out like a 429.
    """
    retries = settings.CXLOOP_ACTIONS_RATE_LIMIT_RETRIES
    for attempt in range(retries + 1):
        response = _send(method, url, platform=platform, headers=headers, auth=auth, json=json, params=params)
        try:
            if response.status_code == 429:
                raise RateLimited(retry_after(response.headers.get("Retry-After")))
            if response.is_success and check is not None:
                check(response)
        except RateLimited as limited:
            if attempt == retries:
                raise PlatformUnavailable(
                    _("%(platform)s is receiving too many requests from this store right now. "
                      "Nothing was changed; try again in a minute.") % {"platform": platform},
                    code="rate_limited",
                ) from None  # fmt: skip
            sleep(min(limited.wait, settings.CXLOOP_ACTIONS_MAX_RETRY_WAIT_SECONDS))
            continue
        if response.is_success:
            return response
        raise error_for_status(response, platform=platform, not_found=not_found)
    raise AssertionError("unreachable")


def _send(method, url, *, platform, headers, auth, json, params) -> httpx.Response:
    timeout = settings.CXLOOP_ACTIONS_TIMEOUT_SECONDS
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            return client.request(method, url, headers=headers, auth=auth, json=json, params=params)
    except httpx.ConnectError as error:
        logger.warning("Could not connect to %s at %s: %s", platform, url, error)
        raise PlatformUnavailable(
            _("cxloop could not connect to %(platform)s. Nothing was changed; check the store's "
              "address under Integrations, or try again later.") % {"platform": platform},
            code="unreachable",
        ) from None  # fmt: skip
    except httpx.TransportError as error:
        # Sent, but no answer: the platform may have done it.
        logger.warning("No answer from %s at %s: %s", platform, url, error)
        raise PlatformUnavailable(
            _("%(platform)s did not answer in time. It may or may not have done it: check the "
              "store's admin before trying again.") % {"platform": platform},
            code="no_answer",
            definite=False,
        ) from None  # fmt: skip


def retry_after(value: str | None) -> float:
    """Seconds from a Retry-After header (Shopify sends "2.0"); 1 if missing or a date."""
    try:
        return max(0.0, float(value)) if value else 1.0
    except ValueError:
        return 1.0


def error_for_status(response: httpx.Response, *, platform: str, not_found: str = "") -> ActionError:
    """An ActionError for a non-2xx answer, naming what to do about it."""
    status = response.status_code
    logger.warning("%s answered %s: %s", platform, status, response.text[:500])
    if status == 401:
        return ActionError(
            _("%(platform)s refused cxloop's credentials: they are wrong or were revoked. "
              "An owner can set them again under Integrations.") % {"platform": platform},
            code="unauthorized",
        )  # fmt: skip
    if status == 403:
        return ActionError(
            _("The credentials saved for %(platform)s do not allow this action. Give the app "
              "or API key the permission it needs (see Integrations).") % {"platform": platform},
            code="forbidden",
        )  # fmt: skip
    if status == 404:
        return ActionError(
            not_found or _("%(platform)s does not know what this action refers to.") % {"platform": platform},
            code="not_found",
        )
    if status >= 500 and not _refusal_code(response):
        return PlatformUnavailable(
            _("%(platform)s had a problem of its own (error %(status)s). It may or may not have "
              "done it: check the store's admin before trying again.")
            % {"platform": platform, "status": status},
            code="platform_error",
            definite=False,
        )  # fmt: skip
    detail = platform_message(response)
    if detail:
        return ActionError(
            _("%(platform)s refused it: %(detail)s") % {"platform": platform, "detail": detail},
            code="refused",
        )
    return ActionError(
        _("%(platform)s refused it (error %(status)s).") % {"platform": platform, "status": status},
        code="refused",
    )


def _refusal_code(response: httpx.Response) -> str:
    """WooCommerce answers some refusals with a 500 ("woocommerce_rest_cannot_create_order_refund",
    "Invalid refund amount."): a definite no, not a server failure."""
    try:
        body = response.json()
    except ValueError:
        return ""
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) and code.startswith("woocommerce_rest_cannot_") else ""


def platform_message(response: httpx.Response) -> str:
    """The sentence a platform put in its error body, if any (WooCommerce: `message`)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        for key in ("message", "errors", "error"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:300]
    return ""
