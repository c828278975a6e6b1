from django.core.management.base import BaseCommand, CommandError

from cxloop.core import services
from cxloop.core.errors import DomainError
from cxloop.core.management.commands.store import _store


class Command(BaseCommand):
    help = "Give a person a role in a store (creating their login)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a staff login with a role in a store.")
        create.add_argument("email")
        create.add_argument("--store", required=True, help="The store's slug.")
        create.add_argument("--role", required=True, choices=["owner", "admin", "agent"])
        create.add_argument("--password", default=None)

    def handle(self, *args, action, email, store, role, password, **options):
        try:
            user, generated = services.add_staff(
                store=_store(store), email=email, role=role, password=password
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{user.username} is {role} of {store}.")
        if generated:
            self.stdout.write(f"Password (shown once): {generated}")
