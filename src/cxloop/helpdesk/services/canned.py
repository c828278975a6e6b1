"""Canned replies: saved answers whose variables are filled from the store mirror when an agent uses one.

    Hi {{ customer.first_name }}, your order {{ order.name }} is {{ order.status }}.
    render_canned(canned, conversation, agent)  ->  ("Hi Ania, your order #1001 is Fulfilled.", [])

The tracking variables read the latest order's latest shipment that has
tracking (commerce.queries.find_tracked_fulfilment): its link and number
come from the same shipment, never one from each.

Variables are a fixed list of names (VARIABLES), replaced by one regular
expression in a single pass. Nothing in a canned reply or in a customer's
data is ever evaluated as template code: `{% debug %}` or a customer whose
name is `{{ store.secret }}` stay literal text, because the values are put in
after the matching and never read again. A reply is plain text (the email's
HTML is escaped from it when it is sent, services.sending).

Saving a canned reply refuses any `{{ ... }}` that is not one of the names.
A name without a value (no customer record, no order yet) renders as an
empty string and is returned in `missing`, so the agent is warned before
sending.
"""

import re
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxloop.commerce import queries as commerce_queries
from cxloop.commerce.models import Fulfilment, Order
from cxloop.core.errors import InvalidInput

from ..models import CannedReply, Conversation

VARIABLE = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)
MAX_TITLE = 200
MAX_BODY = 20_000
MAX_SHORTCUT = 40


def _customer_name(conversation: Conversation, part: int) -> str:
    """The customer record's name; with no record, the name the person wrote under (split once)."""
    customer = conversation.customer
    if customer is not None:
        return customer.last_name if part else customer.first_name
    words = conversation.contact_name.split(None, 1)
    return words[part] if len(words) > part else ""


def _latest_order(conversation: Conversation) -> Order | None:
    if conversation.customer_id is None:
        return None
    return (
        Order.objects.filter(store_id=conversation.store_id, customer_id=conversation.customer_id)
        .order_by("-created_at", "-pk")
        .first()
    )


def _order_status(order: Order | None) -> str:
    if order is None:
        return ""
    if order.cancelled_at:
        return str(_("Cancelled"))
    return str(order.get_fulfillment_status_display())


class Context:
    """What one rendering reads, each looked up once and only when a body uses it."""

    def __init__(self, conversation: Conversation, agent):
        self.conversation = conversation
        self.agent = agent
        self._order = None
        self._order_loaded = False
        self._fulfilment = None
        self._fulfilment_loaded = False

    @property
    def order(self) -> Order | None:
        if not self._order_loaded:
            self._order, self._order_loaded = _latest_order(self.conversation), True
        return self._order

    @property
    def fulfilment(self) -> Fulfilment | None:
        """The latest order's latest shipment with tracking (cancelled ones aside)."""
        if not self._fulfilment_loaded:
            self._fulfilment = commerce_queries.find_tracked_fulfilment(self.order)
            self._fulfilment_loaded = True
        return self._fulfilment


def _email(c: Context) -> str:
    customer = c.conversation.customer
    return (customer.email if customer is not None else "") or c.conversation.contact_email


VARIABLES: dict[str, tuple[object, Callable[[Context], str]]] = {
    "customer.first_name": (
        gettext_lazy("The customer's first name"), lambda c: _customer_name(c.conversation, 0)
    ),
    "customer.last_name": (
        gettext_lazy("The customer's last name"), lambda c: _customer_name(c.conversation, 1)
    ),
    "customer.email": (gettext_lazy("The customer's email address"), _email),
    "order.name": (
        gettext_lazy("The customer's latest order (#1001)"), lambda c: c.order.number if c.order else ""
    ),
    "order.tracking_url": (
        gettext_lazy("The latest order's tracking link"),
        lambda c: c.fulfilment.tracking_url if c.fulfilment else "",
    ),
    "order.tracking_number": (
        gettext_lazy("The latest order's tracking number"),
        lambda c: c.fulfilment.tracking_number if c.fulfilment else "",
    ),
    "order.status": (
        gettext_lazy("The latest order's fulfilment status"), lambda c: _order_status(c.order)
    ),
    "agent.first_name": (gettext_lazy("Your first name"), lambda c: c.agent.first_name if c.agent else ""),
    "store.name": (gettext_lazy("The store's name"), lambda c: c.conversation.store.name),
}  # fmt: skip


def list_variables() -> list[tuple[str, str]]:
    """(name, what it is) of every variable, for the pages that help write a canned reply."""
    return [(name, str(label)) for name, (label, _read) in VARIABLES.items()]


def check_variables(body: str, *, field: str = "body") -> None:
    """Raise InvalidInput naming the first `{{ ... }}` that is not a known variable."""
    for match in VARIABLE.finditer(body):
        if match.group(1) not in VARIABLES:
            raise InvalidInput(
                _("Unknown variable “%(name)s”. Use one of: %(names)s.")
                % {"name": match.group(0), "names": ", ".join(VARIABLES)},
                field=field,
            )


def render_text(body: str, *, conversation: Conversation, agent, language: str = "") -> tuple[str, list[str]]:
    """Fill the variables of `body` for this conversation; return (text, names without a value).

    One pass of one regular expression: an inserted value is never matched
    again, and an unknown `{{ ... }}` is left as it was written.
    """
    context = Context(conversation, agent)
    missing: list[str] = []

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in VARIABLES:
            return match.group(0)
        value = str(VARIABLES[name][1](context) or "")
        if not value.strip() and name not in missing:
            missing.append(name)
        return value

    with translation.override(language or translation.get_language()):
        return VARIABLE.sub(fill, body), missing


def render_canned(canned: CannedReply, conversation: Conversation, agent) -> tuple[str, list[str]]:
    """The canned reply's text for this conversation and agent, and the variables that had no value.

    Raises nothing for missing values: they render as "" and are listed, for a warning.
    """
    return render_text(canned.body, conversation=conversation, agent=agent, language=canned.language)


def _clean(fields: dict) -> dict:
    title = " ".join(str(fields.get("title", "")).split())
    body = str(fields.get("body", "")).replace("\x00", "").replace("\r\n", "\n").strip()
    language = str(fields.get("language", "")).strip()
    shortcut = " ".join(str(fields.get("shortcut", "")).split())
    if not title:
        raise InvalidInput(_("Give the canned reply a title."), field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(_("The title is too long."), field="title")
    if not body:
        raise InvalidInput(_("Write the text of the canned reply."), field="body")
    if len(body) > MAX_BODY:
        raise InvalidInput(_("The text is too long."), field="body")
    if len(language) > 16 or (
        language and not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*", language)
    ):
        raise InvalidInput(_("Choose a language code such as “en” or “pl”."), field="language")
    if len(shortcut) > MAX_SHORTCUT:
        raise InvalidInput(_("The shortcut is too long."), field="shortcut")
    check_variables(body)
    return {"title": title, "body": body, "language": language, "shortcut": shortcut}


@transaction.atomic
def save_canned(*, store, fields: dict, actor, canned: CannedReply | None = None) -> CannedReply:
    """Create a canned reply (or change `canned`) from the form's fields.

    Raises InvalidInput for an empty title or text, an unknown variable, or a
    title the store already uses (whatever its case).
    """
    values = _clean(fields)
    taken = CannedReply.objects.filter(store=store, title__iexact=values["title"])
    if canned is not None:
        taken = taken.exclude(pk=canned.pk)
    if taken.exists():
        raise InvalidInput(_("Another canned reply already has this title."), field="title")
    if canned is None:
        canned = CannedReply(store=store, created_by=actor)
    for name, value in values.items():
        setattr(canned, name, value)
    try:
        with transaction.atomic():
            canned.save()
    except IntegrityError as error:  # the same title saved at the same moment
        raise InvalidInput(_("Another canned reply already has this title."), field="title") from error
    return canned


@transaction.atomic
def delete_canned(*, canned: CannedReply) -> None:
    """Delete a canned reply (replies already sent with it keep their text)."""
    canned.delete()


__all__ = [
    "VARIABLES",
    "check_variables",
    "delete_canned",
    "list_variables",
    "render_canned",
    "render_text",
    "save_canned",
]
