"""What a file is, read from its first bytes: the types the chat and staff replies carry.

    sniff(head)                          # "image/png", "application/pdf", ... or "" for any other type
    refused_kind(head)                   # "svg", "html", "program" or "": what a refused file is, to say so
    clean_filename("..\\\\faktura\\u202e.exe", "application/pdf")   # "faktura.exe.pdf"

A file's type is never taken from its name or from the browser's word for
it: an HTML page or an SVG image (both can run script) named `photo.png` is
still a page. The types taken are raster images and PDFs, the files a
shopper's widget can show and a customer's mail client opens without
running anything. A shopper's upload (chat.attachments) and an agent's
reply or note (helpdesk.services.staff_files) are both checked here, each
wording its own refusal.
"""

import unicodedata

from django.core.files import File

# The types taken, by their magic bytes, with the extensions a name of that type may keep.
EXTENSIONS = {
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "application/pdf": ("pdf",),
}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}  # never SVG: it can run script
HEAD_BYTES = 1024  # read to tell the type, and to name an HTML page or SVG image when refusing one
MAX_FILENAME = 200
# Programs by their first bytes: Windows (MZ), Linux (ELF), macOS (Mach-O, 32/64-bit, universal
# or a Java class), and scripts with a #! line.
PROGRAM_HEADS = (
    b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe", b"#!",
)  # fmt: skip


def read_head(file: File) -> bytes:
    """The file's first HEAD_BYTES, leaving it at its start for whoever reads it next."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return head


def sniff(head: bytes) -> str:
    """The type the file's magic bytes say, among those taken; "" for any other."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return ""


def refused_kind(head: bytes) -> str:
    """ "svg", "html" or "program" when a refused file is one of those (to say so), else ""."""
    if head.startswith(PROGRAM_HEADS):
        return "program"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text:
        return "svg"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")) or b"<html" in text:
        return "html"
    return ""


def display_name(filename: str) -> str:
    """The name as the sender gave it, safe to show: no folders, control or direction-changing characters."""
    name = str(filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Cc: control characters; Cf: format ones (right-to-left overrides, zero-width joiners) that
    # could make "gpj.exe" read as "exe.jpg".
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    return " ".join(name.split()).strip(" .")


def clean_filename(filename: str, content_type: str) -> str:
    """The name to keep for a file of `content_type`: display_name, ending in the type's extension."""
    name = display_name(filename)
    extensions = EXTENSIONS[content_type]
    stem, dot, extension = name.rpartition(".")
    if dot and extension.lower() in extensions and stem:
        return stem[: MAX_FILENAME - len(extension) - 1].rstrip(" .") + "." + extension
    return (name[: MAX_FILENAME - 6].rstrip(" .") or "file") + "." + extensions[0]
