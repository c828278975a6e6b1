from django.core.management.base import BaseCommand, CommandError

from cxloop.core import queries, services
from cxloop.core.audit import Actor
from cxloop.core.errors import DomainError


class Command(BaseCommand):
    help = "Create stores and set their webhook secrets."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a store; prints its slug and a new API key.")
        create.add_argument("name")
        create.add_argument("--currency", required=True)
        create.add_argument("--timezone", default="UTC")
        create.add_argument("--language", default="en")
        create.add_argument("--slug", default="")
        secret = sub.add_parser("secret", help="Set the secret a platform signs webhooks with.")
        secret.add_argument("slug")
        secret.add_argument("platform", choices=["shopify", "woocommerce", "ecwid"])
        secret.add_argument("secret")
        secret.add_argument("--api-token", default="", help="Ecwid: token to fetch orders.")
        secret.add_argument("--external-store-id", default="", help="Ecwid: the store id.")
        key = sub.add_parser("apikey", help="Create another API key for a store.")
        key.add_argument("slug")
        key.add_argument("--name", default="default")
        key.add_argument("--publishable", action="store_true", help="Events only, for storefronts.")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as error:
            raise CommandError(error.message) from None

    def _create(self, name, currency, timezone, language, slug, **_):
        store, raw_key = services.create_store(
            name=name, currency=currency, timezone=timezone, language=language, slug=slug
        )
        self.stdout.write(f"Created store {store.name!r} slug={store.slug}")
        self.stdout.write(f"API key (shown once, keep it safe): {raw_key}")
        _, publishable = services.create_api_key(store=store, name="storefront", kind="publishable")
        self.stdout.write(f"Publishable key for the storefront snippet (events only): {publishable}")

    def _secret(self, slug, platform, secret, api_token, external_store_id, **_):
        store = _store(slug)
        services.set_webhook_secret(
            store=store, platform=platform, secret=secret,
            api_token=api_token, external_store_id=external_store_id, actor=Actor.command_line(),
        )  # fmt: skip
        self.stdout.write(f"Set the {platform} webhook secret of {store.slug}.")

    def _apikey(self, slug, name, publishable, **_):
        kind = "publishable" if publishable else "secret"
        _, raw_key = services.create_api_key(store=_store(slug), name=name, kind=kind)
        self.stdout.write(f"API key (shown once, keep it safe): {raw_key}")


def _store(slug):
    from django.http import Http404

    try:
        return queries.get_store_by_slug(slug)
    except Http404:
        raise CommandError(f"No store with slug {slug!r}.") from None
