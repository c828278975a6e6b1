"""Files in the chat: a shopper sends an image (PNG, JPEG, GIF, WebP) or a PDF; the widget fetches it back.

    message, created = send_file(visitor=visitor, file=upload, filename="paragon.pdf", client_id="c-2")
    attachment = get_visitor_attachment(visitor, attachment_id)   # NotFound for any other chat's file

A file becomes the visitor's chat message (its caption the text, which may be
empty) with a help-desk `Attachment` (helpdesk.models), so the agent's page
lists and serves it as it does a mail's, and the desk's retention and erasure
(helpdesk.services.attachments, .privacy) remove it like any other.

The type is read from the file's first bytes, never from its name or the
browser's word for it (helpdesk.filetypes, which staff replies use too): an
HTML page or an SVG image named `photo.png` is refused. The name is kept only
for display, cleaned (no path, no control or direction-changing characters)
and given the extension of the type found.
Like `services.send`, a file is stored once per client id: a retried upload is
answered with the message stored the first time. Refusals (too large, another
type, too many files an hour) store nothing; a failure after the file was
written deletes it with the rolled-back rows.
"""

import secrets

from django.conf import settings
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cxloop.core.errors import BodyTooLarge, InvalidInput, NotFound, RateLimited
from cxloop.core.inputs import parse_db_id
from cxloop.helpdesk.filetypes import clean_filename, read_head, refused_kind, sniff
from cxloop.helpdesk.models import Attachment, Message
from cxloop.surveys import ratelimit

from . import services
from .models import Visitor

MAX_CAPTION = services.MAX_TEXT


def send_file(
    *, visitor: Visitor, file: File, filename: str, client_id: str, caption: str = ""
) -> tuple[Message, bool]:
    """Store a visitor's file as their chat message, once per client id; (message, created).

    Raises InvalidInput (bad client id, caption, empty file or a type not taken), BodyTooLarge
    (over CXLOOP_CHAT_MAX_FILE_BYTES) or RateLimited (over CXLOOP_CHAT_FILES_PER_HOUR); then
    nothing is stored. A retry of a stored upload is answered before any of these checks.
    """
    services.check_client_id(client_id)
    stored = services.find_sent(visitor, client_id)
    if stored is not None:
        return stored, False
    caption = _caption(caption)
    content_type = read_type(file)
    check_limit(visitor)
    name = clean_filename(filename, content_type)
    saved: list[str] = []

    def attach(message: Message) -> None:
        attachment = Attachment(
            store_id=visitor.store_id,
            message=message,
            key=secrets.token_hex(16),
            filename=name,
            content_type=content_type,
            size=file.size,
            created_at=message.created_at,
        )
        file.seek(0)
        attachment.file.save(attachment.key, file, save=False)
        saved.append(attachment.file.name)
        attachment.save()

    try:
        return services.take(
            visitor=visitor, text=caption, subject=services.subject_of(caption or name), client_id=client_id,
            attach=attach,
        )  # fmt: skip
    except BaseException:
        for stored_name in saved:  # its rows were rolled back: the file goes too
            Attachment.file.field.storage.delete(stored_name)
        raise


def read_type(file: File) -> str:
    """The file's type by its first bytes, if the chat takes it; InvalidInput or BodyTooLarge if not."""
    limit = settings.CXLOOP_CHAT_MAX_FILE_BYTES
    if file.size > limit:
        raise too_large(limit)
    if file.size == 0:
        raise InvalidInput(_("file: the file is empty."), field="file")
    head = read_head(file)
    content_type = sniff(head)
    if content_type:
        return content_type
    kind = refused_kind(head)
    if kind == "svg":
        message = _("file: an SVG image is not taken, whatever its name; send PNG, JPEG, GIF or WebP.")
    elif kind == "html":
        message = _("file: an HTML page is not taken, whatever its name; send an image or a PDF.")
    else:
        message = _("file: not a PNG, JPEG, GIF or WebP image nor a PDF, by its content (whatever its name).")
    raise InvalidInput(message, field="file", code="unsupported_type")


def too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(
        _("file: larger than %(limit)s, the largest file the chat takes.") % {"limit": filesizeformat(limit)},
        field="file",
    )


def check_limit(visitor: Visitor) -> None:
    """Count one file against the visitor's hourly allowance; RateLimited over it."""
    limit = settings.CXLOOP_CHAT_FILES_PER_HOUR
    decision = ratelimit.hit(f"chat-file:{visitor.store_id}", visitor.key, limit=limit, period=3600)
    if not decision.allowed:
        raise RateLimited(
            _("file: at most %(limit)d files an hour; try again later.") % {"limit": limit},
            retry_after=decision.retry_after,
            field="file",
        )


def get_visitor_attachment(visitor: Visitor, attachment_id) -> Attachment:
    """A file of the visitor's own chat that the widget may show, not removed; NotFound otherwise.

    Another visitor's, another store's, a staff note's or a removed file answers the same NotFound.
    """
    conversation_ids = [visitor.conversation_id]
    if visitor.conversation_id and visitor.conversation.merged_into_id:
        conversation_ids.append(visitor.conversation.merged_into_id)
    pk = parse_db_id(str(attachment_id))
    found = (
        Attachment.objects.filter(
            store_id=visitor.store_id,
            pk=pk,
            message__conversation_id__in=[known for known in conversation_ids if known],
            purged_at__isnull=True,
        )
        .exclude(message__kind=Message.Kind.NOTE)
        .exclude(file="")
        .first()
        if pk
        else None
    )
    if found is None:
        raise NotFound(_("No such file."))
    return found


def _caption(caption) -> str:
    if caption is None:
        return ""
    if not isinstance(caption, str):
        raise InvalidInput("text: must be a string.", field="text")
    if len(caption) > MAX_CAPTION:
        raise InvalidInput(f"text: at most {MAX_CAPTION} characters.", field="text")
    services.check_text("text", caption, allow_newlines=True)
    return caption.strip()
