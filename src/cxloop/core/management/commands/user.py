from django.core.management.base import BaseCommand, CommandError

from cxloop.core import invitations, members
from cxloop.core.audit import Actor
from cxloop.core.errors import DomainError
from cxloop.core.management.commands.store import _store


class Command(BaseCommand):
    help = "Give a person a role in a store: by an emailed one-time link, or with a password you choose."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser(
            "create",
            help="Invite a person by email (a one-time link to set their password), "
            "or with --password create their login directly.",
        )
        create.add_argument("email")
        create.add_argument("--store", required=True, help="The store's slug.")
        create.add_argument("--role", required=True, choices=["owner", "admin", "agent"])
        create.add_argument("--password", default=None, help="Set this password instead of inviting.")

    def handle(self, *args, action, email, store, role, password, **options):
        store_row = _store(store)
        try:
            if password is None:
                invitation, sent = invitations.invite_member(
                    store=store_row, email=email, role=role, actor=Actor.command_line()
                )
            else:
                membership = members.add_member_with_password(
                    store=store_row, email=email, role=role, password=password, actor=Actor.command_line()
                )
        except DomainError as error:
            raise CommandError(error.message) from None
        if password is not None:
            self.stdout.write(f"{membership.user.username} is {role} of {store}.")
        elif sent:
            self.stdout.write(f"Invitation sent to {invitation.email}: the link lets them set a password.")
        else:
            raise CommandError(
                f"The invitation for {invitation.email} is saved but the email could not be sent; "
                "check the email settings and run `cxloop member invite` again."
            )
