from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cxloop.commerce.models import Customer
from cxloop.demo import services
from cxloop.demo.generator import StoreNotEmpty, generate_store
from cxloop.demo.helpdesk import HelpdeskExists, conversations_for, generate_helpdesk


class Command(BaseCommand):
    help = "Fill a store with generated demo customers, orders, checkouts and events."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--conversations", type=int, default=None,
            help="Help-desk conversations of the last 90 days (default: 75 per 100 customers; 0 for none).",
        )  # fmt: skip
        parser.add_argument(
            "--store", default=services.DEMO_SLUG, help="Store slug; created (EUR) if missing."
        )

    def handle(self, *args, customers, seed, store, conversations, **options):
        if customers < 1:
            raise CommandError("--customers must be at least 1.")
        if conversations is not None and conversations < 0:
            raise CommandError("--conversations must be at least 0.")
        target, _ = services.ensure_store(slug=store)
        if Customer.objects.filter(store=target).exists():
            raise CommandError(
                f"Store {store!r} already has customers; seed a new store instead, e.g. --store {store}-2."
            )
        with tqdm(total=customers, unit="customer", disable=options["verbosity"] == 0) as bar:
            try:
                summary = generate_store(
                    store=target, customers=customers, seed=seed,
                    progress=lambda done, total: bar.update(done - bar.n),
                    notify=lambda text: bar.set_postfix_str(text, refresh=True),
                )  # fmt: skip
            except StoreNotEmpty as error:
                raise CommandError(str(error)) from None
        conversations = conversations_for(customers) if conversations is None else conversations
        if conversations:
            try:
                generate_helpdesk(store=target, seed=seed, conversations=conversations)
            except HelpdeskExists as error:
                raise CommandError(str(error)) from None
        rate = summary.customers / summary.elapsed_seconds if summary.elapsed_seconds else 0
        self.stdout.write(
            f"Seeded {target.slug}: {summary.customers} customers, {summary.orders} orders, "
            f"{summary.events} events in {summary.elapsed_seconds:.1f}s ({rate:,.0f} customers/s); "
            f"{conversations} help-desk conversations."
        )
