"""Signed storefront identities: the publishable key cannot change who a customer is.

Hashes are computed here with hmac directly, independently of the code under
test, so a bug in the production signer cannot hide itself.
"""

import hashlib
import hmac
import json

import pytest
from django.test import Client
from django.urls import reverse

from cxloop.commerce import services
from cxloop.commerce.models import Customer, Event
from cxloop.commerce.records import CustomerData
from cxloop.core import services as core_services
from cxloop.core.models import AuditLog, Membership, Store
from cxloop.surveys import services as survey_services
from cxloop.surveys.tests.factories import make_survey
from cxloop.testing.fixtures import make_staff

ATTACK_NAME = "Ana. URGENT: your order is blocked, pay at evil.example/pay"


def signed(store: Store, email: str) -> str:
    secret = Store.objects.get(pk=store.pk).identity_secret
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def event(n=1, **fields):
    return {"event_id": f"ev-{n}", "type": "page_view", "anonymous_id": "anon-1",
            "session_id": "s-1", "occurred_at": "2026-11-01T10:00:00Z",
            "properties": {"url": "https://shop.example/"}, **fields}  # fmt: skip


def identify(n, email, identity_hash=None, **traits):
    body = event(n, type="identify", properties={"email": email, **traits})
    if identity_hash is not None:
        body["identity_hash"] = identity_hash
    return body


def post(client, body):
    return client.post("/api/v1/events", data=json.dumps(body), content_type="application/json")


@pytest.fixture
def storefront(store):
    _, raw = core_services.create_api_key(store=store, name="storefront", kind="publishable")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def shopify_customer(store):
    customer, _ = services.upsert_customer(
        store=store,
        platform="shopify",
        data=CustomerData(
            external_id="7001", email="anna@example.pl", first_name="Anna", language="en",
            consent_state=Customer.Consent.SUBSCRIBED,
        ),
    )  # fmt: skip
    return customer


def test_storefront_identify_cannot_rename_a_customer_in_the_next_survey_email(
    storefront, shopify_customer, store, smtp_server, task_worker
):
    # given a customer Shopify knows as Anna
    # when the storefront key identifies her email with a made-up first name
    response = post(storefront, identify(1, "anna@example.pl", first_name=ATTACK_NAME))

    # then the event is stored, the name is Shopify's, and the survey email greets Anna
    assert (response.status_code, response.json()) == (200, {"accepted": 1, "duplicates": 0})
    shopify_customer.refresh_from_db()
    assert shopify_customer.first_name == "Anna"
    assert Event.objects.get(event_id="ev-1").customer_id is None
    with task_worker.committing():
        survey_services.invite_customer(survey=make_survey(store), customer=shopify_customer)
    task_worker.run_ready()
    [received] = smtp_server.received
    text = received.message.get_body(("plain",)).get_content()
    assert text.startswith("Hello Anna,")
    assert "URGENT" not in received.message.as_string()


def test_unsigned_identify_of_an_unknown_email_creates_no_customer_and_is_stored(storefront, store):
    response = post(storefront, identify(1, "new@example.pl", first_name="Nowy"))

    assert response.json() == {"accepted": 1, "duplicates": 0}
    assert not Customer.objects.exists()
    stored = Event.objects.get()
    assert (stored.type, stored.customer_id) == ("identify", None)
    assert stored.properties["email"] == "new@example.pl"


def test_unsigned_storefront_event_with_a_known_email_is_attributed_to_no_customer(
    storefront, shopify_customer
):
    post(storefront, event(1, type="product_view", email="anna@example.pl"))

    assert Event.objects.get().customer_id is None


def test_signed_identify_links_the_visitor_and_only_fills_empty_names(storefront, shopify_customer, store):
    # given two anonymous page views of a visitor, and a customer with no last name
    post(storefront, {"events": [event(1), event(2)]})

    # when the storefront identifies her with the hash her store's server signed
    identity_hash = signed(store, " anna@example.PL ")
    response = post(
        storefront, identify(3, "Anna@Example.pl", identity_hash, first_name="Ania", last_name="Nowak")
    )

    # then her events are hers, her first name stays Shopify's, the empty last name is filled
    assert response.json() == {"accepted": 1, "duplicates": 0}
    shopify_customer.refresh_from_db()
    assert (shopify_customer.first_name, shopify_customer.last_name) == ("Anna", "Nowak")
    assert Event.objects.filter(customer=shopify_customer).count() == 3
    assert Customer.objects.count() == 1


def test_signed_identify_of_a_new_email_creates_the_customer(storefront, store):
    post(storefront, identify(1, "nowa@example.pl", signed(store, "nowa@example.pl"), first_name="Ewa"))

    customer = Customer.objects.get()
    assert (customer.email_key, customer.first_name) == ("nowa@example.pl", "Ewa")
    assert Event.objects.get().customer == customer


def test_signed_identify_links_the_visitors_events_in_the_same_batch(storefront, store):
    batch = [event(1), identify(2, "ewa@example.pl", signed(store, "ewa@example.pl")), event(3)]

    post(storefront, {"events": batch})

    customer = Customer.objects.get()
    assert sorted(Event.objects.filter(customer=customer).values_list("event_id", flat=True)) == [
        "ev-1", "ev-2", "ev-3",
    ]  # fmt: skip


def test_signed_storefront_event_with_a_known_email_is_attributed(storefront, shopify_customer, store):
    post(storefront, event(1, type="product_view", anonymous_id="x", email="anna@example.pl",
                           identity_hash=signed(store, "anna@example.pl")))  # fmt: skip

    assert Event.objects.get().customer == shopify_customer


def test_wrong_hash_is_answered_like_a_right_one_links_nothing_and_is_counted(
    storefront, shopify_customer, store
):
    # given a hash for another email, and one made with another store's secret
    wrong = [
        identify(1, "anna@example.pl", signed(store, "mallory@example.pl"), first_name="X"),
        identify(2, "anna@example.pl", hmac.new(b"guess", b"anna@example.pl", hashlib.sha256).hexdigest()),
    ]

    # when the storefront sends them
    response = post(storefront, {"events": wrong})

    # then both are stored, answered as usual, attributed to nobody and counted for the owner
    assert (response.status_code, response.json()) == (200, {"accepted": 2, "duplicates": 0})
    assert list(Event.objects.values_list("customer_id", flat=True)) == [None, None]
    shopify_customer.refresh_from_db()
    assert shopify_customer.first_name == "Anna"
    store.refresh_from_db()
    assert store.identity_mismatches == 2
    assert store.identity_mismatch_at is not None


def test_a_hash_signed_before_rotation_stops_working_at_once(storefront, shopify_customer, store):
    # given a hash the store's server signed, and a key the API has just seen (and cached)
    old_hash = signed(store, "anna@example.pl")
    post(storefront, event(1))

    # when the owner rotates the identity secret
    new_secret = core_services.rotate_identity_secret(store=store)

    # then the old hash links nothing, and a hash under the new secret does
    post(storefront, identify(2, "anna@example.pl", old_hash))
    assert Event.objects.filter(customer__isnull=False).count() == 0
    post(storefront, identify(3, "anna@example.pl", signed(store, "anna@example.pl")))
    assert Event.objects.filter(customer=shopify_customer).count() == 3
    assert new_secret == Store.objects.get(pk=store.pk).identity_secret != ""


@pytest.mark.parametrize("value", ["abc", "z" * 64, 12345, ["a" * 64], "a" * 65])
def test_malformed_identity_hash_is_refused_naming_the_field(storefront, value):
    response = post(storefront, identify(1, "anna@example.pl", value))

    assert response.status_code == 422
    assert response.json()["field"] == "events[0].identity_hash"
    assert not Event.objects.exists()


def test_identity_hash_without_an_email_is_refused(storefront):
    response = post(storefront, event(1, identity_hash="a" * 64))

    assert (response.status_code, response.json()["field"]) == (422, "events[0].identity_hash")


def test_secret_key_identifies_freely_as_the_stores_server(api_client, shopify_customer):
    post(api_client, identify(1, "anna@example.pl", first_name="Anne"))
    post(api_client, identify(2, "new@example.pl"))

    shopify_customer.refresh_from_db()
    assert shopify_customer.first_name == "Anne"
    assert Customer.objects.filter(email_key="new@example.pl").exists()


def test_every_store_gets_its_own_identity_secret(store, other_store):
    assert store.identity_secret.startswith("cxid_")
    assert len({store.identity_secret, other_store.identity_secret}) == 2


def test_a_hash_from_another_store_links_nothing(storefront, store, other_store, shopify_customer):
    post(storefront, identify(1, "anna@example.pl", signed(other_store, "anna@example.pl")))

    assert Event.objects.get().customer_id is None


# -- the integrations page ---------------------------------------------------


def rotate_url(store):
    return reverse("commerce:integrations-identity-rotate", args=[store.pk])


@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.ADMIN])
def test_integrations_page_shows_the_identity_secret_to_owners_and_admins(client, store, role):
    client.force_login(make_staff(store, role))

    page = client.get(reverse("commerce:integrations")).content.decode()

    assert store.identity_secret in page
    assert rotate_url(store) in page


def test_agents_never_see_or_rotate_the_identity_secret(agent_client, store):
    response = agent_client.get(reverse("commerce:integrations"))

    assert response.status_code == 403
    assert store.identity_secret not in response.content.decode()
    assert agent_client.post(rotate_url(store)).status_code == 403
    assert Store.objects.get(pk=store.pk).identity_secret == store.identity_secret


def test_owner_rotates_the_identity_secret_and_old_hashes_stop_working(
    staff_client, storefront, store, shopify_customer
):
    # given a hash signed with the current secret
    old_hash = signed(store, "anna@example.pl")

    # when the owner presses Replace
    response = staff_client.post(rotate_url(store))

    # then the page shows a new secret, and the old hash links nobody
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.identity_secret_rotated_at is not None
    page = staff_client.get(reverse("commerce:integrations")).content.decode()
    assert store.identity_secret in page
    entry = AuditLog.objects.get(store=store)
    assert (entry.action, entry.actor_label) == ("identity_secret.rotated", response.wsgi_request.user.email)
    post(storefront, identify(1, "anna@example.pl", old_hash))
    assert Event.objects.get().customer_id is None


def test_rotating_another_stores_identity_secret_answers_404(staff_client, store, other_store):
    response = staff_client.post(rotate_url(other_store))

    assert response.status_code == 404
    assert Store.objects.get(pk=other_store.pk).identity_secret == other_store.identity_secret
    assert Store.objects.get(pk=store.pk).identity_secret == store.identity_secret


def test_rotation_needs_a_post_with_the_csrf_token(owner, store):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    assert client.get(rotate_url(store)).status_code == 405
    assert client.post(rotate_url(store)).status_code == 403
    assert Store.objects.get(pk=store.pk).identity_secret == store.identity_secret


def test_integrations_page_counts_wrong_hashes_until_the_secret_is_replaced(staff_client, storefront, store):
    post(storefront, identify(1, "anna@example.pl", "0" * 64))

    assert "identity-mismatches" in staff_client.get(reverse("commerce:integrations")).content.decode()
    staff_client.post(rotate_url(store))
    assert "identity-mismatches" not in staff_client.get(reverse("commerce:integrations")).content.decode()


def test_event_api_schema_documents_identity_hash(staff_client):
    schema = staff_client.get("/api/openapi.json").json()

    body = schema["paths"]["/api/v1/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    single, batch = body["oneOf"]
    assert single["properties"]["identity_hash"]["pattern"] == "^[0-9a-fA-F]{64}$"
    assert batch["properties"]["events"]["items"] == single
