"""Print a new Fernet key for CXLOOP_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand

from cxloop.core.encryption import generate_key


class Command(BaseCommand):
    help = "Print a new key for CXLOOP_ENCRYPTION_KEYS (put it first to rotate)."

    def handle(self, *args, **options):
        self.stdout.write(generate_key())
