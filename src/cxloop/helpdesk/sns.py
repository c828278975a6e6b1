"""Amazon SNS message signatures: proof that an Amazon SES inbound mail was posted by SNS, from our topic.

    verify_sns_message(message)   # the POSTed JSON, parsed; raises SnsSignatureInvalid or SnsCertUnavailable

django-anymail (15.x) does not verify SNS signatures, so cxloop does, as AWS
describes (SendMessageToHttp.verify.signature): the fields of the message,
in a fixed order per type, are written as "Name\\nValue\\n" and signed with
the private key of the certificate at `SigningCertURL`, SHA1withRSA for
SignatureVersion 1 and SHA256withRSA for version 2.

- The certificate is fetched only from a URL matching
  settings.CXLOOP_SES_SIGNING_CERT_URL (by default
  `https://sns.<region>.amazonaws.com[.cn]/...pem`), so a forged message cannot
  name a certificate of its own; it must be within its validity dates, and is
  kept in memory per process once fetched.
- A valid signature only proves that *some* SNS topic sent the message, and
  anyone can make a topic: settings.CXLOOP_SES_TOPIC_ARNS lists the topics
  taken (empty: any, and a warning at first use).
- A certificate that cannot be fetched (network) raises SnsCertUnavailable:
  the webhook answers 503 so SNS delivers again later (SNS does not retry a 4xx).

Tests sign with a locally made key and certificate served from 127.0.0.1,
allowed by a test-only CXLOOP_SES_SIGNING_CERT_URL.
"""

import base64
import datetime as dt
import logging
import re
import urllib.request

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings

logger = logging.getLogger(__name__)

SIGNED_FIELDS = {
    "Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
    "SubscriptionConfirmation": [
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ],
    "UnsubscribeConfirmation": [
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ],
}
HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
MAX_CERT_BYTES = 64 * 1024
_certificates: dict[str, x509.Certificate] = {}


class SnsSignatureInvalid(Exception):
    """The message is not signed by SNS for a topic this server takes (the reason says why)."""


class SnsCertUnavailable(Exception):
    """The signing certificate could not be fetched now; the message may be fine: try again later."""


def string_to_sign(message: dict) -> bytes:
    """The bytes SNS signs: "Name\\nValue\\n" for each signed field present, in AWS's order."""
    fields = SIGNED_FIELDS.get(message.get("Type"))
    if fields is None:
        raise SnsSignatureInvalid(f"unknown SNS message type {str(message.get('Type'))[:50]!r}")
    parts = []
    for name in fields:
        value = message.get(name)
        if value is None:
            if name == "Subject":
                continue
            raise SnsSignatureInvalid(f"the signed field {name} is missing")
        parts.append(f"{name}\n{value}\n")
    return "".join(parts).encode()


def verify_sns_message(message: dict) -> None:
    """Check the message's signature and topic; return quietly if it is genuine and ours."""
    if not isinstance(message, dict):
        raise SnsSignatureInvalid("the body is not an SNS message")
    algorithm = HASHES.get(str(message.get("SignatureVersion")))
    if algorithm is None:
        raise SnsSignatureInvalid("unknown SignatureVersion")
    _check_topic(str(message.get("TopicArn", "")))
    signed = string_to_sign(message)
    try:
        signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
    except ValueError:
        raise SnsSignatureInvalid("the signature is not base64") from None
    certificate = signing_certificate(str(message.get("SigningCertURL", "")))
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SnsSignatureInvalid("the signing certificate's key is not RSA")
    try:
        key.verify(signature, signed, padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise SnsSignatureInvalid("the signature does not match the message") from None


def _check_topic(topic: str) -> None:
    allowed = list(getattr(settings, "CXLOOP_SES_TOPIC_ARNS", []))
    if not allowed:
        logger.warning("Amazon SES inbound: CXLOOP_SES_TOPIC_ARNS is empty, any SNS topic is taken")
        return
    if topic not in allowed:
        raise SnsSignatureInvalid(f"the topic {topic[:200]} is not one this server takes")


def signing_certificate(url: str) -> x509.Certificate:
    """The certificate at an allowed SigningCertURL, fetched once per process, within its dates."""
    if not re.fullmatch(settings.CXLOOP_SES_SIGNING_CERT_URL, url):
        raise SnsSignatureInvalid(f"the signing certificate URL {url[:200]!r} is not Amazon SNS's")
    certificate = _certificates.get(url)
    if certificate is None:
        certificate = _fetch(url)
        _certificates[url] = certificate
    now = dt.datetime.now(dt.UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        _certificates.pop(url, None)
        raise SnsSignatureInvalid("the signing certificate is outside its validity dates")
    return certificate


def _fetch(url: str) -> x509.Certificate:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (URL checked above)
            pem = response.read(MAX_CERT_BYTES + 1)
    except OSError as error:
        raise SnsCertUnavailable(f"the signing certificate could not be fetched ({error})") from None
    if len(pem) > MAX_CERT_BYTES:
        raise SnsSignatureInvalid("the signing certificate is too large")
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise SnsSignatureInvalid("the signing certificate could not be read") from None


__all__ = ["SnsCertUnavailable", "SnsSignatureInvalid", "string_to_sign", "verify_sns_message"]
