"""Every page, in every shipped script, at desktop and phone widths: it answers, reads in its
language, and nothing sticks out sideways on a phone.

Screenshots go to var/screenshots/<language>/<width>/<page>.png for people to look at.
With CXLOOP_GUIDE_SCREENSHOTS=1 the English desktop pictures of docs/guide.md are
written to docs/guide/ too (viewport only, 1280x800).
"""

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Browser, Page

from cxloop.commerce.models import Customer, Order
from cxloop.demo import services as demo
from cxloop.demo.generator import generate_store
from cxloop.demo.helpdesk import generate_helpdesk
from cxloop.demo.surveys import generate_surveys
from cxloop.helpdesk.models import Conversation
from cxloop.hooks import services as hooks_services
from cxloop.hooks.models import WebhookDelivery
from cxloop.surveys import services as survey_services
from cxloop.surveys.models import Survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
GUIDE = ROOT / "docs" / "guide"
LANGUAGES = ["en", "fa", "zh-hans", "zh-hant"]
# The browser's own language: the public answer page follows it (staff pages follow the UI cookie).
BROWSER_LOCALES = {"en": "en-US", "fa": "fa-IR", "zh-hans": "zh-CN", "zh-hant": "zh-TW"}
WIDTHS = {"desktop": 1280, "phone": 390}
# The pictures docs/guide.md uses: page name here -> file name there.
GUIDE_PAGES = {
    "settings": "settings",
    "integrations": "integrations",
    "import": "import",
    "survey-builder": "survey-builder",
    "survey-send": "survey-send",
    "results": "results",
    "comments": "comments",
    "api-docs": "api-docs",
}
ENGLISH_NAV = {
    "Overview", "Customers", "Orders", "Surveys", "Integrations", "Settings", "Team", "Audit", "Outbox",
    "Help", "desk", "Webhooks",
}  # fmt: skip


@dataclass
class Shot:
    language: str
    width_name: str
    name: str
    folder: Path
    guide: bool

    def __str__(self) -> str:
        return f"{self.language}/{self.width_name}/{self.name}"


def check(page: Page, shot: Shot, status: int, expected_status: int = 200) -> list[str]:
    """What is wrong with the page on screen (nothing, or a line per problem); saves its screenshot."""
    problems = []
    if status != expected_status:
        problems.append(f"{shot}: answered {status}")
    if shot.name != "api-docs":
        lang = page.locator("html").get_attribute("lang")
        if (lang or "").lower() != shot.language:
            problems.append(f"{shot}: <html lang={lang!r}>")
    width = page.viewport_size["width"]
    if width < 500:
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner + 1:
            problems.append(f"{shot}: {scroll}px wide in a {inner}px window")
    nav = page.get_by_role("navigation", name="Main")
    if shot.language != "en" and nav.count():
        leftovers = ENGLISH_NAV & set(nav.all_inner_texts()[0].split())
        if leftovers:
            problems.append(f"{shot}: untranslated {sorted(leftovers)}")
    untranslated_404 = shot.name == "not-found" and page.locator("h1").inner_text() == "Page not found"
    if shot.language != "en" and untranslated_404:
        problems.append(f"{shot}: untranslated 404 page")
    height = min(page.evaluate("document.documentElement.scrollHeight"), 2400)
    clip = {"x": 0, "y": 0, "width": width, "height": height}
    page.screenshot(path=shot.folder / f"{shot.name}.png", full_page=True, clip=clip)
    if shot.guide and shot.language == "en" and shot.width_name == "desktop" and shot.name in GUIDE_PAGES:
        GUIDE.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=GUIDE / f"{GUIDE_PAGES[shot.name]}.png")
    return problems


@pytest.fixture
def demo_store(transactional_db, settings, live_server, task_worker):
    cache.clear()
    settings.CXLOOP_PUBLIC_URL = live_server.url
    settings.CXLOOP_DEV_OUTBOX = True
    settings.EMAIL_BACKEND = "cxloop.core.mail_outbox.OutboxBackend"
    store, _ = demo.ensure_store(slug=demo.DEMO_SLUG)
    generate_store(store=store, customers=400, seed=demo.DEMO_SEED)
    generate_surveys(store=store, seed=demo.DEMO_SEED)
    generate_helpdesk(store=store, seed=demo.DEMO_SEED, conversations=40)
    survey = Survey.objects.filter(store=store, kind="nps").order_by("pk").first()
    customer = Customer.objects.filter(store=store, orders__isnull=False).order_by("pk").first()
    invitee = Customer.objects.filter(store=store, language="fa").first() or customer
    with task_worker.committing():
        survey_services.invite_customer(survey=survey, customer=invitee)
    task_worker.run_ready()
    yield store, survey, customer
    cache.clear()


def page_paths(survey, customer) -> dict[str, str]:
    order = Order.objects.filter(customer=customer).order_by("pk").first()
    conversations = Conversation.objects.filter(store=survey.store, customer__isnull=False)
    conversation = conversations.order_by("pk").first()
    endpoint = hooks_services.create_endpoint(
        store=survey.store, url="https://hooks.example.com/cxloop/in", events=["ping"], description="ERP"
    )
    delivery = hooks_services.send_test_event(endpoint=endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="pending", attempts=1, last_status_code=503, last_error="The receiver answered HTTP 503."
    )
    return {
        "overview": reverse("web:overview"),
        "customers": reverse("commerce:customer-list"),
        "customer-detail": reverse("commerce:customer-detail", args=[customer.pk]),
        "orders": reverse("commerce:order-list"),
        "order-detail": reverse("commerce:order-detail", args=[order.pk]),
        "surveys": reverse("surveys:survey-list"),
        "survey-detail": reverse("surveys:survey-detail", args=[survey.pk]),
        "survey-builder": reverse("surveys:survey-create", args=["nps"]),
        "survey-send": reverse("surveys:survey-send", args=[survey.pk]),
        "results": reverse("surveys:survey-results", args=[survey.pk]),
        "comments": reverse("surveys:survey-comments", args=[survey.pk]),
        "integrations": reverse("commerce:integrations"),
        "import": reverse("commerce:import"),
        "settings": reverse("web:settings"),
        "helpdesk": reverse("helpdesk:inbox"),
        "conversation": reverse("helpdesk:conversation", args=[conversation.pk]),
        "mailboxes": reverse("helpdesk:mailbox-list"),
        "helpdesk-teams": reverse("helpdesk:team-list"),
        "canned-replies": reverse("helpdesk:canned-list"),
        "macros": reverse("helpdesk:macro-list"),
        "rules": reverse("helpdesk:rule-list"),
        "rule-new": reverse("helpdesk:rule-new"),
        "sla-policies": reverse("helpdesk:sla-policy-list"),
        "helpdesk-settings": reverse("helpdesk:settings"),
        "store-actions": reverse("helpdesk:action-settings"),
        "helpdesk-reports": reverse("helpdesk:reports"),
        "contact-form": reverse("helpdesk-public:contact-form", args=[survey.store.slug]),
        "webhooks": reverse("hooks:endpoint-list"),
        "webhook-endpoint": reverse("hooks:endpoint-detail", args=[endpoint.pk]),
        "team": reverse("web:team"),
        "audit-log": reverse("web:audit-log"),
        "outbox": reverse("web:outbox"),
        "api-docs": "/api/docs",
        "public-answer": reverse("surveys:web-answer", args=[survey.public_id]),
        "not-found": "/no-such-page/",
    }


def test_every_page_in_every_script_at_desktop_and_phone_width(browser: Browser, live_server, demo_store):
    _, survey, customer = demo_store
    paths = page_paths(survey, customer)
    guide = os.environ.get("CXLOOP_GUIDE_SCREENSHOTS") == "1"
    problems = []
    for language in LANGUAGES:
        for width_name, width in WIDTHS.items():
            folder = SHOTS / language / width_name
            folder.mkdir(parents=True, exist_ok=True)
            context = browser.new_context(
                viewport={"width": width, "height": 800 if width > 500 else 844},
                device_scale_factor=1,
                locale=BROWSER_LOCALES[language],
            )
            context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
            page = context.new_page()

            def where(name, language=language, width_name=width_name, folder=folder):
                return Shot(language, width_name, name, folder, guide)

            response = page.goto(f"{live_server.url}/login/")
            problems += check(page, where("login"), response.status)
            page.locator("input[name=username]").fill(demo.OWNER_EMAIL)
            page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
            page.locator("form button[type=submit]").first.click()
            page.wait_for_url(f"{live_server.url}/")
            for name, path in paths.items():
                response = page.goto(f"{live_server.url}{path}")
                if name == "api-docs":
                    page.locator(".opblock").first.wait_for(timeout=20_000)
                problems += check(page, where(name), response.status, 404 if name == "not-found" else 200)
                if name == "outbox":
                    row_link = page.locator("table a").first
                    if row_link.count():
                        row_link.click()
                        page.locator("iframe.outbox-frame").wait_for()
                        problems += check(page, where("outbox-message"), 200)
            context.close()
    assert problems == [], "\n".join(problems)
