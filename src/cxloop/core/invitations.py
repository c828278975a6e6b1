"""Invitations: a person joins a store through a one-time link sent by email.

An invitation link looks like ``/invitations/<id>.<nonce>.<signature>/``:
the signature (Django's signing, purpose ``core.invitation``) rejects any
altered link before the database is asked; the row keeps only the nonce's
SHA-256. A link works for INVITATION_VALID_FOR, once, and never after it
was revoked or sent again (which makes a new nonce). The role rules of
`core.members` apply: nobody invites above their own role.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import audit
from .audit import Actor
from .errors import Conflict, Forbidden, Gone, InvalidInput, NotFound
from .members import authority, check_grant, check_role_value, lock_team, normalise_email
from .models import AuditLog, MemberInvitation, Membership, Store
from .signedlinks import BadToken, make_token, read_token

logger = logging.getLogger(__name__)

INVITATION_VALID_FOR = timedelta(hours=72)
TOKEN_PURPOSE = "core.invitation"
HAS_ACCOUNT = "An account with this address exists: sign in to accept."


def _new_nonce(invitation: MemberInvitation) -> str:
    nonce = secrets.token_urlsafe(24)
    invitation.nonce_hash = hashlib.sha256(nonce.encode()).hexdigest()
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + INVITATION_VALID_FOR
    return nonce


def invite_member(*, store: Store, email: str, role: str, actor: Actor) -> tuple[MemberInvitation, bool]:
    """Invite a person by email to join the store with a role; return (invitation, email sent?).

    The email carries a one-time link valid for INVITATION_VALID_FOR. An
    earlier pending invitation of the same address is revoked. The email is
    sent after the invitation commits; if the mail server refuses it, the
    invitation stays and can be sent again.
    """
    email = normalise_email(email)
    check_role_value(role)
    with transaction.atomic():
        lock_team(store)
        check_grant(role, authority(store, actor))
        if (
            Membership.objects.filter(store=store)
            .filter(Q(user__email__iexact=email) | Q(user__username__iexact=email))
            .exists()
        ):
            raise Conflict(f"{email} is already a member of this store.", field="email")
        now = timezone.now()
        list_pending_invitations_for(store, email).update(revoked_at=now)
        invitation = MemberInvitation(store=store, email=email, role=role, invited_by=actor.user)
        nonce = _new_nonce(invitation)
        invitation.save()
        audit.record(
            store=store, actor=actor, action=AuditLog.Action.MEMBER_INVITED,
            target=email, detail={"role": role, "invitation": invitation.pk},
        )  # fmt: skip
    return invitation, _send_invitation(invitation, nonce)


def resend_invitation(*, invitation: MemberInvitation, actor: Actor) -> tuple[MemberInvitation, bool]:
    """Send a pending invitation again with a new link (the old link stops working) and a new expiry."""
    with transaction.atomic():
        invitation = MemberInvitation.objects.select_for_update().get(pk=invitation.pk)
        check_grant(invitation.role, authority(invitation.store, actor))
        if not invitation.is_pending:
            raise Conflict("This invitation was already accepted or revoked.", code="not_pending")
        nonce = _new_nonce(invitation)
        invitation.save(update_fields=["nonce_hash", "sent_at", "expires_at"])
        audit.record(
            store=invitation.store, actor=actor, action=AuditLog.Action.INVITATION_RESENT,
            target=invitation.email, detail={"invitation": invitation.pk},
        )  # fmt: skip
    return invitation, _send_invitation(invitation, nonce)


def revoke_invitation(*, invitation: MemberInvitation, actor: Actor) -> MemberInvitation:
    """Revoke a pending invitation: its link stops working at once."""
    with transaction.atomic():
        authority(invitation.store, actor)
        revoked = MemberInvitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if not revoked:
            raise Conflict("This invitation was already accepted or revoked.", code="not_pending")
        audit.record(
            store=invitation.store, actor=actor, action=AuditLog.Action.INVITATION_REVOKED,
            target=invitation.email, detail={"invitation": invitation.pk},
        )  # fmt: skip
    invitation.refresh_from_db()
    return invitation


def build_invitation_url(invitation: MemberInvitation, nonce: str) -> str:
    token = make_token(TOKEN_PURPOSE, f"{invitation.pk}.{nonce}")
    return settings.CXLOOP_PUBLIC_URL + reverse("web:invitation", kwargs={"token": token})


def _send_invitation(invitation: MemberInvitation, nonce: str) -> bool:
    """Email the link (the only place the nonce ever goes); False if the mail server refused it."""
    store = invitation.store
    with translation.override(store.default_language):
        context = {
            "store": store,
            "invitation": invitation,
            "url": build_invitation_url(invitation, nonce),
            "inviter": invitation.invited_by.email if invitation.invited_by else "",
            "valid_hours": int(INVITATION_VALID_FOR.total_seconds() // 3600),
        }
        subject = render_to_string("core/invitation_subject.txt", context).strip()
        body = render_to_string("core/invitation_email.txt", context)
    message = EmailMessage(subject=subject, body=body, to=[invitation.email])
    try:
        message.send()
    except Exception:  # noqa: BLE001 - any mail failure: the invitation stays, to be sent again
        logger.exception("Invitation %s could not be sent", invitation.pk)
        return False
    return True


def get_invitation_by_token(token: str) -> MemberInvitation:
    """The pending invitation a link points at.

    Raises NotFound for a link that is not ours (altered, empty, unknown,
    replaced by a newer link), Gone for an expired, used or revoked one.
    """
    try:
        value = read_token(TOKEN_PURPOSE, token)
        raw_id, nonce = value.split(".", 1)
        invitation_id = int(raw_id)
    except (BadToken, ValueError):
        raise NotFound("This invitation link is not valid.") from None
    invitation = MemberInvitation.objects.select_related("store").filter(pk=invitation_id).first()
    digest = hashlib.sha256(nonce.encode()).hexdigest()
    if invitation is None or not hmac.compare_digest(invitation.nonce_hash, digest):
        raise NotFound("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        raise Gone("This invitation was already used.", code="invitation_used")
    if invitation.revoked_at is not None:
        raise Gone("This invitation was withdrawn.", code="invitation_revoked")
    if invitation.expires_at <= timezone.now():
        raise Gone("This invitation has expired: ask for a new one.", code="invitation_expired")
    return invitation


def has_account(email: str) -> bool:
    User = get_user_model()
    return User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists()


def _claim(invitation: MemberInvitation, user) -> None:
    """Mark the invitation used, exactly once even if two requests race."""
    now = timezone.now()
    claimed = MemberInvitation.objects.filter(
        pk=invitation.pk, nonce_hash=invitation.nonce_hash, accepted_at__isnull=True,
        revoked_at__isnull=True, expires_at__gt=now,
    ).update(accepted_at=now, accepted_by=user)  # fmt: skip
    if not claimed:
        raise Gone("This invitation was already used.", code="invitation_used")


def _join(invitation: MemberInvitation, user, actor: Actor) -> Membership:
    _claim(invitation, user)
    membership, created = Membership.objects.get_or_create(
        user=user, store=invitation.store, defaults={"role": invitation.role}
    )
    detail = {"role": membership.role, "invitation": invitation.pk}
    if not created:
        detail["already_member"] = True
    audit.record(
        store=invitation.store, actor=actor, action=AuditLog.Action.INVITATION_ACCEPTED,
        target=invitation.email, detail=detail,
    )  # fmt: skip
    return membership


def accept_invitation_with_new_account(*, token: str, name: str, password: str, actor: Actor) -> Membership:
    """Create the invitee's account (name, password) and make them a member, using up the link.

    An address that already has an account must sign in and accept instead
    (Conflict), so a link never sets another account's password.
    """
    name = (name or "").strip()
    if not name or len(name) > 150:
        raise InvalidInput("Enter your name (up to 150 characters).", field="name")
    with transaction.atomic():
        invitation = get_invitation_by_token(token)
        if has_account(invitation.email):
            raise Conflict(HAS_ACCOUNT, code="has_account")
        User = get_user_model()
        user = User(username=invitation.email, email=invitation.email, first_name=name)
        try:
            validate_password(password or "", user)
        except ValidationError as error:
            raise InvalidInput(" ".join(error.messages), field="password") from None
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise Conflict(HAS_ACCOUNT, code="has_account") from None
        return _join(invitation, user, Actor(user, invitation.email, actor.ip, actor.user_agent))


def accept_invitation(*, token: str, actor: Actor) -> Membership:
    """Make the signed-in invitee a member, using up the link; the account must have the invited address."""
    with transaction.atomic():
        invitation = get_invitation_by_token(token)
        user = actor.user
        if user is None:
            raise Forbidden("Sign in with the invited account first.", code="sign_in_first")
        addresses = {(user.email or "").lower(), user.get_username().lower()}
        if invitation.email not in addresses:
            raise Forbidden(
                "This invitation was sent to another address: sign in with that account.",
                code="other_account",
            )
        return _join(invitation, user, actor)


def list_pending_invitations_for(store: Store, email: str):
    return MemberInvitation.objects.filter(
        store=store, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
