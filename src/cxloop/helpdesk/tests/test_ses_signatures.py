"""Amazon SES inbound: only a message signed by SNS, for a topic this server takes, is stored (sns.py)."""

import json
import re

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings
from django.test import Client

from cxloop.helpdesk.models import Message

from .test_webhooks import anymail_secrets, basic, raw_mail  # noqa: F401 (anymail_secrets: a fixture)

pytestmark = pytest.mark.django_db

TOPIC = "arn:aws:sns:eu-west-1:123456789012:inbound"


def notification(raw: str, *, message_id="8f1c2d3e-0000-4000-8000-00000000000a", topic=TOPIC) -> dict:
    event = {
        "notificationType": "Received",
        "mail": {
            "timestamp": "2026-12-03T09:00:00.000Z",
            "source": "ania@example.pl",
            "messageId": message_id,
        },
        "receipt": {
            "recipients": ["sklep-ania@in.cxloop.localhost"],
            "action": {"type": "SNS", "encoding": "UTF8"},
        },
        "content": raw,
    }
    return {
        "Type": "Notification", "MessageId": message_id, "TopicArn": topic,
        "Subject": "Amazon SES Email Receipt", "Message": json.dumps(event),
        "Timestamp": "2026-12-03T09:00:01.000Z",
    }  # fmt: skip


def post(sns: dict):
    return Client().post(
        "/webhooks/inbound/amazon-ses/", json.dumps(sns), content_type="text/plain; charset=UTF-8",
        HTTP_AUTHORIZATION=basic(), HTTP_X_AMZ_SNS_MESSAGE_TYPE=sns["Type"],
        HTTP_X_AMZ_SNS_MESSAGE_ID=sns["MessageId"],
    )  # fmt: skip


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_message_signed_by_sns_is_stored(version, store, local_sns):
    answer = post(local_sns.sign(notification(raw_mail()), version=version))

    assert answer.status_code == 200, answer.content
    assert Message.objects.get().from_email == "ania@example.pl"


def test_the_signing_certificate_is_fetched_once(store, local_sns):
    before = local_sns.fetches

    post(local_sns.sign(notification(raw_mail(message_id="<a@example.pl>"), message_id="m-1")))
    post(local_sns.sign(notification(raw_mail(message_id="<b@example.pl>"), message_id="m-2")))

    assert local_sns.fetches - before == 1
    assert Message.objects.count() == 2


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda m: {**m, "Message": m["Message"].replace("Gdzie", "Where")}, id="altered_text"),
        pytest.param(lambda m: {**m, "TopicArn": TOPIC + "-other"}, id="altered_topic"),
        pytest.param(lambda m: {k: v for k, v in m.items() if k != "Signature"}, id="no_signature"),
        pytest.param(lambda m: {**m, "Signature": "bm90IGEgc2lnbmF0dXJl"}, id="garbage_signature"),
        pytest.param(lambda m: {**m, "SignatureVersion": "3"}, id="unknown_version"),
        pytest.param(
            lambda m: {**m, "SigningCertURL": "https://evil.example/cert.pem"}, id="foreign_cert_url"
        ),
    ],
)
def test_a_message_not_signed_as_sent_is_refused_403(tamper, store, local_sns):
    answer = post(tamper(local_sns.sign(notification(raw_mail()))))

    assert answer.status_code == 403 and answer.json()["error"] == "forbidden"
    assert not Message.objects.exists()


def test_a_message_signed_with_another_key_is_refused(store, local_sns):
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    answer = post(local_sns.sign(notification(raw_mail()), key=forger))

    assert answer.status_code == 403
    assert not Message.objects.exists()


def test_a_topic_not_listed_is_refused_even_when_genuinely_signed(store, local_sns, settings):
    settings.CXLOOP_SES_TOPIC_ARNS = [TOPIC]

    ours = post(local_sns.sign(notification(raw_mail(), message_id="m-ours")))
    theirs = post(
        local_sns.sign(notification(raw_mail(message_id="<x@y>"), message_id="m-x", topic=TOPIC + "x"))
    )

    assert (ours.status_code, theirs.status_code) == (200, 403)
    assert Message.objects.count() == 1


def test_an_unreachable_certificate_is_answered_503_so_sns_delivers_again(store, local_sns, settings):
    settings.CXLOOP_SES_SIGNING_CERT_URL = r"http://127\.0\.0\.1:1/[^?#]+\.pem"  # nothing listens on port 1
    sns = local_sns.sign(notification(raw_mail()))
    sns["SigningCertURL"] = "http://127.0.0.1:1/SimpleNotificationService-x.pem"

    answer = post(sns)

    assert answer.status_code == 503 and answer.json()["error"] == "signature_unverifiable"
    assert answer["Retry-After"] == "60"
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        (
            "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
            True,
        ),
        ("https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem", True),
        ("http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem", False),
        ("https://sns.eu-west-1.amazonaws.com.evil.example/SimpleNotificationService-abc.pem", False),
        ("https://evil.example/sns.eu-west-1.amazonaws.com/x.pem", False),
        ("https://sns.eu-west-1.amazonaws.com@evil.example/x.pem", False),
        ("https://sns.eu-west-1.amazonaws.com/x.pem?redirect=https://evil.example/", False),
    ],
)
def test_the_default_certificate_url_is_amazon_sns_only(url, allowed):
    from cxloop import settings as project_settings

    assert (
        project_settings.CXLOOP_SES_SIGNING_CERT_URL
        == r"https://sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[^?#]+\.pem"
    )
    assert bool(re.fullmatch(project_settings.CXLOOP_SES_SIGNING_CERT_URL, url)) is allowed
    assert django_settings.CXLOOP_SES_VERIFY_SIGNATURES is True
