"""Survey emails: the invitation with the score scale inside it, and the staff's low-score alert.

The invitation is built for clients that block images and scripts: the
score scale is a table of plain links (one per score, each opening
`/s/<token>/?score=N`), colours are inline and chosen for contrast, the
store's name is text and its logo an optional image with alt text. The
score a link carries is recorded only when the customer sends the page
(mail scanners fetch every link; see services/responses.py). Persian mail
is laid out right to left, the scale included: 0 sits at the right, where a
Persian reader starts.

Every invitation carries RFC 8058 one-click unsubscribe headers::

    List-Unsubscribe: <https://cx.example.com/u/<token>/>
    List-Unsubscribe-Post: List-Unsubscribe=One-Click

and a Message-ID derived from the invitation, the same on every retry.
Header values (the store's name, the subject) are reduced to one line here,
so no text an owner typed can add a header.
"""

import hashlib
import re
from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from cxloop.core import formats
from cxloop.flows.models import Contact
from cxloop.flows.services import unsubscribe_token

from .models import Invitation, Response, Survey
from .scoring import BAND_NAMES, SCALES
from .texts import build_texts
from .tokens import invitation_token

DEFAULT_COLOR = "#2563eb"
DARK_INK = "#18181b"
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
FONTS = "Arial,Helvetica,sans-serif"
RTL_FONTS = "Tahoma,Arial,sans-serif"  # Tahoma: Persian script on every desktop client
# Line breaks of any kind and other control characters: never inside a header value.
_NOT_IN_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True)
class ScoreLink:
    score: int
    label: str
    url: str


@dataclass(frozen=True)
class Brand:
    color: str  # the store's colour: the scale's cells and the top border
    ink: str  # text on that colour


def public_url(path: str) -> str:
    return f"{settings.CXLOOP_PUBLIC_URL}{path}"


def invitation_url(invitation: Invitation, score: int | None = None) -> str:
    url = public_url(reverse("surveys:answer", args=[invitation_token(invitation)]))
    return f"{url}?score={score}" if score is not None else url


def logo_url(survey: Survey) -> str:
    """The survey logo's public address (versioned: the view lets caches keep it), or "" without one."""
    if not survey.logo_type or not survey.public_id:
        return ""
    version = int(survey.updated_at.timestamp()) if survey.updated_at else 0
    return public_url(f"{reverse('surveys:logo', args=[survey.public_id])}?v={version}")


def show_number(number: int, language: str) -> str:
    """A score as the customer's language writes it: Persian digits in Persian."""
    return formats.localize_digits(str(number), language)


def build_brand(color: str) -> Brand:
    """The store's colour and the text colour that reads best on it (white or near-black)."""
    color = color.lower() if isinstance(color, str) and COLOR.fullmatch(color) else DEFAULT_COLOR
    light = _luminance(color)
    on_white = 1.05 / (light + 0.05)
    on_dark = (light + 0.05) / (_luminance(DARK_INK) + 0.05)
    return Brand(color=color, ink="#ffffff" if on_white >= on_dark else DARK_INK)


def _luminance(color: str) -> float:
    """WCAG relative luminance of #rrggbb."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(color[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def build_invitation_context(invitation: Invitation) -> dict:
    """What the invitation templates show, in the invitation's language (no unsubscribe link yet)."""
    survey = invitation.survey
    texts = build_texts(survey, invitation.language)
    scale = SCALES.get(survey.kind)
    scores = scale.scores if scale else []
    answer_url = invitation_url(invitation)  # signs the token once for every link
    return {
        "survey": survey,
        "store": survey.store,
        "texts": texts,
        "brand": build_brand(survey.brand_color),
        "logo_url": logo_url(survey),
        "customer_name": invitation.customer.first_name.strip() if invitation.customer else "",
        "answer_url": answer_url,
        "score_links": [
            ScoreLink(score, show_number(score, texts.language), f"{answer_url}?score={score}")
            for score in scores
        ],
        "start": "right" if texts.rtl else "left",
        "end": "left" if texts.rtl else "right",
        "direction": "rtl" if texts.rtl else "ltr",
        "font": RTL_FONTS if texts.rtl else FONTS,
        "unsubscribe_url": "",
    }


def build_invitation_email(invitation: Invitation, contact: Contact | None) -> EmailMultiAlternatives:
    """The message for one invitation, in its language, ready to send.

    `contact` is the ledger entry the invitation reserved; its unsubscribe
    link goes in the footer and the List-Unsubscribe headers.
    """
    context = build_invitation_context(invitation)
    headers = {"Message-ID": message_id(invitation)}
    if contact is not None:
        token = unsubscribe_token(contact, invitation.email)  # the address this message goes to
        unsubscribe = public_url(reverse("flows:unsubscribe", args=[token]))
        context["unsubscribe_url"] = unsubscribe
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    with translation.override(invitation.language):
        text = render_to_string("surveys/email/invitation.txt", context)
        html = render_to_string("surveys/email/invitation.html", context)
    message = EmailMultiAlternatives(
        subject=one_line(context["texts"].email_subject),
        body=text,
        from_email=sender_address(invitation.survey.store.name),
        to=[invitation.email],
        headers=headers,
        # A customer's reply reaches the store's support address (store settings), if it has one.
        reply_to=[invitation.survey.store.support_email] if invitation.survey.store.support_email else None,
    )
    message.attach_alternative(html, "text/html")
    return message


def build_low_score_email(response: Response, *, to: str, user_id: int) -> EmailMultiAlternatives:
    """The alert to one staff member about a low score, in the store's language."""
    survey = response.survey
    store = survey.store
    language = store.default_language or settings.LANGUAGE_CODE
    customer = response.customer
    if customer is not None:
        link = public_url(reverse("commerce:customer-detail", args=[customer.pk]))
    else:
        link = public_url(reverse("surveys:survey-detail", args=[survey.pk]))
    with translation.override(language), timezone.override(formats.store_zone(store)):
        context = {
            "response": response,
            "survey": survey,
            "store": store,
            "customer_name": customer.display_name if customer is not None else "",
            "scale": SCALES.get(survey.kind),
            "band_name": BAND_NAMES.get(survey.kind, {}).get(response.band, ""),
            "link": link,
            "language": language,
            "direction": "rtl" if translation.get_language_bidi() else "ltr",
        }
        subject = render_to_string("surveys/email/low_score_subject.txt", context)
        text = render_to_string("surveys/email/low_score.txt", context)
        html = render_to_string("surveys/email/low_score.html", context)
    message = EmailMultiAlternatives(
        subject=one_line(subject),
        body=text,
        from_email=sender_address("cxloop"),
        to=[to],
        headers={"Message-ID": _make_message_id(f"low-score.{response.pk}.{user_id}")},
    )
    message.attach_alternative(html, "text/html")
    return message


def one_line(value: str) -> str:
    """A header value on one line: line breaks and control characters become single spaces."""
    return " ".join(_NOT_IN_HEADER.sub(" ", str(value)).split())


def sender_address(name: str) -> str:
    """From: a display name (the store's) with the installation's sending address."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost"
    return formataddr((one_line(name), address))


def message_id(invitation: Invitation) -> str:
    """The invitation's Message-ID: the same for every attempt, so a resent copy is recognisable."""
    digest = hashlib.blake2b(invitation.nonce.encode(), digest_size=8).hexdigest()
    return _make_message_id(f"survey-invitation.{invitation.pk}.{digest}")


def _make_message_id(local_part: str) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<{local_part}@{domain}>"
