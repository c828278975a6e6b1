"""Encrypt every stored secret again with the first key of CXLOOP_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand

from cxloop.core.secrets import reencrypt_all_secrets


class Command(BaseCommand):
    help = (
        "Encrypt every stored secret with the first key in CXLOOP_ENCRYPTION_KEYS, "
        "so older keys can then be removed."
    )

    def handle(self, *args, **options):
        count = reencrypt_all_secrets()
        self.stdout.write(f"Encrypted {count} stored secrets with the first key.")
