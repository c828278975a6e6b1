"""Survey links: which invitation (or which customer, on a web link) a URL speaks for.

An invitation link is `/s/<token>/` with token = sign("surveys.invitation",
"<invitation id>.<nonce>"). The nonce is 16 random bytes stored on the
invitation, so even a leaked SECRET_KEY does not let anyone guess links; the
signature makes an altered id or nonce fail before any query. The score a
customer clicked rides beside the token (`?score=9`) and is checked against
the survey's own scale, so a link cannot answer another survey, another
customer, or on another scale.
"""

from cxloop.core.models import Store
from cxloop.core.signedlinks import BadToken, make_token, read_token

from .errors import UnknownLink
from .models import Invitation, Survey

INVITATION = "surveys.invitation"
WEB_CUSTOMER = "surveys.web-customer"


def invitation_token(invitation: Invitation) -> str:
    return make_token(INVITATION, f"{invitation.pk}.{invitation.nonce}")


def read_invitation_token(token: str) -> Invitation:
    """The invitation a link token stands for; UnknownLink for any altered or foreign token."""
    pk, nonce = parse_invitation_token(token)
    # The survey's logo is served by its own view; a page need not read the blob. [:1] instead of
    # first(): the id is unique, and ORDER BY costs the ORM more than the query costs the database.
    found = (
        Invitation.objects.select_related("survey", "survey__store", "customer")
        .defer("survey__logo")
        .filter(pk=pk, nonce=nonce)[:1]
    )
    invitation = next(iter(found), None)
    if invitation is None:
        raise UnknownLink("This survey link is not valid.")
    return invitation


def parse_invitation_token(token: str) -> tuple[int, str]:
    """The (invitation id, nonce) a link token carries, checked by its signature; no query."""
    try:
        value = read_token(INVITATION, token)
        pk, nonce = value.split(".", 1)
        return int(pk), nonce
    except (BadToken, ValueError) as exc:
        raise UnknownLink("This survey link is not valid.") from exc


def web_customer_token(survey: Survey, customer_id: int) -> str:
    """A token that identifies a customer on a survey's web link (for identified links)."""
    return make_token(WEB_CUSTOMER, f"{survey.pk}.{customer_id}")


def read_web_customer_token(store: Store, survey: Survey, token: str) -> int:
    """The customer id an identified web link carries; UnknownLink if altered or for another survey."""
    try:
        survey_pk, customer_id = read_token(WEB_CUSTOMER, token).split(".", 1)
        if int(survey_pk) != survey.pk or survey.store_id != store.pk:
            raise ValueError("another survey")
        return int(customer_id)
    except (BadToken, ValueError) as exc:
        raise UnknownLink("This survey link is not valid.") from exc
