"""An anonymous visitor's typed address: one emailed link confirms it, then it links the customer record."""

import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from cxloop.chat import services, verification
from cxloop.chat.models import Visitor
from cxloop.commerce.models import Customer
from cxloop.helpdesk.models import Conversation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def post(client, store, name, data, token=""):
    return client.post(
        reverse(f"chat:{name}", args=[store.slug]) + "?lang=pl",
        json.dumps(data),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


def chat_visitor(client, store, language="pl"):
    started = post(client, store, "start", {"lang": language})
    token = started.json()["token"]
    post(client, store, "messages", {"text": "Gdzie jest moja paczka?", "client_id": "c-1"}, token)
    return Visitor.objects.get(pk=started.json()["visitor_id"]), token


def customer(store, email="Ania@Example.PL"):
    now = timezone.now()
    return Customer.objects.create(
        store=store, email=email, email_key=email.lower(), created_at=now, updated_at=now
    )


def give_address(client, store, token, task_worker, email="ania@example.pl"):
    with task_worker.committing():
        response = post(client, store, "contact", {"name": "Ania", "email": email}, token)
    task_worker.run_ready()
    return response


def link_path(mail) -> str:
    body = mail.get_body(("plain",)).get_content()
    [url] = re.findall(r"https?://\S+/chat/\S+/verify/\S+/", body)
    return url[url.index("/chat/") :]


def test_an_address_gets_one_mail_from_the_store_in_the_visitors_language_with_a_link(
    client, store, smtp_server, task_worker
):
    store.support_email = "pomoc@sklep.example"
    store.save(update_fields=["support_email"])
    visitor, token = chat_visitor(client, store)

    response = give_address(client, store, token, task_worker, email="Ania@Example.pl")

    assert response.status_code == 200 and response.json() == {"verification": "sent"}
    [mail] = smtp_server.messages
    assert mail["To"] == "ania@example.pl" and "pomoc@sklep.example" in mail["From"]
    with translation.override("pl"):
        # Django folds a long encoded subject onto the line after "Subject:"; unfolded, it keeps a space
        subject = gettext("Confirm your email address for %(store)s") % {"store": store.name}
    assert mail["Subject"].lstrip() == subject
    assert link_path(mail).startswith(f"/chat/{store.slug}/verify/")
    assert visitor.key not in mail.as_string()  # the visitor's secret never leaves in a link


def test_opening_the_link_asks_and_only_the_post_verifies_and_links_the_customer(
    client, store, owner, smtp_server, task_worker
):
    ania = customer(store)
    visitor, token = chat_visitor(client, store)
    give_address(client, store, token, task_worker)
    path = link_path(smtp_server.messages[0])

    page = client.get(path)  # what a mail scanner's prefetch does
    visitor.refresh_from_db()
    assert page.status_code == 200 and b'method="post"' in page.content and b'lang="pl"' in page.content
    assert visitor.email_verified_at is None and visitor.customer_id is None

    confirmed = client.post(path)

    visitor.refresh_from_db()
    assert confirmed.status_code == 200
    assert visitor.email_verified_at is not None and visitor.customer == ania
    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    assert conversation.customer == ania
    client.force_login(owner)
    panel = client.get(reverse("helpdesk:conversation", args=[conversation.pk])).content.decode()
    assert ">verified<" in panel and "not verified" not in panel


def test_a_used_altered_forged_expired_or_other_stores_link_is_refused_and_changes_nothing(
    client, store, other_store, smtp_server, task_worker, time_machine
):
    visitor, token = chat_visitor(client, store)
    give_address(client, store, token, task_worker)
    path = link_path(smtp_server.messages[0])
    signed = path.split("/verify/")[1].rstrip("/")
    altered = signed[:-3] + ("AAA" if not signed.endswith("AAA") else "BBB")
    forged = verification.signing.dumps(
        {"s": store.pk, "v": visitor.pk, "n": "0" * 32, "h": verification.address_digest(visitor.email)},
        salt="not.the.salt",
    )

    def verify_url(slug, value):
        return reverse("chat:verify", args=[slug, value])

    assert client.post(verify_url(store.slug, altered)).status_code == 400
    assert client.post(verify_url(store.slug, forged)).status_code == 400
    assert client.post(verify_url(other_store.slug, signed)).status_code == 400
    time_machine.move_to(timezone.now() + timedelta(hours=verification.LINK_HOURS + 1))
    expired = client.post(path)
    assert expired.status_code == 410 and b"expired" in expired.content
    visitor.refresh_from_db()
    assert visitor.email_verified_at is None and visitor.verification_nonce

    time_machine.move_to(timezone.now() - timedelta(hours=verification.LINK_HOURS))
    assert client.post(path).status_code == 200
    reused = client.post(path)
    assert reused.status_code == 410 and b"already used" in reused.content


def test_changing_the_address_resets_verification_and_the_old_link_no_longer_works(
    client, store, smtp_server, task_worker
):
    ania = customer(store)
    visitor, token = chat_visitor(client, store)
    give_address(client, store, token, task_worker)
    first = link_path(smtp_server.messages[0])
    assert client.post(first).status_code == 200
    visitor.refresh_from_db()
    assert visitor.customer == ania

    give_address(client, store, token, task_worker, email="someone@else.example")

    visitor.refresh_from_db()
    assert visitor.email == "someone@else.example"
    assert visitor.email_verified_at is None and visitor.customer_id is None
    assert client.post(first).status_code == 410
    assert smtp_server.messages[-1]["To"] == "someone@else.example"


def test_a_stale_link_task_sends_nothing_after_the_address_changed(client, store, smtp_server, task_worker):
    visitor, token = chat_visitor(client, store)
    with task_worker.committing():
        post(client, store, "contact", {"email": "ania@example.pl"}, token)
    services.set_contact(visitor=Visitor.objects.get(pk=visitor.pk), email="other@example.pl")

    task_worker.run_ready()

    assert smtp_server.messages == []


def test_mails_are_limited_per_visitor_and_per_address(client, store, smtp_server, task_worker):
    visitor, token = chat_visitor(client, store)
    answers = [
        give_address(client, store, token, task_worker, email=f"a{n}@example.pl").json()["verification"]
        for n in range(verification.PER_VISITOR + 1)
    ]
    assert answers == ["sent"] * verification.PER_VISITOR + ["limited"]

    to_one_address = []
    for _n in range(verification.PER_ADDRESS_HOUR + 1):
        _visitor, other_token = chat_visitor(client, store)
        reply = give_address(client, store, other_token, task_worker, email="victim@example.pl")
        to_one_address.append(reply.json()["verification"])
    assert to_one_address == ["sent"] * verification.PER_ADDRESS_HOUR + ["limited"]
    assert (
        sum(1 for m in smtp_server.messages if m["To"] == "victim@example.pl")
        == verification.PER_ADDRESS_HOUR
    )


def test_a_verified_visitor_without_a_customer_record_links_none_and_a_signed_identity_needs_no_mail(
    client, store, smtp_server, task_worker
):
    visitor, token = chat_visitor(client, store)
    give_address(client, store, token, task_worker, email="new@example.pl")
    assert client.post(link_path(smtp_server.messages[0])).status_code == 200
    visitor.refresh_from_db()
    assert visitor.email_verified_at is not None and visitor.customer_id is None
    assert Customer.objects.filter(store=store).count() == 0

    ania = customer(store, "ania@example.pl")
    Visitor.objects.filter(pk=visitor.pk).update(
        customer=ania, email="ania@example.pl", email_verified_at=None
    )
    assert verification.request_verification(Visitor.objects.get(pk=visitor.pk)) == verification.NOT_NEEDED
