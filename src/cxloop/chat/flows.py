"""Guided flows: buttons the widget offers before a person, set by the store's owner.

    flow = save_flow(store=store, fields={"label_en": "Returns", "label_pl": "Zwroty",
                                          "article": "12", "ask_order": "on", "tag": "return"})
    widget_flows(store, "pl")      # [{"id", "label", "article": {...} | None, "ask_order"}]
    submit_flow(visitor=visitor, flow_id=flow.pk, order_number="#1001", text="...", client_id="c-9")

"Returns" shows the returns policy article; if it does not answer, a short
form (an order number, a few words) becomes the visitor's chat message, and the
conversation gets the flow's tag, so rules, routing and reports see it as a
return request. Bad input raises InvalidInput naming the field.
"""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cxloop.core.errors import InvalidInput, NotFound
from cxloop.core.models import Store
from cxloop.core.textchecks import find_forbidden_character
from cxloop.helpdesk.models import Conversation
from cxloop.helpdesk.services.conversations import set_tags

from . import services
from .models import GuidedFlow, Visitor

MAX_LABEL = 60
MAX_FLOWS = 8  # buttons in the widget
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def label_field(language: str) -> str:
    return "label_" + language.replace("-", "_")


def save_flow(*, store: Store, fields: dict, flow: GuidedFlow | None = None) -> GuidedFlow:
    labels = {}
    for code in LANGUAGE_CODES:
        value = " ".join(str(fields.get(label_field(code), "")).split())
        if len(value) > MAX_LABEL:
            raise InvalidInput(
                _("A label is at most %(n)d characters.") % {"n": MAX_LABEL}, field=label_field(code)
            )
        if find_forbidden_character(value):
            raise InvalidInput(_("The label holds a character that is not allowed."), field=label_field(code))
        if value:
            labels[code] = value
    if store.default_language not in labels:
        raise InvalidInput(
            _("Write the label in the store's language first."), field=label_field(store.default_language)
        )
    article = None
    if raw := str(fields.get("article", "")).strip():
        from cxloop.helpcenter.models import Article

        article = Article.objects.filter(store=store, pk=int(raw) if raw.isdigit() else 0).first()
        if article is None:
            raise InvalidInput(_("Choose one of the store's articles."), field="article")
    tag = " ".join(str(fields.get("tag", "")).split())[:60]
    position = str(fields.get("position", "0")).strip() or "0"
    if not position.isdigit() or int(position) > 999:
        raise InvalidInput(_("The position is a whole number from 0 to 999."), field="position")
    if flow is None and GuidedFlow.objects.filter(store=store).count() >= MAX_FLOWS:
        raise InvalidInput(_("A store has at most %(n)d guided flows.") % {"n": MAX_FLOWS}, field="form")
    flow = flow or GuidedFlow(store=store)
    flow.labels, flow.article, flow.tag, flow.position = labels, article, tag, int(position)
    flow.ask_order = bool(fields.get("ask_order"))
    flow.enabled = bool(fields.get("enabled", "on"))
    flow.save()
    return flow


def delete_flow(*, flow: GuidedFlow) -> None:
    flow.delete()


def widget_flows(store: Store, language: str) -> list[dict]:
    """The enabled flows as the widget shows them, in the visitor's language (else the store's)."""
    from cxloop.helpcenter.queries import pick_text

    flows = list(
        GuidedFlow.objects.filter(store=store, enabled=True)
        .select_related("article")
        .prefetch_related("article__texts")[:MAX_FLOWS]
    )
    shown = []
    for flow in flows:
        article = None
        if flow.article is not None and flow.article.published:
            text = pick_text(list(flow.article.texts.all()), language, store.default_language)
            if text is not None:
                article = {"id": flow.article.pk, "title": text.title, "slug": flow.article.slug,
                           "language": text.language}  # fmt: skip
        shown.append({
            "id": flow.pk, "label": flow.label(language, store.default_language), "article": article,
            "ask_order": flow.ask_order,
        })  # fmt: skip
    return shown


def submit_flow(
    *, visitor: Visitor, flow_id, order_number: str = "", text: str = "", client_id: str = ""
) -> tuple:
    """The flow's request as the visitor's chat message, the conversation tagged; (message, created)."""
    flow = GuidedFlow.objects.filter(
        store_id=visitor.store_id, pk=flow_id if isinstance(flow_id, int) else 0
    ).first()
    if flow is None or not flow.enabled:
        raise NotFound(_("No such guided flow."), field="flow_id")
    order_number = " ".join(str(order_number or "").split())[:64]
    if flow.ask_order and not order_number:
        raise InvalidInput(_("Give the order number."), field="order_number")
    text = str(text or "").strip()
    label = flow.label(visitor.language, visitor.store.default_language)
    lines = [label]
    if order_number:
        lines.append(_("Order number: %(number)s") % {"number": order_number})
    if text:
        lines += ["", text]
    with transaction.atomic():
        message, created = services.send(visitor=visitor, text="\n".join(lines), client_id=client_id)
        if created and flow.tag:
            conversation = Conversation.objects.get(pk=message.conversation_id)
            names = list(conversation.tags.values_list("name", flat=True))
            set_tags(conversation=conversation, names=[*names, flow.tag], actor=None)
    return message, created
