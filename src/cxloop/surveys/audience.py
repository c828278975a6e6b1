"""Who a manual send reaches: uploaded email lists, matched customers, and who the policy will skip.

The estimate walks the customers once and applies, in bulk, the same rules
as `flows.services.check_can_contact` and the survey's sampling, in the same
order, so the send page can say "1,204 customers, 310 will be skipped"
before anything is sent. The send itself checks each customer again.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils import timezone

from cxloop.commerce.models import Customer
from cxloop.core.errors import InvalidInput
from cxloop.core.models import Store
from cxloop.flows import queries as flows_queries
from cxloop.flows.models import Contact, ContactKind, Suppression
from cxloop.flows.services import ALLOWED_CONSENT

from .models import Survey
from .services.invitations import is_sampled

MAX_ROWS = 10_000
MAX_FILE_BYTES = 5_000_000
ESTIMATE_LIMIT = 200_000
MATCH_CHUNK = 500
SKIP_REASONS = ("sampled_out", "erased", "no_email", "suppressed", "no_consent", "throttled")


@dataclass
class SendEstimate:
    total: int
    skipped: dict[str, int] = field(default_factory=dict)
    exact: bool = True

    @property
    def will_skip(self) -> int:
        return sum(self.skipped.values())

    @property
    def will_queue(self) -> int:
        return self.total - self.will_skip


def estimate_send(survey: Survey, customers: QuerySet[Customer], now: datetime | None = None) -> SendEstimate:
    """How many of these customers a send would invite, and why the others would be skipped."""
    now = now or timezone.now()
    total = customers.count()
    if total > ESTIMATE_LIMIT:
        return SendEstimate(total=total, exact=False)
    store = survey.store
    policy = flows_queries.get_contact_policy(store)
    allowed = ALLOWED_CONSENT[policy.survey_audience]
    suppressed = set(Suppression.objects.filter(store=store).values_list("email_digest", flat=True))
    recent = _recently_contacted(store, policy.window_days(ContactKind.SURVEY), now)
    estimate = SendEstimate(total=total)
    rows = customers.order_by().values_list("pk", "email_key", "email_consent", "erased_at")
    for pk, email_key, consent, erased_at in rows.iterator(chunk_size=2000):
        reason = _reason(survey, pk, email_key, consent, erased_at, allowed, suppressed, recent)
        if reason:
            estimate.skipped[reason] = estimate.skipped.get(reason, 0) + 1
    return estimate


def _recently_contacted(store: Store, window_days: int, now: datetime) -> set[int]:
    if not window_days:
        return set()
    contacts = Contact.objects.filter(
        store=store, kind=ContactKind.SURVEY, contacted_at__gt=now - timedelta(days=window_days)
    )
    return set(contacts.values_list("customer_id", flat=True))


def _reason(survey, pk, email_key, consent, erased_at, allowed, suppressed, recent) -> str:
    if not is_sampled(survey, pk):
        return "sampled_out"
    if erased_at is not None:
        return "erased"
    if not email_key:
        return "no_email"
    if suppressed and Suppression.digest(email_key) in suppressed:
        return "suppressed"
    if consent not in allowed:
        return "no_consent"
    if pk in recent:
        return "throttled"
    return ""


@dataclass
class EmailList:
    emails: list[str]
    invalid: list[str] = field(default_factory=list)
    duplicates: int = 0


def read_email_csv(data: bytes) -> EmailList:
    """The email addresses of an uploaded CSV; InvalidInput says what is wrong with a bad file.

    The addresses come from the column headed "email" (any case), or from the
    first column when no header names one. Addresses are lower-cased and
    de-duplicated; lines that are not an address are reported, not used.
    """
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(f"The file is larger than {MAX_FILE_BYTES // 1_000_000} MB.", field="file")
    if b"\x00" in data:
        raise InvalidInput("This is not a CSV file (it contains binary data).", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text; save it as CSV UTF-8.", field="file") from None
    try:
        rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise InvalidInput(f"The file is not valid CSV ({exc}).", field="file") from None
    if not rows:
        raise InvalidInput("The file is empty.", field="file")
    column = _email_column(rows[0])
    if column is not None:
        rows = rows[1:]
    column = column or 0
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"The file has {len(rows):,} rows; at most {MAX_ROWS:,} at once.", field="file")
    return _collect(rows, column)


def _email_column(header: list[str]) -> int | None:
    names = [cell.strip().lower() for cell in header]
    for wanted in ("email", "e-mail", "email address"):
        if wanted in names:
            return names.index(wanted)
    return None


def _collect(rows: list[list[str]], column: int) -> EmailList:
    result = EmailList(emails=[])
    seen = set()
    for row in rows:
        value = row[column].strip() if column < len(row) else ""
        try:
            validate_email(value)
        except ValidationError:
            result.invalid.append(value[:254])
            continue
        key = value.lower()
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        result.emails.append(key)
    if not result.emails:
        raise InvalidInput("No email addresses found in the file.", field="file")
    return result


def match_emails(store: Store, emails: list[str]) -> tuple[list[int], list[str]]:
    """The store's customers with these (lower-cased) emails, and the emails of nobody.

    When two customers share an address, the older one is invited, so no
    address gets two invitations from one upload.
    """
    found: dict[str, int] = {}
    for start in range(0, len(emails), MATCH_CHUNK):
        chunk = emails[start : start + MATCH_CHUNK]
        rows = Customer.objects.filter(store=store, email_key__in=chunk, erased_at__isnull=True)
        for pk, email_key in rows.order_by("pk").values_list("pk", "email_key"):
            found.setdefault(email_key, pk)
    unknown = [email for email in emails if email not in found]
    return sorted(set(found.values())), unknown
