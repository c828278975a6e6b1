"""The invitation email: the score scale inside the message, one link per score.

Links, not buttons or images: the email works in clients that block images
and scripts. Each link opens the survey page with that score chosen; the
score is recorded when the customer submits the page (see
services/responses.py). Every invitation carries RFC 8058 one-click
unsubscribe headers.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from cxloop.flows.models import Contact
from cxloop.flows.services import unsubscribe_token

from .models import Invitation
from .scoring import SCALES
from .texts import build_texts
from .tokens import invitation_token


def public_url(path: str) -> str:
    return f"{settings.CXLOOP_PUBLIC_URL}{path}"


def invitation_url(invitation: Invitation, score: int | None = None) -> str:
    url = public_url(reverse("surveys:answer", args=[invitation_token(invitation)]))
    return f"{url}?score={score}" if score is not None else url


def build_invitation_context(invitation: Invitation) -> dict:
    survey = invitation.survey
    texts = build_texts(survey, invitation.language)
    scale = SCALES.get(survey.kind)
    return {
        "survey": survey,
        "store": survey.store,
        "texts": texts,
        "customer_name": invitation.customer.first_name if invitation.customer else "",
        "answer_url": invitation_url(invitation),
        "score_links": [(score, invitation_url(invitation, score)) for score in scale.scores]
        if scale
        else [],
    }


def build_invitation_email(invitation: Invitation, contact: Contact | None):
    """The message for one invitation, in its language, ready to send."""
    from .services.delivery import build_message

    context = build_invitation_context(invitation)
    headers = {}
    if contact is not None:
        unsubscribe = public_url(reverse("flows:unsubscribe", args=[unsubscribe_token(contact)]))
        context["unsubscribe_url"] = unsubscribe
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    with translation.override(invitation.language):
        text = render_to_string("surveys/email/invitation.txt", context)
        html = render_to_string("surveys/email/invitation.html", context)
    return build_message(
        subject=context["texts"].email_subject,
        text=text,
        html=html,
        to=invitation.email,
        store_name=invitation.survey.store.name,
        headers=headers,
    )
