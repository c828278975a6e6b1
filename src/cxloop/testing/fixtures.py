"""Fixtures every app's tests share: two stores, staff of each, API keys."""

from pathlib import Path

import pytest
from django.test import Client

from cxloop.core import services as core_services
from cxloop.core.models import Membership

from .fake_shopify import fake_shopify  # noqa: F401 (a fixture: a fake Shopify admin API)
from .fake_woocommerce import fake_woocommerce  # noqa: F401 (a fixture: a fake WooCommerce REST API)
from .imap import imap_server  # noqa: F401 (a fixture: a real IMAP server, Dovecot, for the test)
from .smtp import smtp_server  # noqa: F401 (a fixture: a real SMTP server for the test)
from .sns import local_sns  # noqa: F401 (a fixture: SNS signatures with a certificate served locally)
from .webhooks import webhook_receiver  # noqa: F401 (a fixture: a real HTTP server receiving webhooks)
from .worker import task_worker  # noqa: F401 (a fixture: runs queued tasks on demand)


@pytest.fixture(autouse=True, scope="session")
def _remove_test_warehouse():
    """The test process's own analytics warehouse file (settings) goes when the session ends."""
    yield
    from django.conf import settings

    path = Path(settings.CXLOOP_WAREHOUSE_PATH)
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request in another (the locale middleware leaves it
    active in the thread) or a `translation.activate` must not carry into the next test's messages."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def store(db):
    store, _ = core_services.create_store(name="Sklep Ania", currency="PLN", slug="sklep-ania")
    return store


@pytest.fixture
def other_store(db):
    store, _ = core_services.create_store(name="Other Shop", currency="EUR", slug="other-shop")
    return store


@pytest.fixture
def api_key(store):
    _, raw = core_services.create_api_key(store=store, name="tests")
    return raw


@pytest.fixture
def other_api_key(other_store):
    _, raw = core_services.create_api_key(store=other_store, name="tests")
    return raw


@pytest.fixture
def api_client(api_key):
    return Client(headers={"Authorization": f"Bearer {api_key}"})


PASSWORD = "correct horse battery staple 42"


def make_staff(store, role=Membership.Role.OWNER, email=None):
    user, _ = core_services.add_staff(
        store=store, email=email or f"{role}@{store.slug}.test", role=role, password=PASSWORD
    )
    return user


@pytest.fixture
def owner(store):
    return make_staff(store, Membership.Role.OWNER)


@pytest.fixture
def agent(store):
    return make_staff(store, Membership.Role.AGENT)


@pytest.fixture
def staff_client(owner):
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def agent_client(agent):
    client = Client()
    client.force_login(agent)
    return client
