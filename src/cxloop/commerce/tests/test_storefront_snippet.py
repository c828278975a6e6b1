"""The integrations page shows the storefront snippet with the store's publishable key, ready to copy."""

import pytest
from django.utils.html import escape

from cxloop.core import services as core_services
from cxloop.core.models import ApiKey

pytestmark = pytest.mark.django_db
PUBLIC_URL = "https://cx.example.com"


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.CXLOOP_PUBLIC_URL = PUBLIC_URL


def snippet(key: str) -> str:
    return escape(
        f'<script src="{PUBLIC_URL}/static/cxloop/cxloop.js" data-key="{key}" '
        f'data-endpoint="{PUBLIC_URL}/api/v1/events" async></script>'
    )


def test_the_snippet_carries_the_publishable_key_with_a_copy_button(staff_client, store):
    _, publishable = core_services.create_api_key(store=store, name="storefront", kind="publishable")

    page = staff_client.get("/integrations/").content.decode()

    assert snippet(publishable) in page
    assert 'data-copy-target="storefront-snippet"' in page
    assert "Create publishable key" not in page
    assert f'<script src="{PUBLIC_URL}' not in page  # shown as code, never loaded by the staff page


def test_a_store_without_a_publishable_key_creates_one_from_the_page(staff_client, store):
    # given only a secret key (and an older publishable key, kept as a hash only)
    legacy, _ = core_services.create_api_key(store=store, name="old", kind="publishable")
    ApiKey.objects.filter(pk=legacy.pk).update(public_key="")
    page = staff_client.get("/integrations/").content.decode()
    assert snippet("YOUR_PUBLISHABLE_KEY") in page
    assert "Create publishable key" in page

    # when the owner presses the button
    created = staff_client.post("/integrations/api-keys/", {"name": "storefront", "kind": "publishable"})

    # then the page shows the new key in the snippet, and it is readable from now on
    key = ApiKey.objects.exclude(pk=legacy.pk).get(store=store, kind="publishable")
    assert key.public_key.startswith("cxpk_")
    assert snippet(key.public_key) in created.content.decode()
    assert snippet(key.public_key) in staff_client.get("/integrations/").content.decode()


def test_an_agent_gets_no_integrations_page(store, agent, client):
    client.force_login(agent)

    assert client.get("/integrations/").status_code == 403
    assert client.post("/integrations/api-keys/", {"kind": "publishable"}).status_code == 403
    assert not ApiKey.objects.filter(kind="publishable").exists()
