"""`cxloop import shopify-customers FILE --store SLUG` (and shopify-orders)."""

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from tqdm import tqdm

from cxloop.core import queries
from cxloop.core.errors import InvalidInput

from ...imports import import_shopify_customers, import_shopify_orders

IMPORTS = {
    "shopify-customers": import_shopify_customers,
    "shopify-orders": import_shopify_orders,
}
PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = "Import a platform's CSV export (Shopify customers or orders) into a store."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTS))
        parser.add_argument("file", help="The CSV file as exported (UTF-8).")
        parser.add_argument("--store", required=True, help="The store's slug.")

    def handle(self, *args, kind, file, store, **options):
        target = _store(store)
        try:
            with (
                open(file, "rb") as stream,
                tqdm(file=_TqdmStream(self.stderr), unit="rows", desc=kind) as bar,
            ):
                summary = IMPORTS[kind](store=target, file=stream, progress=_updater(bar))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except InvalidInput as error:
            raise CommandError(error.message) from None
        self.stdout.write(summary.counts())
        for problem in summary.problems[:PROBLEMS_SHOWN]:
            self.stdout.write(str(problem))
        if len(summary.problems) > PROBLEMS_SHOWN:
            self.stdout.write(f"and {len(summary.problems) - PROBLEMS_SHOWN} more")


def _store(slug: str):
    try:
        return queries.get_store_by_slug(slug)
    except Http404:
        raise CommandError(f"No store with slug {slug!r}.") from None


def _updater(bar: tqdm):
    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return update


class _TqdmStream:
    """Django's OutputWrapper adds a newline to every write; tqdm redraws with \\r."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()
