"""Files staff attach to a reply or a note: all checked before anything is written, stored with the message.

    checked = check_files(request.FILES.getlist("files"))   # raises naming the first file refused
    with removed_on_failure() as written, transaction.atomic():
        message = Message.objects.create(...)
        store_files(message, checked, written)

Every file is checked first: its type read from its bytes (helpdesk.filetypes,
the chat's own rules: images and PDFs; an HTML page, an SVG image or a program
is refused whatever its name), its size against CXLOOP_REPLY_MAX_FILE_BYTES,
and all of them together against CXLOOP_REPLY_MAX_TOTAL_BYTES. One refused,
the message is not written and nothing is stored; the refusal names the file
and the reason. The files are written through Django's storage as the
message's `Attachment` rows, named on disk by a random key (never the sender's
name), so retention, erasure and export treat them as any other attachment.
A failure after a file was written deletes it again (the rows were rolled
back with the message).
"""

import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cxloop.core.errors import BodyTooLarge, InvalidInput

from ..filetypes import clean_filename, display_name, read_head, refused_kind, sniff
from ..models import Attachment, Message
from .attachments import delete_files

FIELD = "files"  # the form's file input


@dataclass(frozen=True)
class CheckedFile:
    file: File
    filename: str  # cleaned, with its type's extension
    content_type: str  # as its bytes say
    size: int


def check_files(uploads: Iterable[File]) -> list[CheckedFile]:
    """Check every file of one message; BodyTooLarge or InvalidInput naming the first one refused."""
    checked = [check_file(upload) for upload in uploads]
    total, limit = sum(item.size for item in checked), settings.CXLOOP_REPLY_MAX_TOTAL_BYTES
    if total > limit:
        raise BodyTooLarge(
            _("The files come to %(size)s together; a reply or a note may carry %(limit)s in all.")
            % {"size": filesizeformat(total), "limit": filesizeformat(limit)},
            field=FIELD,
        )
    return checked


def check_file(upload: File) -> CheckedFile:
    """One file's type (from its bytes) and size; BodyTooLarge or InvalidInput naming it."""
    name = display_name(upload.name) or "file"
    limit = settings.CXLOOP_REPLY_MAX_FILE_BYTES
    if upload.size > limit:
        raise BodyTooLarge(
            _("%(name)s: larger than %(limit)s, the largest file a reply or a note may carry.")
            % {"name": name, "limit": filesizeformat(limit)},
            field=FIELD,
        )
    if not upload.size:
        raise InvalidInput(_("%(name)s: the file is empty.") % {"name": name}, field=FIELD)
    head = read_head(upload)
    content_type = sniff(head)
    if not content_type:
        raise InvalidInput(refusal(name, refused_kind(head)), field=FIELD, code="unsupported_type")
    return CheckedFile(upload, clean_filename(upload.name, content_type), content_type, upload.size)


def refusal(name: str, kind: str) -> str:
    """Why a file of another type is refused, in words naming it."""
    if kind == "html":
        message = _("%(name)s: an HTML page is not taken, whatever its name; attach an image or a PDF.")
    elif kind == "svg":
        message = _("%(name)s: an SVG image is not taken, whatever its name; attach PNG, JPEG, GIF or WebP.")
    elif kind == "program":
        message = _("%(name)s: a program is not taken, whatever its name; attach an image or a PDF.")
    else:
        message = _("%(name)s: not a PNG, JPEG, GIF or WebP image nor a PDF, by its content.")
    return message % {"name": name}


@contextmanager
def removed_on_failure() -> Iterator[list[str]]:
    """A list for the names of the files written; if the block fails, they are deleted and it re-raises."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        delete_files(written)
        raise


def store_files(message: Message, checked: list[CheckedFile], written: list[str]) -> list[Attachment]:
    """Write the checked files as the message's attachments (in its transaction); names go to `written`."""
    stored = []
    for item in checked:
        attachment = Attachment(
            store_id=message.store_id,
            message=message,
            key=secrets.token_hex(16),
            filename=item.filename,
            content_type=item.content_type,
            size=item.size,
            created_at=message.created_at,
        )
        item.file.seek(0)
        attachment.file.save(attachment.key, item.file, save=False)
        written.append(attachment.file.name)
        attachment.save()
        stored.append(attachment)
    return stored
