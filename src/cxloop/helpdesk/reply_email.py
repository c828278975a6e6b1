"""The email of a staff reply, as the customer receives it.

    earlier = earlier_messages(replies)            # one query for a batch of replies
    email = build_reply_email(reply, earlier[reply.pk])

From the store's support address (Store.support_email, else the
installation's DEFAULT_FROM_EMAIL under the store's name), Reply-To the
conversation's reply address (addresses.reply_address), In-Reply-To and
References from the customer's last message, the Message-ID made when the
reply was written, the files the agent attached (attach_files), and the
conversation's history quoted below the text as mail clients quote it:
"On <date>, <name> wrote:" and "> " before each line in the plain part, a
blockquote in the HTML part (customer text escaped, laid out right to left
for a right-to-left language).

The two bodies are built here with plain string joins rather than two
templates: replies go out in bursts and the template engine cost more than
the text itself (docs/benchmarks.md, "Help desk replies"). The output is
what the templates `helpdesk/email/reply.txt` and `reply.html` gave, byte
for byte (tests/test_reply_email.py keeps them as the reference).
"""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from cxloop.core import formats
from cxloop.core.mime import TwoPartEmail
from cxloop.surveys.emails import one_line

from .addresses import reply_address
from .models import Message

QUOTED_MESSAGES = 5
# What quoting and threading read of the earlier messages.
QUOTED_FIELDS = (
    "kind", "from_name", "from_email", "reply_text", "text", "message_id", "references", "created_at",
)  # fmt: skip
QUOTE_STYLE = "margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex"


def earlier_messages(replies: list[Message]) -> dict[int, list[Message]]:
    """For each reply, the messages the customer saw or wrote before it, newest first (5 at most).

    One query for all the replies: each message of a reply's conversation is paired with the reply
    and numbered newest first per reply. The reply itself is among them (it is not before itself),
    so one more than QUOTED_MESSAGES is read and it is dropped here.
    """
    earlier: dict[int, list[Message]] = {reply.pk: [] for reply in replies}
    if not replies:
        return earlier
    reply = "conversation__messages"  # the reply, joined once through its conversation
    ranked = (
        Message.objects.filter(
            **{f"{reply}__pk__in": list(earlier), "created_at__lte": F(f"{reply}__created_at")}
        )
        .exclude(kind=Message.Kind.NOTE)
        .annotate(
            reply_pk=F(f"{reply}__pk"),
            rank=Window(
                RowNumber(), partition_by=F(f"{reply}__pk"), order_by=[F("created_at").desc(), F("pk").desc()]
            ),
        )
        .filter(rank__lte=QUOTED_MESSAGES + 1)
        .only(*QUOTED_FIELDS)
        .order_by("reply_pk", "rank")
    )
    for message in ranked:
        if message.pk != message.reply_pk and len(earlier[message.reply_pk]) < QUOTED_MESSAGES:
            earlier[message.reply_pk].append(message)
    return earlier


def build_reply_email(message: Message, earlier: list[Message] | None = None) -> TwoPartEmail:
    """The email of a staff reply, in the store's language and time zone.

    `earlier`: the reply's earlier messages (earlier_messages), read here when not given.
    """
    conversation = message.conversation
    store = conversation.store
    language = store.default_language or settings.LANGUAGE_CODE
    if earlier is None:
        earlier = earlier_messages([message])[message.pk]
    with translation.override(language), timezone.override(formats.store_zone(store)):
        history = _history(message, earlier)
        direction = "rtl" if translation.get_language_bidi() else "ltr"
    email = TwoPartEmail(
        subject=one_line(message.subject),
        text=plain_body(message.text, history),
        html=html_body(message.text, history, language=language, direction=direction),
        from_email=sender(store),
        to=[conversation.contact_email],
        reply_to=[reply_address(conversation)],
        headers={"Message-ID": message.message_id, **threading_headers(message, earlier)},
    )
    attach_files(email, message)
    return email


def attach_files(email: TwoPartEmail, message: Message) -> None:
    """The files the agent attached, as the mail's attachments, beside its plain and HTML parts.

    A name that is not ASCII is written as RFC 2231 says (`filename*=utf-8''...`, Django's way), so
    "faktura-łódź.pdf" or "发票.pdf" arrives as it was named. A file removed since (erasure) is left
    out; one missing from storage raises, and the reply is marked not delivered.
    """
    for attachment in message.attachments.all():
        if attachment.purged_at is not None or not attachment.file:
            continue
        with attachment.file.open("rb") as handle:
            email.attach(attachment.filename, handle.read(), attachment.content_type)


def plain_body(text: str, history: list[dict]) -> str:
    """The reply's text, then each quoted message: its "... wrote:" line and "> " before each line."""
    parts = [text, "\n"]
    for item in history:
        parts.append(f"\n{item['header']}\n")
        parts.extend(f"> {line}\n" for line in item["text"].splitlines())
    parts.append("\n")
    return "".join(parts)


def html_body(text: str, history: list[dict], *, language: str, direction: str) -> str:
    """The reply's text, then each quoted message in a blockquote; every text escaped."""
    parts = [
        f'<!doctype html>\n<html lang="{escape(language)}" dir="{escape(direction)}">\n'
        f'<head><meta charset="utf-8"></head>\n<body>\n<div dir="auto">{linebreaksbr(text)}</div>\n'
    ]
    for item in history:
        parts.append(
            f"\n<p>{escape(item['header'])}</p>\n"
            f'<blockquote style="{QUOTE_STYLE}" dir="auto">{linebreaksbr(item["text"])}</blockquote>\n'
        )
    parts.append("\n</body>\n</html>\n")
    return "".join(parts)


def sender(store) -> str:
    """From: the store's support address, else the installation's address under the store's name."""
    address = store.support_email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost"
    return formataddr((one_line(store.name), address))


def threading_headers(message: Message, earlier: list[Message] | None = None) -> dict:
    """In-Reply-To and References from the customer's last message, so the reply joins its thread."""
    answered = _replied_to(message, earlier)
    if answered is None:
        return {}
    references = [ref for ref in answered.references if ref and ref != answered.message_id]
    references.append(answered.message_id)
    return {"In-Reply-To": answered.message_id, "References": " ".join(references)}


def _replied_to(message: Message, history: list[Message] | None = None) -> Message | None:
    """The customer's last message before this reply: the one it answers.

    Found among `history` (the messages before the reply, newest first) when it is there; asked of
    the database otherwise.
    """
    for item in history or ():
        if item.kind == Message.Kind.INCOMING and item.message_id:
            return item
    return (
        Message.objects.filter(
            conversation_id=message.conversation_id,
            kind=Message.Kind.INCOMING,
            created_at__lte=message.created_at,
        )
        .exclude(message_id="")
        .order_by("-created_at", "-pk")
        .first()
    )


def _history(message: Message, earlier: list[Message]) -> list[dict]:
    """The earlier messages as quoted below the reply: "On <date>, <name> wrote:" and the text."""
    store = message.conversation.store
    history = []
    for item in earlier:
        if item.kind == Message.Kind.REPLY:
            name = store.name
        else:
            name = item.from_name or item.from_email or message.conversation.contact_email
        history.append({"header": _("On %(date)s, %(name)s wrote:") % {
            "date": formats.datetime_text(item.created_at), "name": name,
        }, "text": item.reply_text or item.text})  # fmt: skip
    return history
