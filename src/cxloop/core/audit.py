"""The audit log of staff and credential changes: who, what, when, from where.

Every verb that changes who may act for a store (invitations, roles,
removals, API keys) takes an `Actor` and records one `AuditLog` row inside
its own transaction, so a change and its record commit or roll back together::

    actor = Actor.from_request(request)      # the staff member, IP and user agent
    actor = Actor.command_line()             # `cxloop member ...`: no person, "command line"
    members.remove_member(membership=m, actor=actor)
"""

from dataclasses import dataclass

from .http import client_ip
from .models import AuditLog, Store

USER_AGENT_MAX = 500


@dataclass(frozen=True)
class Actor:
    """Who is making a change: a signed-in user (with where from), or the command line."""

    user: object | None
    label: str
    ip: str | None = None
    user_agent: str = ""
    is_command_line: bool = False

    @classmethod
    def from_request(cls, request) -> "Actor":
        """The signed-in user of the request (or nobody yet, on the invitation page)."""
        user = request.user if request.user.is_authenticated else None
        return cls(
            user=user,
            label=(user.email or user.get_username()) if user else "",
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX],
        )

    @classmethod
    def command_line(cls) -> "Actor":
        return cls(user=None, label=AuditLog.COMMAND_LINE, is_command_line=True)


def record(*, store: Store, actor: Actor, action: str, target: str, detail: dict | None = None) -> AuditLog:
    """Write one audit row; call it inside the transaction of the change it records."""
    return AuditLog.objects.create(
        store=store,
        actor=actor.user,
        actor_label=actor.label[:254],
        action=action,
        target=target[:254],
        detail=detail or {},
        ip=actor.ip,
        user_agent=actor.user_agent,
    )
