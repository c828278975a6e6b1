"""The team API: members, invitations, API keys and the audit log of one store.

These endpoints act for a person, so they take the signed-in staff session
(cookie plus the CSRF token in `X-CSRFToken`), not a store API key: a key
speaks for no one, and every change here is written to the audit log under
the name of whoever made it. The store is in the path:

    GET    /api/v1/stores/{store_id}/members
    POST   /api/v1/stores/{store_id}/members/invitations      {"email": ..., "role": "agent"}
    PATCH  /api/v1/stores/{store_id}/members/{member_id}      {"role": "admin"}
    DELETE /api/v1/stores/{store_id}/members/{member_id}
    GET    /api/v1/stores/{store_id}/api-keys
    POST   /api/v1/stores/{store_id}/api-keys/{key_id}/revoke | rotate
    GET    /api/v1/stores/{store_id}/audit-log                (owners only)

A store the user is not a member of, and another store's member, invitation
or key id, answer 404; an agent answers 403; the role rules of
`core.members` answer 403 or 409 naming the problem.
"""

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf
from pydantic import ConfigDict, StrictStr

from . import apikeys, invitations, members, queries
from .audit import Actor
from .errors import Forbidden, NotFound, Unauthorized
from .inputs import DbId
from .models import Membership, Store
from .names import person_name
from .roles import has_role


class StaffSession(APIKeyCookie):
    """The signed-in staff session (Django's session cookie), with Django's CSRF check on writes."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "The staff session cookie; writes also need the CSRF token in X-CSRFToken."

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            raise Unauthorized(
                "Sign in as a member of the store: this API takes the staff session, not a store API key."
            )
        if check_csrf(request) is not None:
            raise Forbidden(
                "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header.",
                code="csrf_failed",
            )
        return request.user


router = Router(tags=["team"], auth=StaffSession())
RoleName = Literal["owner", "admin", "agent"]
AUDIT_MAX_LIMIT = 500


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    error: str
    detail: str
    field: str | None = None


class MemberOut(Schema):
    id: int
    user_id: int
    email: str
    name: str
    role: str
    created_at: datetime

    @staticmethod
    def resolve_email(obj) -> str:
        return obj.user.email

    @staticmethod
    def resolve_name(obj) -> str:
        return person_name(obj.user.first_name, obj.user.last_name)


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    sent_at: datetime
    expires_at: datetime
    invited_by: str | None

    @staticmethod
    def resolve_invited_by(obj) -> str | None:
        return obj.invited_by.email if obj.invited_by else None


class InviteIn(StrictIn):
    email: StrictStr = Field(max_length=254)
    role: RoleName


class InviteOut(Schema):
    invitation: InvitationOut
    email_sent: bool = Field(description="False if the mail server refused it: send it again later.")


class RoleIn(StrictIn):
    role: RoleName


class ApiKeyOut(Schema):
    id: int
    name: str
    kind: str
    starts_with: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @staticmethod
    def resolve_starts_with(obj) -> str:
        return f"{obj.prefix}{obj.lookup}"


class RotatedOut(Schema):
    key: ApiKeyOut
    secret: str = Field(description="The new key, shown this once; cxloop keeps only its hash.")
    revoked: ApiKeyOut


class AuditOut(Schema):
    id: int
    created_at: datetime
    actor_id: int | None
    actor: str = Field(alias="actor_label")
    action: str
    target: str
    detail: dict
    ip: str | None
    user_agent: str


def _store(request, store_id: DbId, minimum: str) -> Store:
    """The store if the user is a member (else 404) with at least `minimum` (else 403)."""
    membership = (
        Membership.objects.select_related("store").filter(user=request.user, store_id=store_id).first()
    )
    if membership is None:
        raise NotFound("No such store.")
    if not has_role(membership, minimum):
        raise Forbidden("Your role in this store does not allow this.")
    return membership.store


def _found(lookup, *args):
    """A store-scoped `get_*` query, its Http404 turned into the API's 404 shape."""
    try:
        return lookup(*args)
    except Http404 as missing:
        raise NotFound(str(missing)) from None


ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.get("/stores/{store_id}/members", response={200: list[MemberOut], **ERRORS}, summary="List members")
def list_members(request, store_id: DbId):
    return list(queries.list_members(_store(request, store_id, Membership.Role.ADMIN)))


@router.get(
    "/stores/{store_id}/members/invitations",
    response={200: list[InvitationOut], **ERRORS},
    summary="List pending invitations",
)
def list_invitations(request, store_id: DbId):
    return list(queries.list_pending_invitations(_store(request, store_id, Membership.Role.ADMIN)))


@router.post(
    "/stores/{store_id}/members/invitations",
    response={201: InviteOut, **ERRORS},
    summary="Invite a person by email",
)
def invite(request, store_id: DbId, payload: InviteIn):
    store = _store(request, store_id, Membership.Role.ADMIN)
    invitation, sent = invitations.invite_member(
        store=store, email=payload.email, role=payload.role, actor=Actor.from_request(request)
    )
    return Status(201, {"invitation": invitation, "email_sent": sent})


@router.post(
    "/stores/{store_id}/members/invitations/{invitation_id}/resend",
    response={200: InviteOut, **ERRORS},
    summary="Send an invitation again (a new link; the old one stops working)",
)
def resend_invitation(request, store_id: DbId, invitation_id: DbId):
    store = _store(request, store_id, Membership.Role.ADMIN)
    invitation = _found(queries.get_pending_invitation, store, invitation_id)
    invitation, sent = invitations.resend_invitation(invitation=invitation, actor=Actor.from_request(request))
    return {"invitation": invitation, "email_sent": sent}


@router.delete(
    "/stores/{store_id}/members/invitations/{invitation_id}",
    response={204: None, **ERRORS},
    summary="Revoke an invitation",
)
def revoke_invitation(request, store_id: DbId, invitation_id: DbId):
    store = _store(request, store_id, Membership.Role.ADMIN)
    invitation = _found(queries.get_pending_invitation, store, invitation_id)
    invitations.revoke_invitation(invitation=invitation, actor=Actor.from_request(request))
    return Status(204, None)


@router.patch(
    "/stores/{store_id}/members/{member_id}", response={200: MemberOut, **ERRORS}, summary="Change a role"
)
def change_role(request, store_id: DbId, member_id: DbId, payload: RoleIn):
    store = _store(request, store_id, Membership.Role.ADMIN)
    membership = _found(queries.get_member, store, member_id)
    return members.change_role(membership=membership, role=payload.role, actor=Actor.from_request(request))


@router.delete(
    "/stores/{store_id}/members/{member_id}", response={204: None, **ERRORS}, summary="Remove a member"
)
def remove_member(request, store_id: DbId, member_id: DbId):
    store = _store(request, store_id, Membership.Role.ADMIN)
    membership = _found(queries.get_member, store, member_id)
    members.remove_member(membership=membership, actor=Actor.from_request(request))
    return Status(204, None)


@router.get("/stores/{store_id}/api-keys", response={200: list[ApiKeyOut], **ERRORS}, summary="List API keys")
def list_api_keys(request, store_id: DbId):
    return list(queries.list_api_keys(_store(request, store_id, Membership.Role.ADMIN)))


@router.post(
    "/stores/{store_id}/api-keys/{key_id}/revoke",
    response={200: ApiKeyOut, **ERRORS},
    summary="Revoke an API key",
)
def revoke_api_key(request, store_id: DbId, key_id: DbId):
    store = _store(request, store_id, Membership.Role.ADMIN)
    key = _found(queries.get_api_key, store, key_id)
    return apikeys.revoke_api_key(key=key, actor=Actor.from_request(request))


@router.post(
    "/stores/{store_id}/api-keys/{key_id}/rotate",
    response={201: RotatedOut, **ERRORS},
    summary="Replace an API key with a new one",
)
def rotate_api_key(request, store_id: DbId, key_id: DbId):
    store = _store(request, store_id, Membership.Role.ADMIN)
    key = _found(queries.get_api_key, store, key_id)
    new_key, raw = apikeys.rotate_api_key(key=key, actor=Actor.from_request(request))
    key.refresh_from_db()
    return Status(201, {"key": new_key, "secret": raw, "revoked": key})


@router.get(
    "/stores/{store_id}/audit-log",
    response={200: list[AuditOut], **ERRORS},
    summary="The audit log, newest first (owners only)",
)
@paginate(LimitOffsetPagination, max_limit=AUDIT_MAX_LIMIT)
def audit_log(request, store_id: DbId):
    return queries.list_audit_log(_store(request, store_id, Membership.Role.OWNER))
