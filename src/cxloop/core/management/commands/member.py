from django.core.management.base import BaseCommand, CommandError

from cxloop.core import invitations, members
from cxloop.core.audit import Actor
from cxloop.core.errors import DomainError
from cxloop.core.management.commands.store import _store
from cxloop.core.models import Membership

ROLES = ["owner", "admin", "agent"]


class Command(BaseCommand):
    help = "Invite staff by email, change their role or remove them (recorded in the audit log)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        invite = sub.add_parser("invite", help="Email a one-time link to join the store with a role.")
        invite.add_argument("email")
        invite.add_argument("--store", required=True, help="The store's slug.")
        invite.add_argument("--role", required=True, choices=ROLES)
        role = sub.add_parser("role", help="Change a member's role.")
        role.add_argument("email")
        role.add_argument("--store", required=True, help="The store's slug.")
        role.add_argument("--role", required=True, choices=ROLES)
        remove = sub.add_parser("remove", help="Remove a member from the store.")
        remove.add_argument("email")
        remove.add_argument("--store", required=True, help="The store's slug.")

    def handle(self, *args, action, email, store, **options):
        try:
            getattr(self, f"_{action}")(_store(store), email.strip().lower(), **options)
        except DomainError as error:
            raise CommandError(error.message) from None

    def _invite(self, store, email, role, **_):
        actor = Actor.command_line()
        invitation, sent = invitations.invite_member(store=store, email=email, role=role, actor=actor)
        if not sent:
            raise CommandError(
                f"The invitation for {invitation.email} is saved but the email could not be sent; "
                "check the email settings and run the command again."
            )
        self.stdout.write(
            f"Invited {invitation.email} to {store.slug} as {role}; the link works until "
            f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC."
        )

    def _role(self, store, email, role, **_):
        actor = Actor.command_line()
        membership = members.change_role(membership=_member(store, email), role=role, actor=actor)
        self.stdout.write(f"{email} is {membership.role} of {store.slug}.")

    def _remove(self, store, email, **_):
        members.remove_member(membership=_member(store, email), actor=Actor.command_line())
        self.stdout.write(f"{email} is no longer a member of {store.slug}.")


def _member(store, email):
    membership = Membership.objects.filter(store=store, user__username__iexact=email).first() or (
        Membership.objects.filter(store=store, user__email__iexact=email).first()
    )
    if membership is None:
        raise CommandError(f"{email} is not a member of {store.slug}.")
    return membership
