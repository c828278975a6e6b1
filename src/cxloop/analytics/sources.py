"""The tables the warehouse copies from the store mirror and the help desk: their columns, and how a
change is found.

    TABLES["orders"].paths()  # the ORM paths the sync reads, in the order of the columns

Each table is a few columns of one model, enough for the reports, and never
an email, a name, an address or a free text: the warehouse holds ids, amounts,
dates and codes. `changed_by` says how the sync finds what changed since it
last ran: "updated_at" (rows changed in place: orders, customers, answers,
conversations) or "id" (rows only ever added: storefront events). A table with
a `parent` has no watermark of its own: its rows are copied again with each
parent row the sync copies (a conversation's messages and tags: every message,
tag change and merge moves the conversation's `updated_at`; an order's line items). Deleted rows are
told apart by erasures (models.WarehouseErasure) and by the stores that remain.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

from django.db.models import BooleanField, Count, ExpressionWrapper, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from cxloop.commerce.models import Customer, Event, LineItem, Order, Product
from cxloop.helpdesk.models import Activity, Conversation, Message
from cxloop.surveys.models import Response


@dataclass(frozen=True)
class Table:
    name: str
    model: type
    columns: tuple[tuple[str, str, str], ...]  # (warehouse column, DuckDB type, ORM path)
    changed_by: str  # "updated_at", "id", or "parent" (copied again with each row of `parent` copied)
    convert: dict | None = None  # warehouse column -> function applied to the source value
    annotations: dict | None = None  # ORM path -> expression, for columns no field holds
    parent: str = ""  # the table whose copied rows bring this one's again (changed_by "parent")
    parent_key: str = ""  # this table's column holding the parent's id

    def rows(self):
        """The source rows, with the annotations the columns read."""
        rows = self.model.objects.all()
        return rows.annotate(**self.annotations) if self.annotations else rows

    @property
    def names(self) -> list[str]:
        return [column for column, _type, _path in self.columns]

    def ddl(self) -> str:
        columns = ", ".join(f"{column} {kind}" for column, kind, _path in self.columns)
        return f"CREATE TABLE IF NOT EXISTS {self.name} ({columns}, PRIMARY KEY (id))"

    def paths(self) -> list[str]:
        """The ORM paths read, each once (two warehouse columns may be made from one)."""
        return list(dict.fromkeys(path for _column, _kind, path in self.columns))


def event_source(properties) -> str | None:
    """Where a storefront visit came from, as a channel name: its `utm_source` (trimmed, lower-cased),
    else the host of a referrer on another site (without "www."), else None (direct, or a page of the
    same site: the next page of a visit). The metrics' touches (metrics.attributed_revenue)."""
    if not isinstance(properties, dict):
        return None
    utm = properties.get("utm_source")
    if isinstance(utm, str) and utm.strip():
        return utm.strip().lower()[:200]
    referrer = properties.get("referrer")
    host = referrer_host(referrer) if isinstance(referrer, str) else ""
    url = properties.get("url")
    if not host or host == (referrer_host(url) if isinstance(url, str) else ""):
        return None
    return host.removeprefix("www.") or None


def event_medium(properties) -> str | None:
    """The visit's `utm_medium` (trimmed, lower-cased: "cpc", "email", "social"), None without one."""
    if not isinstance(properties, dict):
        return None
    medium = properties.get("utm_medium")
    return medium.strip().lower()[:200] or None if isinstance(medium, str) else None


def event_referred(properties) -> bool:
    """The visit came through a referral link: the page's address had a `ref` parameter (the storefront
    snippet records it). Only that it did, never the code: the code names the customer who referred."""
    return (
        isinstance(properties, dict)
        and isinstance(properties.get("ref"), str)
        and bool(properties["ref"].strip())
    )


def order_referred(referral_code: str) -> bool:
    """The order was placed with another customer's referral code (commerce.referrals). Only that it
    was, never the code, which names the customer who referred."""
    return bool(referral_code)


def event_path(properties) -> str | None:
    """The page's path (journeys' entry pages): `path`, else the path of `url`; never its query or
    fragment, which can carry personal data; at most PATH_LENGTH characters."""
    if not isinstance(properties, dict):
        return None
    path = properties.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        url = properties.get("url")
        try:
            path = urlsplit(url).path if isinstance(url, str) else ""
        except ValueError:
            path = ""
    path = path.split("?", 1)[0].split("#", 1)[0]
    return path[:PATH_LENGTH] if path.startswith("/") else None


AMOUNT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,2})?")


def event_amount(properties) -> Decimal | None:
    """The event's `total` (a checkout's value), when it is a plain amount ("49.90" or 49.9)."""
    if not isinstance(properties, dict):
        return None
    total = properties.get("total")
    if isinstance(total, bool) or not isinstance(total, str | int | float):
        return None
    text = str(total).strip()
    return Decimal(text) if AMOUNT.fullmatch(text) else None


PATH_LENGTH = 200

# helpdesk.reports.csat.REFERENCE_PREFIX: the invitation of a survey sent after a resolved conversation.
CONVERSATION_REFERENCE = re.compile(r"helpdesk-conversation:([0-9]{1,18})")


def response_conversation(reference) -> int | None:
    """The help desk conversation an answer was asked about (its invitation's reference), or None."""
    found = CONVERSATION_REFERENCE.fullmatch(reference) if isinstance(reference, str) else None
    return int(found.group(1)) if found else None


# How often a conversation was reopened: its status changes away from resolved (a customer writing
# again, or staff), as the help desk's reopen rate counts them (helpdesk.reports.figures.reopens).
REOPENS = Coalesce(
    Subquery(
        Activity.objects.filter(conversation=OuterRef("pk"), kind=Activity.Kind.STATUS, data__from="resolved")
        .order_by()
        .values("conversation")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    ),
    0,
)
AUTOMATIC = ExpressionWrapper(Q(auto_submitted=True) | Q(bounce=True), output_field=BooleanField())


def referrer_host(url: str) -> str:
    """Only the host of a referrer: its path and query can carry personal data."""
    if not url:
        return ""
    try:
        return (urlsplit(url).hostname or "")[:200]
    except ValueError:
        return ""


MONEY = "DECIMAL(18, 2)"
TIME = "TIMESTAMPTZ"

TABLES = {
    "customers": Table(
        "customers",
        Customer,
        (
            ("id", "BIGINT", "id"),
            ("store_id", "BIGINT", "store_id"),
            ("created_at", TIME, "created_at"),
            ("country", "VARCHAR", "country"),
            ("language", "VARCHAR", "language"),
            ("email_consent", "VARCHAR", "email_consent"),
            ("updated_at", TIME, "updated_at"),
        ),
        "updated_at",
    ),  # fmt: skip
    # The catalogue (the store's own data, no person's): products are only ever added to the store mirror
    # (commerce.services.orders keeps a product's first title), so new ids are what changed. Before the
    # orders, so a copied order's lines find their product.
    "products": Table(
        "products",
        Product,
        (
            ("id", "BIGINT", "id"),
            ("store_id", "BIGINT", "store_id"),
            ("title", "VARCHAR", "title"),
            ("product_type", "VARCHAR", "product_type"),
            ("vendor", "VARCHAR", "vendor"),
        ),
        "id",
    ),  # fmt: skip
    "orders": Table(
        "orders",
        Order,
        (
            ("id", "BIGINT", "id"),
            ("store_id", "BIGINT", "store_id"),
            ("customer_id", "BIGINT", "customer_id"),
            ("total", MONEY, "total"),
            ("refunded_amount", MONEY, "refunded_amount"),
            ("currency", "VARCHAR", "currency"),
            ("created_at", TIME, "created_at"),
            ("cancelled_at", TIME, "cancelled_at"),
            ("source_channel", "VARCHAR", "source_channel"),
            ("utm_source", "VARCHAR", "utm_source"),
            ("utm_medium", "VARCHAR", "utm_medium"),
            ("referrer_host", "VARCHAR", "referrer"),
            ("referred", "BOOLEAN", "referral_code"),
            ("updated_at", TIME, "updated_at"),
        ),
        "updated_at",
        {"referrer_host": referrer_host, "referred": order_referred},
    ),  # fmt: skip
    # An order's lines come with it (an order's lines are replaced with the order, which moves its
    # `updated_at`): ids, quantities and amounts, never the line's title or a customisation.
    "line_items": Table(
        "line_items",
        LineItem,
        (
            ("id", "BIGINT", "id"),
            ("store_id", "BIGINT", "store_id"),
            ("order_id", "BIGINT", "order_id"),
            ("product_id", "BIGINT", "product_id"),
            ("variant_id", "BIGINT", "variant_id"),
            ("quantity", "INTEGER", "quantity"),
            ("price", MONEY, "price"),
            ("total_discount", MONEY, "total_discount"),
        ),
        "parent",
        parent="orders",
        parent_key="order_id",
    ),  # fmt: skip
    "events": Table(
        "events",
        Event,
        (
            ("id", "BIGINT", "id"),
            ("store_id", "BIGINT", "store_id"),
            ("customer_id", "BIGINT", "customer_id"),
            ("anonymous_id", "VARCHAR", "anonymous_id"),
            ("session_id", "VARCHAR", "session_id"),
            ("type", "VARCHAR", "type"),
            ("occurred_at", TIME, "occurred_at"),
            ("source", "VARCHAR", "properties"),
            ("referred", "BOOLEAN", "properties"),
            ("path", "VARCHAR", "properties"),
            ("amount", MONEY, "properties"),
            ("device", "VARCHAR", "device"),
            ("medium", "VARCHAR", "properties"),
        ),
        "id",
        {
            "source": event_source, "medium": event_medium, "referred": event_referred, "path": event_path,
            "amount": event_amount,
        },
    ),  # fmt: skip
    "conversations": Table(
        "conversations",
        Conversation,
        (
            ("id", "BIGINT", "id"),
            ("store_id", "BIGINT", "store_id"),
            ("customer_id", "BIGINT", "customer_id"),
            ("channel", "VARCHAR", "channel"),
            ("status", "VARCHAR", "status"),
            ("priority", "VARCHAR", "priority"),
            ("team_id", "BIGINT", "team_id"),
            ("assignee_id", "BIGINT", "assignee_id"),
            ("language", "VARCHAR", "language"),
            ("merged_into_id", "BIGINT", "merged_into_id"),
            ("reopen_count", "INTEGER", "reopen_count"),
            ("created_at", TIME, "created_at"),
            ("first_response_at", TIME, "first_response_at"),
            ("resolved_at", TIME, "resolved_at"),
            ("updated_at", TIME, "updated_at"),
        ),
        "updated_at",
        annotations={"reopen_count": REOPENS},
    ),  # fmt: skip
    # A conversation's messages and tags come with it: never a word of a message, a sender or a tag's name.
    "messages": Table(
        "messages",
        Message,
        (
            ("id", "BIGINT", "id"),
            ("store_id", "BIGINT", "store_id"),
            ("conversation_id", "BIGINT", "conversation_id"),
            ("kind", "VARCHAR", "kind"),
            ("channel", "VARCHAR", "channel"),
            ("author_id", "BIGINT", "author_id"),
            ("automatic", "BOOLEAN", "automatic"),
            ("created_at", TIME, "created_at"),
        ),
        "parent",
        annotations={"automatic": AUTOMATIC},
        parent="conversations",
        parent_key="conversation_id",
    ),  # fmt: skip
    "conversation_tags": Table(
        "conversation_tags",
        Conversation.tags.through,
        (
            ("id", "BIGINT", "id"),
            ("store_id", "BIGINT", "conversation__store_id"),
            ("conversation_id", "BIGINT", "conversation_id"),
            ("tag_id", "BIGINT", "tag_id"),
        ),
        "parent",
        parent="conversations",
        parent_key="conversation_id",
    ),  # fmt: skip
    "responses": Table(
        "responses",
        Response,
        (
            ("id", "BIGINT", "id"),
            ("store_id", "BIGINT", "store_id"),
            ("customer_id", "BIGINT", "customer_id"),
            ("survey_kind", "VARCHAR", "survey__kind"),
            ("score", "INTEGER", "score"),
            ("band", "VARCHAR", "band"),
            ("channel", "VARCHAR", "channel"),
            ("conversation_id", "BIGINT", "invitation__reference"),  # a CSAT asked after a conversation
            ("created_at", TIME, "created_at"),
            ("updated_at", TIME, "updated_at"),
        ),
        "updated_at",
        {"conversation_id": response_conversation},
    ),  # fmt: skip
}
