from django.core.management.base import BaseCommand

from cxloop.core.management.commands.store import _store
from cxloop.core.models import Store
from cxloop.helpdesk.services.indexing import reindex_store


class Command(BaseCommand):
    help = "Rewrite the help desk's search index of one store's conversations, or of every store's."

    def add_arguments(self, parser):
        parser.add_argument("--store", help="The store's slug (default: every store).")

    def handle(self, *args, store=None, **options):
        stores = [_store(store)] if store else Store.objects.order_by("pk")
        total = sum(reindex_store(one) for one in stores)
        self.stdout.write(f"Indexed {total} conversations.")
