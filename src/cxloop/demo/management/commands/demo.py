from django.core.management.base import BaseCommand
from tqdm import tqdm

from cxloop.demo import services


class Command(BaseCommand):
    help = "Set up the demo store with its logins and data (does nothing if it exists)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("setup", help="Create and fill the demo store unless it exists.")

    def handle(self, *args, action, **options):
        with tqdm(total=services.DEMO_CUSTOMERS, unit="customer", disable=options["verbosity"] == 0) as bar:  # noqa: E501
            setup = services.setup_demo(progress=lambda done, total: bar.update(done - bar.n))
        if setup.created:
            summary = setup.summary
            self.stdout.write(
                f"Created {setup.store.name}: {summary.customers} customers, {summary.orders} orders, "
                f"{summary.events} events, {setup.helpdesk.conversations} help-desk conversations."
            )
            self.stdout.write(f"API key (shown once, keep it safe): {setup.api_key}")
        else:
            self.stdout.write(f"{setup.store.name} already exists; nothing to do.")
        self.stdout.write("Open http://127.0.0.1:8000")
        self.stdout.write(f"Owner login: {services.OWNER_EMAIL}  password: {services.DEMO_PASSWORD}")
        self.stdout.write(f"Agent login: {services.AGENT_EMAIL}  password: {services.DEMO_PASSWORD}")
