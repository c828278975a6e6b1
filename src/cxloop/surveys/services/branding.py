"""A survey's logo: a small PNG, JPEG or WebP image, recognised by its bytes, never by its name."""

from django.db import transaction

from cxloop.core.errors import InvalidInput

from ..models import Survey

MAX_LOGO_BYTES = 200_000


def sniff_image_type(data: bytes) -> str:
    """The content type of PNG, JPEG or WebP bytes; "" for anything else (SVG, HTML, GIF, ...)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return ""


@transaction.atomic
def set_logo(*, survey: Survey, data: bytes) -> Survey:
    """Store a survey's logo; InvalidInput if it is not a PNG, JPEG or WebP of at most 200 KB."""
    if not data:
        raise InvalidInput("The logo file is empty.", field="logo")
    if len(data) > MAX_LOGO_BYTES:
        raise InvalidInput(f"The logo is larger than {MAX_LOGO_BYTES // 1000} KB.", field="logo")
    content_type = sniff_image_type(data)
    if not content_type:
        raise InvalidInput("The logo must be a PNG, JPEG or WebP image.", field="logo")
    survey.logo = data
    survey.logo_type = content_type
    survey.save(update_fields=["logo", "logo_type", "updated_at"])
    return survey


@transaction.atomic
def remove_logo(*, survey: Survey) -> Survey:
    """Remove a survey's logo."""
    survey.logo = b""
    survey.logo_type = ""
    survey.save(update_fields=["logo", "logo_type", "updated_at"])
    return survey
