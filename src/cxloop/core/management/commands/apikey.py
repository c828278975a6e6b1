from django.core.management.base import BaseCommand, CommandError

from cxloop.core import apikeys, queries
from cxloop.core.audit import Actor
from cxloop.core.errors import DomainError
from cxloop.core.management.commands.store import _store
from cxloop.core.models import ApiKey


class Command(BaseCommand):
    help = "List, revoke and rotate a store's API keys (recorded in the audit log)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="List the store's keys (only their start is known).")
        listing.add_argument("--store", required=True, help="The store's slug.")
        for name, text in [
            ("revoke", "Revoke a key: the API refuses it within seconds."),
            ("rotate", "Replace a key with a new one (printed once); the old one is revoked."),
        ]:
            action = sub.add_parser(name, help=text)
            action.add_argument("key", help="The key's start as listed, e.g. cxk_1a2b3c4d5e6f.")
            action.add_argument("--store", required=True, help="The store's slug.")

    def handle(self, *args, action, store, **options):
        try:
            getattr(self, f"_{action}")(_store(store), **options)
        except DomainError as error:
            raise CommandError(error.message) from None

    def _list(self, store, **_):
        for key in queries.list_api_keys(store):
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
            self.stdout.write(f"{key.prefix}{key.lookup}\t{key.kind}\t{state}\t{key.name}")

    def _revoke(self, store, key, **_):
        row = apikeys.revoke_api_key(key=_key(store, key), actor=Actor.command_line())
        self.stdout.write(f"Revoked {row.prefix}{row.lookup} ({row.name}) of {store.slug}.")

    def _rotate(self, store, key, **_):
        old = _key(store, key)
        _, raw = apikeys.rotate_api_key(key=old, actor=Actor.command_line())
        self.stdout.write(f"Revoked {old.prefix}{old.lookup}. New key (shown once, keep it safe): {raw}")


def _key(store, text):
    text = text.strip()
    lookup = next((text[len(p) :] for p in ApiKey.PREFIXES.values() if text.startswith(p)), text)
    key = queries.list_api_keys(store).filter(lookup=lookup.split("_", 1)[0]).first()
    if key is None:
        raise CommandError(f"{store.slug} has no API key starting {text!r}.")
    return key
