"""Auto-replies and bounces are told apart from what customers write."""

from email import policy
from email.parser import BytesParser

import pytest

from cxloop.helpdesk.mail.noise import is_auto_submitted, is_bounce
from cxloop.helpdesk.mail.parse import parse_email

from .builders import encoded_word, multipart_mail, part, plain_mail


def message(extra_headers: str = "", sender: str = "Customer <customer@example.com>"):
    raw = plain_mail(b"Hello", extra_headers=extra_headers, sender=sender)
    return BytesParser(policy=policy.default).parsebytes(raw)


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated; owner-email=x@example.com",
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
        "Precedence: bulk",
        "Precedence: junk",
        "Precedence: list",
        "Precedence: auto_reply",
        "X-Auto-Response-Suppress: All",
        "X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply",
    ],
)
def test_machine_headers_mark_the_mail_as_auto_submitted(header):
    assert is_auto_submitted(message(header + "\r\n"), "Order question") is True


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Auto-Submitted: no",
        "List-Id: <customers.groups.example.com>",
        "List-Unsubscribe: <mailto:unsubscribe@news.example>",
        "X-Auto-Response-Suppress: DR, RN",
        "Precedence: first-class",
    ],
)
def test_customer_mail_and_newsletters_are_not_auto_submitted(header):
    extra = header + "\r\n" if header else ""

    assert is_auto_submitted(message(extra), "Order question") is False


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Order 1042",
        "Automatic reply: Order 1042",
        "Auto-Reply: your message",
        "Re: Out of office until Monday",
        "Odpowiedź automatyczna: Zamówienie 1042",
        "Automatyczna odpowiedź",
        "Poza biurem do 15.12",
        "Automātiskā atbilde: Pasūtījums 1042",
        "Ārpus biroja",
        "پاسخ خودکار: سفارش ۱۰۴۲",
        "خارج از دفتر",
        "自动回复: 订单1042",
        "自動回覆：訂單1042",
        "Automatische Antwort: Bestellung 1042",
        "Abwesenheitsnotiz: Bestellung",
    ],
)
def test_out_of_office_subjects_mark_the_mail_as_auto_submitted(subject):
    assert is_auto_submitted(message(), subject) is True


@pytest.mark.parametrize(
    "subject", ["Where is my order?", "Re: Zamówienie 1042", "Office chair arrived broken", "回复：订单1042"]
)
def test_ordinary_subjects_are_not_out_of_office(subject):
    assert is_auto_submitted(message(), subject) is False


def test_parse_email_flags_an_out_of_office_subject_in_encoded_words():
    raw = plain_mail(b"I am away", subject=encoded_word("Automātiskā atbilde: Pasūtījums", "utf-8"))

    assert parse_email(raw).auto_submitted is True


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.com", "postmaster@example.pl"])
def test_mail_from_the_mail_system_is_a_bounce(sender):
    assert is_bounce(message(sender=sender), sender.lower()) is True


def test_empty_return_path_is_a_bounce():
    assert is_bounce(message("Return-Path: <>\r\n"), "customer@example.com") is True


def test_delivery_status_report_is_a_bounce():
    # given
    raw = multipart_mail(
        [
            part("Content-Type: text/plain", b"Delivery to the following recipient failed: x@example.com"),
            part(
                "Content-Type: message/delivery-status",
                b"Reporting-MTA: dns; mx.example\r\n\r\nAction: failed",
            ),
        ],
        subtype="report",
    ).replace(
        b'multipart/report; boundary="BOUNDARY"',
        b'multipart/report; report-type=delivery-status; boundary="BOUNDARY"',
    )

    # when
    mail = parse_email(raw)

    # then
    assert mail.bounce is True
    assert [a.content_type for a in mail.attachments] == ["message/delivery-status"]


def test_read_receipt_report_is_not_a_bounce():
    raw = multipart_mail(
        [
            part(
                "Content-Type: message/disposition-notification",
                b"Disposition: manual-action/MDN-sent-manually",
            )
        ],
        subtype="report",
    ).replace(b"multipart/report;", b"multipart/report; report-type=disposition-notification;")

    assert parse_email(raw).bounce is False


def test_customer_mail_is_not_a_bounce():
    mail = parse_email(plain_mail(b"Hello", extra_headers="Return-Path: <customer@example.com>\r\n"))

    assert (mail.bounce, mail.auto_submitted) == (False, False)
