"""What the contact form accepts, and how it tells a person from a script without a captcha.

Four checks, each answered in the customer's language with what they typed kept:

- **Honeypot**: a text field named `website`, moved off screen by CSS (not
  `type=hidden`, which scripts know to skip) and hidden from assistive
  technology. People leave it empty; form-filling scripts fill it.
- **Minimum fill time**: each page load carries a signed token
  (`sign_form`) with the moment the form was shown and a random submission
  key. A form sent back less than MIN_FILL_SECONDS later is refused; a token
  older than MAX_FORM_AGE, or not signed by this installation for this
  store, is refused too (the form comes back with a fresh one).
- **Rate limits** (surveys.ratelimit's shared counters): per client address
  and per email address typed in the form (`check_rate_limits`).
- **Lengths and the email address** (`clean_entry`).

The submission key in the token names the message (`external_id`
"form:<key>"), so a double submit or a reload stores it once, and one token
can bring in at most one message.
"""

import secrets
import time
from dataclasses import dataclass, field

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from cxloop.core.textchecks import find_forbidden_character
from cxloop.surveys.ratelimit import client_address, hit

SALT = "cxloop.helpdesk.contact-form"
MIN_FILL_SECONDS = 3
MAX_FORM_AGE = 2 * 24 * 60 * 60
SUBMITS_PER_ADDRESS = 10  # client address, per IP_PERIOD
IP_PERIOD = 10 * 60
MESSAGES_PER_EMAIL = 5  # one email address, per EMAIL_PERIOD
EMAIL_PERIOD = 60 * 60

LIMITS = {"name": 200, "email": 254, "order_number": 50, "subject": 200, "message": 10_000}
HONEYPOT = "website"


@dataclass
class Entry:
    """What the form holds: as the customer typed it (kept on every refusal)."""

    name: str = ""
    email: str = ""
    order_number: str = ""
    subject: str = ""
    message: str = ""
    honeypot: str = ""
    token: str = ""

    @classmethod
    def from_post(cls, post) -> "Entry":
        return cls(
            name=post.get("name", "").strip(),
            email=post.get("email", "").strip(),
            order_number=post.get("order_number", "").strip(),
            subject=post.get("subject", "").strip(),
            message=post.get("message", "").strip(),
            honeypot=post.get(HONEYPOT, ""),
            token=post.get("token", ""),
        )


@dataclass(frozen=True)
class FormToken:
    key: str
    shown_at: float


@dataclass
class Refusal:
    """Why a submit is refused: errors by field ("form" for the whole form), the status, Retry-After."""

    errors: dict = field(default_factory=dict)
    status: int = 422
    retry_after: int = 0
    fresh_token: bool = False  # the form comes back with a new token


class FormErrors(dict):
    """Form errors by field name; a field without one reads as "" in a template."""

    def __missing__(self, key):
        return ""


def sign_form(store, *, now: float | None = None) -> str:
    """A new token for one page load of `store`'s form: a random submission key and the time."""
    payload = {
        "s": store.pk,
        "k": secrets.token_urlsafe(16),
        "t": round(time.time() if now is None else now, 3),
    }
    return signing.dumps(payload, salt=SALT, compress=False)


def read_form_token(store, token: str) -> FormToken | None:
    """The token's key and time if this installation signed it for this store and it is not too old."""
    if not token or len(token) > 300:
        return None
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_FORM_AGE)
    except signing.BadSignature:  # altered, foreign, or expired (SignatureExpired is a BadSignature)
        return None
    if not isinstance(payload, dict) or payload.get("s") != store.pk:
        return None
    key, shown_at = payload.get("k"), payload.get("t")
    if not isinstance(key, str) or not isinstance(shown_at, int | float):
        return None
    return FormToken(key=key, shown_at=float(shown_at))


def check_form_token(
    store, entry: Entry, *, now: float | None = None
) -> tuple[FormToken | None, Refusal | None]:
    """The form's token, or why the submit is refused (honeypot, out of date, too fast)."""
    now = time.time() if now is None else now
    if entry.honeypot.strip():
        message = _(
            "Your message looks automated and was not sent. If you wrote it yourself, please send it again."
        )
        return None, Refusal({"form": message})
    token = read_form_token(store, entry.token)
    if token is None:
        message = _("This form is out of date. Please check your message and send it again.")
        return None, Refusal({"form": message}, fresh_token=True)
    if now - token.shown_at < MIN_FILL_SECONDS:
        message = _("That was quicker than a person can write. Please check your message and send it again.")
        return None, Refusal({"form": message})
    return token, None


def clean_entry(entry: Entry) -> dict:
    """Errors by field of what the customer typed ({} when it may be sent)."""
    errors = {}
    required = {
        "name": _("Please tell us your name."),
        "email": _("Please give your email address, so we can answer."),
        "message": _("Please write your message."),
    }
    for name, message in required.items():
        if not getattr(entry, name):
            errors[name] = message
    for name, limit in LIMITS.items():
        value = getattr(entry, name)
        if name not in errors and len(value) > limit:
            errors[name] = _("This is %(count)s characters long; the limit is %(limit)s.") % {
                "count": len(value),
                "limit": limit,
            }
        elif name not in errors and find_forbidden_character(value, allow_newlines=name == "message"):
            errors[name] = _("This contains an invisible control character; please remove it.")
    if "email" not in errors:
        try:
            validate_email(entry.email)
        except ValidationError:
            errors["email"] = _("This does not look like an email address (like name@example.com).")
    return errors


def check_address_limit(request) -> Refusal | None:
    """Count one submit from the client's address; a 429 Refusal past SUBMITS_PER_ADDRESS."""
    decision = hit("contact-submit", client_address(request), limit=SUBMITS_PER_ADDRESS, period=IP_PERIOD)
    if decision.allowed:
        return None
    message = _(
        "Too many messages came from your network in the last few minutes. "
        "Please wait a little and send again."
    )
    return Refusal({"form": message}, status=429, retry_after=decision.retry_after)


def check_email_limit(store, email: str) -> Refusal | None:
    """Count one message from an email address to the store; a 429 Refusal past MESSAGES_PER_EMAIL."""
    identity = f"{store.pk}:{email.strip().lower()}"
    decision = hit("contact-email", identity, limit=MESSAGES_PER_EMAIL, period=EMAIL_PERIOD)
    if decision.allowed:
        return None
    message = _(
        "We already received several messages from this email address in the last hour. "
        "Please wait before sending another; we will answer the ones we have."
    )
    return Refusal({"email": message}, status=429, retry_after=decision.retry_after)
