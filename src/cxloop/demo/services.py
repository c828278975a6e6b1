"""The demo store: one call sets up a store, its logins and its data."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from cxloop.analytics.sync import sync_warehouse
from cxloop.core import services as core_services
from cxloop.core.models import Membership, Platform, Store
from cxloop.segments.services.members import refresh_store_members
from cxloop.segments.services.predictions import refresh_predictions
from cxloop.segments.services.segments import create_segment

from .chat import generate_chat
from .custom_survey import generate_custom_survey
from .generator import GenerationSummary, generate_store
from .helpcenter import generate_helpcenter
from .helpdesk import HelpdeskSummary, generate_helpdesk
from .shipments import generate_shipments
from .surveys import generate_surveys

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Store"
DEMO_CURRENCY = "EUR"
DEMO_TIMEZONE = "Europe/Warsaw"
OWNER_EMAIL = "demo@cxloop.test"
AGENT_EMAIL = "agent@cxloop.test"
# A demo only: printed on every `cxloop demo setup`, never used outside it.
DEMO_PASSWORD = "demo-password"
DEMO_CUSTOMERS = 2000
DEMO_CONVERSATIONS = 1500
DEMO_SEED = 42


@dataclass
class DemoSetup:
    store: Store
    created: bool
    api_key: str | None = None
    summary: GenerationSummary | None = None
    helpdesk: HelpdeskSummary | None = None


@transaction.atomic
def ensure_store(*, slug: str) -> tuple[Store, str | None]:
    """Return the store with this slug, creating it if missing; (store, API key if created).

    The demo store ("demo") comes with an owner, an agent and webhook secrets
    for Shopify, WooCommerce and Ecwid; any other slug is a bare EUR store.
    """
    store = Store.objects.filter(slug=slug).first()
    if store is not None:
        return store, None
    name = DEMO_NAME if slug == DEMO_SLUG else slug.replace("-", " ").title()
    store, api_key = core_services.create_store(
        name=name, currency=DEMO_CURRENCY, timezone=DEMO_TIMEZONE, slug=slug
    )
    if slug == DEMO_SLUG:
        core_services.add_staff(
            store=store, email=OWNER_EMAIL, role=Membership.Role.OWNER, password=DEMO_PASSWORD
        )
        core_services.add_staff(
            store=store, email=AGENT_EMAIL, role=Membership.Role.AGENT, password=DEMO_PASSWORD
        )
        for platform in (Platform.SHOPIFY, Platform.WOOCOMMERCE, Platform.ECWID):
            core_services.set_webhook_secret(store=store, platform=platform, secret=f"demo-{platform}-secret")
        # The storefront snippet and the surveys' widget code show it, ready to copy.
        core_services.create_api_key(store=store, name="storefront", kind="publishable")
    return store, api_key


DEMO_SEGMENTS = (
    ("Big spenders at risk", "amount_spent > 150 AND (rfm_group = 'AT_RISK' OR churn_risk > 60)"),
    ("Repeat buyers", "number_of_orders >= 2"),
    ("Unhappy and quiet", "last_nps_band = 'DETRACTOR' AND contacted_support(since: -90d) = false"),
    ("Predicted high spenders", "predicted_spend_tier = 'HIGH'"),
)


def setup_demo(*, progress: Callable[[int, int], None] | None = None) -> DemoSetup:
    """Create and fill the demo store unless it exists; safe to run again (then it changes nothing)."""
    if Store.objects.filter(slug=DEMO_SLUG).exists():
        return DemoSetup(store=Store.objects.get(slug=DEMO_SLUG), created=False)
    store, api_key = ensure_store(slug=DEMO_SLUG)
    summary = generate_store(store=store, customers=DEMO_CUSTOMERS, seed=DEMO_SEED, progress=progress)
    generate_surveys(store=store, seed=DEMO_SEED)
    generate_custom_survey(store=store, seed=DEMO_SEED)
    generate_shipments(store=store, seed=DEMO_SEED)
    helpdesk = generate_helpdesk(store=store, seed=DEMO_SEED, conversations=DEMO_CONVERSATIONS)
    generate_helpcenter(store=store)
    generate_chat(store=store)
    refresh_predictions(store)  # the worker does it daily; the demo shows them from the start
    for name, query in DEMO_SEGMENTS:  # after the predictions, which two of them use
        create_segment(store=store, name=name, query=query)
    refresh_store_members(store)  # the worker keeps them; the demo's segments have their rows at once
    sync_warehouse()  # the worker does it every half minute; the reports have data from the start
    return DemoSetup(store=store, created=True, api_key=api_key, summary=summary, helpdesk=helpdesk)
