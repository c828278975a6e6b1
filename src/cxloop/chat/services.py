"""The chat's verbs: a visitor starts the widget, writes, gives an address; a reply reaches them.

    visitor, token = start(store=store, language="pl", page_url="https://shop/p/1")
    message, created = send(visitor=visitor, text="Gdzie jest moja paczka?", client_id="c-1")
    history(visitor, after=0)       # what the widget shows: the visitor's words and the replies

`send` is idempotent on the widget's client id (a message sent again after a
network drop is stored once and answered with what was stored); a file the
visitor sends takes the same road (chat.attachments.send_file, through `take`). The first
message opens a help-desk conversation with the channel "chat"; the next ones
join it, and a resolved chat is opened again by the visitor's next message, as
an email reply does. Agents' replies are help-desk replies
(helpdesk.services.conversations.reply): while the visitor's widget is open
they go to it (`deliver_reply`), otherwise by email to the address the visitor
left.

Bad input raises InvalidInput naming the field; nothing is stored.
"""

import secrets
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cxloop.core import batch_cache, prepared
from cxloop.core.errors import InvalidInput, Unauthorized
from cxloop.core.identity import IDENTITY_HASH, is_signed_identity
from cxloop.core.languages import normalize_language
from cxloop.core.models import Store
from cxloop.core.textchecks import find_forbidden_character
from cxloop.helpdesk.models import Channel, Conversation, Message
from cxloop.helpdesk.services.intake import Incoming, take_message

from . import notices, realtime, tokens
from .models import Deflection, Visitor

MAX_TEXT = 5000  # characters of one message
MAX_CLIENT_ID = 64
# A visitor seen this recently has the widget open: replies go to it rather than by email.
PRESENT_FOR = timedelta(minutes=3)
LANGUAGES = ("en", "pl", "lv", "fa", "zh-hans", "zh-hant")


def start(
    *,
    store: Store,
    token: str = "",
    language: str = "",
    page_url: str = "",
    page_title: str = "",
    anonymous_id: str = "",
    identity_email: str = "",
    identity_hash: str = "",
) -> tuple[Visitor, str]:
    """The visitor a widget speaks for (the token's, or a new one) and a fresh token for it.

    A token of another store, forged or expired starts a new visitor: the widget
    simply begins again. A signed identity (the storefront's HMAC of the
    customer's email, core.identity) links the visitor to that customer.
    """
    now = timezone.now()
    visitor = None
    if token:
        try:
            visitor = visitor_from_token(token, store=store)
        except Unauthorized:
            visitor = None
    fields = {
        "language": clean_language(language) or store.default_language,
        "page_url": _url(page_url),
        "page_title": _line(page_title, 300),
        "last_seen_at": now,
    }
    if anonymous_id:
        fields["anonymous_id"] = _line(anonymous_id, 64)
    if visitor is None:
        visitor = Visitor(store=store, key=secrets.token_hex(16), created_at=now, **fields)
        visitor.save()
    else:
        for name, value in fields.items():
            setattr(visitor, name, value)
        visitor.save(update_fields=list(fields))
    if identity_email or identity_hash:
        _identify(visitor, identity_email, identity_hash)
    return visitor, tokens.issue(visitor)


def visitor_from_token(token: str, *, store: Store | None = None) -> Visitor:
    """The token's visitor; Unauthorized for a bad token or one of another store."""
    store_id, key = tokens.read(token)
    if store is not None and store_id != store.pk:
        raise Unauthorized("No valid visitor token.", field="token")
    visitor = Visitor.objects.select_related("store").filter(store_id=store_id, key=key).first()
    if visitor is None:
        raise Unauthorized("No valid visitor token.", field="token")
    return visitor


def _identify(visitor: Visitor, email: str, identity_hash: str) -> None:
    from cxloop.commerce.queries import first_customer_by_email

    email = email.strip().lower()
    secret = Store.objects.filter(pk=visitor.store_id).values_list("identity_secret", flat=True).first()
    if not IDENTITY_HASH.fullmatch(identity_hash or "") or not is_signed_identity(
        secret or "", email, identity_hash
    ):
        raise InvalidInput("identity_hash: does not match the email.", field="identity_hash")
    customer = first_customer_by_email(visitor.store, email)
    visitor.email = email
    visitor.customer = customer
    visitor.save(update_fields=["email", "customer"])
    if visitor.conversation_id and customer is not None:
        Conversation.objects.filter(pk=visitor.conversation_id, customer__isnull=True).update(
            customer=customer, contact_email=email
        )


def set_contact(*, visitor: Visitor, name: str = "", email: str = "") -> Visitor:
    """What the visitor typed in the widget's form: where a reply goes when the widget is closed.

    A changed address is unverified again (and unlinks a customer record a verified one had linked);
    the verification mail is chat.verification's.
    """
    name = _line(name, 200)
    check_text("name", name)
    email = email.strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(_("email: not an email address."), field="email") from None
    if visitor.customer_id is not None and not visitor.email_verified_at:
        email = visitor.email  # a signed identity is kept; a typed address never replaces it
    fields = ["name", "email"]
    if email and email != visitor.email:  # a new address is unverified again (chat.verification)
        if visitor.email_verified_at:
            visitor.customer = None
        visitor.email_verified_at, visitor.verification_nonce = None, ""
        fields += ["email_verified_at", "verification_nonce", "customer"]
    visitor.name, visitor.email = name or visitor.name, email or visitor.email
    visitor.save(update_fields=fields)
    if visitor.conversation_id:
        Conversation.objects.filter(pk=visitor.conversation_id).update(
            contact_name=visitor.name[:200], contact_email=visitor.email
        )
    return visitor


def send(*, visitor: Visitor, text: str, client_id: str) -> tuple[Message, bool]:
    """Store what the visitor wrote, once per client id; (message, created)."""
    text = checked_message(text, client_id)
    return take(visitor=visitor, text=text, subject=subject_of(text), client_id=client_id)


def checked_message(text, client_id) -> str:
    """The text a widget sent, stripped; InvalidInput naming the field when it or the client id is not
    what a widget sends. Reads nothing from the database."""
    check_client_id(client_id)
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("text: must not be empty.", field="text")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"text: at most {MAX_TEXT} characters.", field="text")
    check_text("text", text, allow_newlines=True)
    return text.strip()


def check_client_id(client_id) -> None:
    """Raise InvalidInput unless `client_id` is what a widget sends: 1 to 64 printable characters."""
    if (
        not isinstance(client_id, str)
        or not 0 < len(client_id) <= MAX_CLIENT_ID
        or not client_id.isprintable()
    ):
        raise InvalidInput(f"client_id: 1 to {MAX_CLIENT_ID} printable characters.", field="client_id")


def find_sent(visitor: Visitor, client_id: str) -> Message | None:
    """The visitor's message stored under this client id, or None (a retry is answered with it)."""
    external_id = external_id_of(visitor, client_id)
    return Message.objects.filter(store_id=visitor.store_id, external_id=external_id).first()


def take(
    *, visitor: Visitor, text: str, subject: str, client_id: str, attach: Callable | None = None
) -> tuple[Message, bool]:
    """Store a visitor's checked message once per client id, in the chat's conversation; (message, created).

    `attach(message)` runs in the same transaction for a new message only (a file stored with it),
    before the widget and the agents are told: they never see the message without it.
    """
    external_id = external_id_of(visitor, client_id)
    with batch_cache.atomic():  # in a group of messages (chat.writer), the group's savepoint covers it
        visitor = batch_cache.get(_locked_key(visitor.pk)) or lock_visitors([visitor.pk])[0]
        # Who wrote, as the visitor's row says now (an address given in the widget's form since the
        # socket said hello), not as the socket read it.
        incoming = Incoming(
            text=text,
            subject=subject,
            from_email=visitor.email,
            from_name=visitor.name,
            link_customer=visitor.customer_id is not None or visitor.email_verified_at is not None,
        )
        conversation = visitor.conversation
        if conversation is not None and conversation.merged_into_id:
            conversation = Conversation.objects.get(pk=conversation.merged_into_id)
        conversation, message, created = take_message(
            store=visitor.store,
            channel=Channel.CHAT,
            incoming=incoming,
            external_id=external_id,
            conversation=conversation,
        )
        if created:
            if attach is not None:
                attach(message)
            changes = {"last_seen_at": timezone.now()}
            if visitor.conversation_id != conversation.pk:
                changes["conversation"] = conversation
            prepared.update(Visitor, visitor.pk, changes, defer=True)
            for name, value in changes.items():  # the next message of a group finds it as it is now
                setattr(visitor, name, value)
            files = None if attach is not None else []  # a text message has no files: none to look up
            event = {"type": "message", "message": widget_message(message, client_id=client_id, files=files)}
            realtime.publish_on_commit(realtime.visitor_group(visitor.pk), event)
            # Agents hear of messages in lists: a group's in one (realtime.push_all).
            realtime.publish_on_commit(
                realtime.store_group(visitor.store_id),
                {"type": "messages", "messages": [
                    {"conversation_id": conversation.pk, "visitor_id": visitor.pk, "message_id": message.pk}
                ]},
            )  # fmt: skip
    return message, created


def lock_visitors(pks: list[int]) -> list[Visitor]:
    """These visitors (by id) with their store and conversation, the visitors locked for the transaction.

    In an open batch (chat.writer's group) each is kept for `take`, which then reads it no more.
    """
    visitors = list(
        Visitor.objects.select_for_update(of=("self",))
        .select_related("conversation")
        .filter(pk__in=pks)
        .order_by("pk")
    )
    stores = Store.objects.in_bulk({visitor.store_id for visitor in visitors})  # a store once
    for visitor in visitors:
        visitor.store = stores[visitor.store_id]
        batch_cache.put(_locked_key(visitor.pk), visitor)
    if len(visitors) != len(set(pks)):
        raise Visitor.DoesNotExist("A chat visitor was deleted.")
    return visitors


def external_id_of(visitor: Visitor, client_id: str) -> str:
    """The help-desk message's delivery id for a widget's client id: a retry is stored once."""
    return f"chat:{visitor.key}:{client_id}"


def _locked_key(pk: int) -> tuple:
    return ("chat.visitor", pk)


def history(
    visitor: Visitor, *, after: int = 0, notices_after: int | None = 0, limit: int = 200
) -> list[dict]:
    """What the widget shows after message id `after`: the visitor's words, the replies, oldest first.

    With `notices_after` (a notice id; None leaves them out), the store's lines (chat.notices) after
    it come too, each after the message it follows, in the visitor's language.
    """
    if visitor.conversation_id is None:
        return []
    ids = [visitor.conversation_id]
    conversation = visitor.conversation
    if conversation.merged_into_id:
        ids.append(conversation.merged_into_id)
    rows = list(
        Message.objects.filter(store_id=visitor.store_id, conversation_id__in=ids, pk__gt=after)
        .exclude(kind=Message.Kind.NOTE)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("pk")[:limit]
    )
    shown = [((message.pk, 0), widget_message(message)) for message in rows]
    if notices_after is not None:
        up_to = rows[-1].pk if len(rows) == limit else None  # the rest come with the next page
        with translation.override(visitor.language or visitor.store.default_language or "en"):
            shown += [
                ((notice.follows, 1), notices.widget_notice(notice))
                for notice in notices.after(visitor, ids, notices_after=notices_after, up_to=up_to)
            ]
        shown.sort(key=lambda pair: pair[0])  # stable: notices following one message keep their order
    return [entry for _key, entry in shown]


def widget_message(message: Message, *, client_id: str = "", files: list | None = None) -> dict:
    """A message as the widget shows it: plain text, never HTML (the widget sets it as text).

    `files`: the message's attachments when the caller knows them (none, for a text just stored);
    by default they are read.
    """
    if message.kind == Message.Kind.INCOMING:
        sender, name = "visitor", ""
        if not client_id and message.external_id.startswith("chat:"):
            client_id = message.external_id.rsplit(":", 1)[-1]
    else:
        sender = "agent"
        # The agent's first name only: a staff login is an email address, never shown to shoppers (the
        # widget says "Support" in the shopper's language when there is no name).
        name = message.author.first_name if message.author else ""
    return {
        "id": message.pk,
        "client_id": client_id,
        "from": sender,
        "name": name,
        "text": message.reply_text or message.text,
        "at": message.created_at.isoformat(),
        "attachments": [
            # The widget fetches a file from /chat/<store>/attachments/<id> with the visitor's token.
            {
                "id": file.pk,
                "name": file.filename,
                "size": file.size,
                "type": file.content_type,
                "removed": file.purged_at is not None,
            }
            for file in (message.attachments.all() if files is None else files)
            if file.filename and not file.inline  # an erased file has no name left to show
        ],  # fmt: skip
    }


def seen(*, visitor: Visitor, page_url: str = "", page_title: str = "") -> None:
    """The widget is open (on this page): replies go to it."""
    fields = {"last_seen_at": timezone.now()}
    if page_url:
        fields |= {"page_url": _url(page_url), "page_title": _line(page_title, 300)}
    Visitor.objects.filter(pk=visitor.pk).update(**fields)


def offered_articles(*, visitor: Visitor) -> None:
    """Help-centre articles were offered for the visitor's question (the first time counts)."""
    Visitor.objects.filter(pk=visitor.pk, suggested_at__isnull=True).update(suggested_at=timezone.now())


def is_present(conversation: Conversation) -> bool:
    """Whether the conversation's visitor has the widget open now (then replies go there)."""
    since = timezone.now() - PRESENT_FOR
    return Visitor.objects.filter(conversation_id=conversation.pk, last_seen_at__gte=since).exists()


def deliver_reply(message: Message) -> None:
    """Push an agent's chat reply to the visitor's widget (after the reply is committed)."""
    visitor_ids = Visitor.objects.filter(conversation_id=message.conversation_id).values_list("pk", flat=True)
    for pk in visitor_ids:
        realtime.publish(realtime.visitor_group(pk), {"type": "message", "message": widget_message(message)})


def record_deflection(*, visitor: Visitor, article_id: int) -> Deflection:
    from cxloop.helpcenter.models import Article

    article = Article.objects.filter(store_id=visitor.store_id, pk=article_id, published=True).first()
    if article is None:
        raise InvalidInput("article_id: no such published article.", field="article_id")
    return Deflection.objects.create(
        store_id=visitor.store_id, visitor=visitor, article=article, language=visitor.language,
        created_at=timezone.now(),
    )  # fmt: skip


def clean_language(code: str) -> str:
    """A shipped language for the widget ("fa-IR" -> "fa", "zh_TW" -> "zh-hant"); "" for any other."""
    code = normalize_language(code)
    if code not in LANGUAGES:
        code = code.split("-", 1)[0]
    return code if code in LANGUAGES else ""


def subject_of(text: str) -> str:
    """A message's subject: its words on one line, at most 80 characters."""
    first = " ".join(text.split())
    return first if len(first) <= 80 else first[:79] + "…"


def _line(value: str, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def _url(value: str) -> str:
    value = str(value or "").strip()
    return value[:2000] if value.startswith(("https://", "http://")) else ""


def check_text(field: str, value: str, *, allow_newlines: bool = False) -> None:
    """Raise InvalidInput naming `field` when the text holds a character the desk does not take."""
    if problem := find_forbidden_character(value, allow_newlines=allow_newlines):
        raise InvalidInput(f"{field}: contains a {problem}.", field=field)
