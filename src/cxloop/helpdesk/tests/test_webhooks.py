"""Providers' inbound webhooks, each request built and signed as the provider builds and signs it."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.test import Client

from cxloop.helpdesk import addresses
from cxloop.helpdesk.models import Conversation, Message
from cxloop.testing.sns import shared_local_sns

pytestmark = pytest.mark.django_db

MAILGUN_KEY = "key-mailgun-signing-0123456789"
SECRET = "cxloop:s3cret-inbound"


@pytest.fixture(autouse=True)
def anymail_secrets(settings, tmp_path, local_sns):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": [SECRET],
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY,
        "AMAZON_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS": False,
    }


def raw_mail(to="sklep-ania@in.cxloop.localhost", message_id="<w1@example.pl>", body="Gdzie paczka?") -> str:
    return (
        f"From: Ania <ania@example.pl>\r\nTo: {to}\r\nSubject: =?utf-8?q?Zam=C3=B3wienie?=\r\n"
        f"Message-ID: {message_id}\r\nDate: Thu, 03 Dec 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    )


def basic(secret=SECRET) -> str:
    return "Basic " + base64.b64encode(secret.encode()).decode()


def mailgun(client, raw, recipient="sklep-ania@in.cxloop.localhost", key=MAILGUN_KEY):
    timestamp, token = str(int(time.time())), "a" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    fields = {
        "recipient": recipient, "sender": "ania@example.pl", "body-mime": raw,
        "timestamp": timestamp, "token": token, "signature": signature,
    }  # fmt: skip
    return client.post("/webhooks/inbound/mailgun/mime/", fields)  # multipart/form-data, as Mailgun posts


def postmark(client, raw, recipient="sklep-ania@in.cxloop.localhost", auth=None):
    auth = basic() if auth is None else auth
    payload = {
        "FromFull": {"Email": "ania@example.pl", "Name": "Ania"},
        "OriginalRecipient": recipient,
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "Headers": [{"Name": "Return-Path", "Value": "<ania@example.pl>"}],
        "RawEmail": raw,
    }
    return client.post(
        "/webhooks/inbound/postmark/", json.dumps(payload), content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )  # fmt: skip


def sendgrid(client, raw, recipient="sklep-ania@in.cxloop.localhost", auth=None):
    auth = basic() if auth is None else auth
    fields = {
        "email": raw,
        "to": recipient,
        "from": "Ania <ania@example.pl>",
        "envelope": json.dumps({"to": [recipient], "from": "ania@example.pl"}),
        "charsets": json.dumps({"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8"}),
    }
    return client.post("/webhooks/inbound/sendgrid/", fields, HTTP_AUTHORIZATION=auth)


def ses(client, raw, recipient="sklep-ania@in.cxloop.localhost", auth=None):
    auth = basic() if auth is None else auth
    event = {
        "notificationType": "Received",
        "mail": {"timestamp": "2026-12-03T09:00:00.000Z", "source": "ania@example.pl", "messageId": "ses-1"},
        "receipt": {"recipients": [recipient], "action": {"type": "SNS", "encoding": "BASE64"}},
        "content": base64.b64encode(raw.encode()).decode(),
    }
    sns = {
        "Type": "Notification", "MessageId": "8f1c2d3e-0000-4000-8000-000000000001",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:inbound", "Message": json.dumps(event),
        "Timestamp": "2026-12-03T09:00:01.000Z",
    }  # fmt: skip
    sns = shared_local_sns().sign(sns)
    return client.post(
        "/webhooks/inbound/amazon-ses/", json.dumps(sns), content_type="text/plain; charset=UTF-8",
        HTTP_AUTHORIZATION=auth, HTTP_X_AMZ_SNS_MESSAGE_TYPE="Notification",
        HTTP_X_AMZ_SNS_MESSAGE_ID=sns["MessageId"],
    )  # fmt: skip


PROVIDERS = {"mailgun": mailgun, "postmark": postmark, "sendgrid": sendgrid, "ses": ses}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_forwarded_mail_is_stored_for_the_store_once(provider, store):
    send = PROVIDERS[provider]

    first = send(Client(), raw_mail())
    retry = send(Client(), raw_mail())

    assert first.status_code == 200, first.content
    assert retry.status_code == 200
    message = Message.objects.get()
    assert message.store == store and message.from_email == "ania@example.pl"
    assert message.conversation.subject == "Zamówienie" and "Gdzie paczka?" in message.text


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_reply_address_finds_the_conversations_store(provider, store, other_store):
    send = PROVIDERS[provider]
    send(Client(), raw_mail(message_id="<first@example.pl>"))
    conversation = Conversation.objects.get(store=store)
    reply_to = addresses.reply_address(conversation)

    answer = send(Client(), raw_mail(to=reply_to, message_id="<second@example.pl>"), recipient=reply_to)

    assert answer.status_code == 200, answer.content
    assert Message.objects.filter(conversation=conversation).count() == 2
    assert not Message.objects.filter(store=other_store).exists()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_mail_to_no_stores_address_is_answered_404_and_stores_nothing(provider, store):
    to = "nobody-here@in.cxloop.localhost"

    answer = PROVIDERS[provider](Client(), raw_mail(to=to), recipient=to)

    assert answer.status_code == 404
    assert answer.json()["error"] == "unknown_recipient" and to in answer.json()["detail"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("provider", ["postmark", "sendgrid", "ses"])
def test_wrong_basic_auth_is_refused(provider, store):
    answer = PROVIDERS[provider](Client(), raw_mail(), auth=basic("cxloop:wrong"))

    assert answer.status_code == 403 and answer.json()["error"] == "forbidden"
    assert not Message.objects.exists()


def test_a_wrong_mailgun_signature_is_refused(store):
    answer = mailgun(Client(), raw_mail(), key="key-someone-else")

    assert answer.status_code == 403
    assert not Message.objects.exists()


def test_a_provider_without_its_secret_takes_nothing(store, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": [], "MAILGUN_WEBHOOK_SIGNING_KEY": ""}

    answers = [mailgun(Client(), raw_mail()), postmark(Client(), raw_mail(), auth="")]

    assert [a.status_code for a in answers] == [403, 403]
    assert not Message.objects.exists()


def test_a_flood_is_answered_429_with_retry_after(store, settings):
    settings.CXLOOP_HELPDESK_FLOOD_LIMIT = 1
    postmark(Client(), raw_mail(message_id="<one@example.pl>"))

    answer = postmark(Client(), raw_mail(message_id="<two@example.pl>"))

    assert answer.status_code == 429 and answer.json()["error"] == "too_many_mails"
    assert int(answer["Retry-After"]) > 0
    assert Message.objects.count() == 1


def test_an_unreadable_mail_is_answered_422(store, settings):
    settings.CXLOOP_HELPDESK_MAX_MAIL_BYTES = 1000
    answer = postmark(Client(), "Subject: nothing\r\n\r\n" + "x" * 3000)

    assert answer.status_code == 422 and answer.json()["error"] == "mail_refused"
    assert "limit" in answer.json()["detail"]
    assert not Message.objects.exists()


def test_a_forwarded_mail_may_be_larger_than_an_api_body_up_to_djangos_limit(store, settings):
    text = "Zdjęcia paczki w załączniku. " * 50_000  # ~1.5 MB: over the API's 1 MB, within 2.5 MB

    taken = postmark(Client(), raw_mail(body=text))
    too_large = postmark(Client(), raw_mail(body=text * 2, message_id="<big@example.pl>"))

    assert settings.CXLOOP_MAX_BODY_BYTES < 1_500_000 < settings.CXLOOP_HELPDESK_MAX_WEBHOOK_BYTES
    assert taken.status_code == 200, taken.content[:300]
    assert too_large.status_code == 413 and too_large.json()["error"] == "body_too_large"
    assert Message.objects.count() == 1


def test_an_ses_subscription_confirmation_is_acknowledged_and_stores_nothing(store):
    sns = {
        "Type": "SubscriptionConfirmation", "MessageId": "8f1c2d3e-0000-4000-8000-000000000002",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:inbound", "Token": "2336412f37",
        "SubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=2336412f37",
        "Message": "You have chosen to subscribe to the topic.", "Timestamp": "2026-12-03T09:00:01.000Z",
    }  # fmt: skip
    sns = shared_local_sns().sign(sns)

    answer = Client().post(
        "/webhooks/inbound/amazon-ses/", json.dumps(sns), content_type="text/plain; charset=UTF-8",
        HTTP_AUTHORIZATION=basic(), HTTP_X_AMZ_SNS_MESSAGE_TYPE="SubscriptionConfirmation",
        HTTP_X_AMZ_SNS_MESSAGE_ID=sns["MessageId"],
    )  # fmt: skip

    assert answer.status_code == 200
    assert not Message.objects.exists()
