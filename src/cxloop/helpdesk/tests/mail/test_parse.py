"""parse_email: threading ids, addresses, dates, bodies, attachments, limits and refusals."""

from datetime import UTC, datetime, timedelta

import pytest

from cxloop.helpdesk.mail.parse import MailRefused, ParsedAttachment, parse_email

from .builders import attachment, encoded_word, multipart_mail, part, plain_mail

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def test_reply_keeps_threading_ids_normalised():
    # given
    headers = (
        "In-Reply-To: <reply-7@shop.example> (from the store)\r\n"
        "References: <ticket-1@shop.example>\r\n <reply-7@shop.example>\r\n"
    )

    # when
    mail = parse_email(plain_mail(b"Thanks", extra_headers=headers))

    # then
    assert mail.message_id == "<m1@example.com>"
    assert mail.in_reply_to == ["<reply-7@shop.example>"]
    assert mail.references == ["<ticket-1@shop.example>", "<reply-7@shop.example>"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("<abc@example.com>", "<abc@example.com>"),
        ("abc@example.com", "<abc@example.com>"),
        ("<>", ""),
        ("x y", ""),
    ],
)
def test_message_id_is_normalised_or_empty(header, expected):
    raw = plain_mail(b"Hi").replace(b"Message-ID: <m1@example.com>", f"Message-ID: {header}".encode())

    assert parse_email(raw).message_id == expected


def test_addresses_are_lower_cased_and_decoded():
    # given
    headers = (
        f'Cc: "Kowalski, Jan" <Jan@Example.PL>, {encoded_word("Līga", "utf-8")} <LIGA@x.lv>,'
        " not an address\r\n"
        "Reply-To: Orders <Orders@Example.PL>\r\n"
    )

    # when
    mail = parse_email(plain_mail(b"Hi", extra_headers=headers))

    # then
    assert mail.to == ["support@shop.example"]
    assert mail.cc == ["jan@example.pl", "liga@x.lv"]
    assert mail.reply_to == "orders@example.pl"
    assert (mail.from_name, mail.from_email) == ("Customer", "customer@example.com")


def test_ten_thousand_recipients_are_capped_at_fifty_with_a_problem():
    recipients = ", ".join(f"user{i}@example.com" for i in range(10_000))

    mail = parse_email(plain_mail(b"Hi", extra_headers=f"Cc: {recipients}\r\n"))

    assert mail.cc == [f"user{i}@example.com" for i in range(50)]
    assert mail.problems == ["cc had more than 50 addresses, kept the first 50"]


def test_date_is_aware():
    assert parse_email(plain_mail(b"Hi")).date == datetime(2026, 12, 3, 9, 12, tzinfo=UTC)
    assert parse_email(plain_mail(b"Hi")).date.utcoffset() == timedelta(hours=1)


def test_date_without_zone_is_taken_as_utc_and_unreadable_date_is_none():
    no_zone = plain_mail(b"Hi").replace(b"+0100", b"-0000")
    broken = plain_mail(b"Hi").replace(b"Thu, 03 Dec 2026 10:12:00 +0100", b"sometime last week")

    assert parse_email(no_zone).date == datetime(2026, 12, 3, 10, 12, tzinfo=UTC)
    assert parse_email(broken).date is None
    assert parse_email(broken).problems == ["date unreadable, ignored"]


def test_long_subject_is_one_line_capped_at_998_characters():
    subject = "Where is my order " + "x" * 100_000

    mail = parse_email(plain_mail(b"Hi", subject=subject.replace("order ", "order\r\n\t")))

    assert len(mail.subject) == 998
    assert mail.subject.startswith("Where is my order xxx")
    assert mail.problems == ["subject cut to 998 characters"]


def test_alternative_mail_gives_plain_text_and_sanitised_html():
    # given
    raw = multipart_mail(
        [
            part("Content-Type: text/plain; charset=utf-8", "Cześć, gdzie paczka?".encode()),
            part(
                "Content-Type: text/html; charset=utf-8",
                '<p onclick="steal()">Cześć, <b>gdzie</b> paczka?</p><script>alert(1)</script>'.encode(),
            ),
        ],
        subtype="alternative",
    )

    # when
    mail = parse_email(raw)

    # then
    assert mail.text == "Cześć, gdzie paczka?"
    assert mail.html == "<p>Cześć, <b>gdzie</b> paczka?</p>"
    assert mail.attachments == []


def test_html_only_mail_gets_its_text_from_the_html():
    html = "<div>Hello,</div><div>my order <a href='https://shop.example/o/1'>#1</a> is late.</div>"
    raw = plain_mail(html.encode(), charset="utf-8").replace(b"text/plain", b"text/html")

    mail = parse_email(raw)

    assert mail.text == "Hello,\nmy order #1 (https://shop.example/o/1) is late."
    assert mail.reply_text == mail.text


def test_attachments_keep_bytes_type_and_a_safe_name():
    # given
    zip_bytes = b"PK\x03\x04" + bytes(range(256))
    raw = multipart_mail(
        [
            part("Content-Type: text/plain; charset=utf-8", b"See attached"),
            attachment('filename="..\\\\..\\\\windows\\\\evil\u202egpj.exe"', b"MZ"),
            attachment("filename*=utf-8''zdj%C4%99cie%20paczki.zip", zip_bytes, "Application/ZIP"),
            attachment(f'filename="{encoded_word("快递单.png", "gb2312")}"', PNG, "image/png"),
            attachment('filename="x.bin"', b"1", "not a type"),
        ]
    )

    # when
    mail = parse_email(raw)

    # then
    assert mail.attachments == [
        ParsedAttachment("evilgpj.exe", "application/octet-stream", b"MZ", "", False),
        ParsedAttachment("zdjęcie paczki.zip", "application/zip", zip_bytes, "", False),
        ParsedAttachment("快递单.png", "image/png", PNG, "", False),
        ParsedAttachment("x.bin", "application/octet-stream", b"1", "", False),
    ]


def test_inline_image_keeps_its_content_id_for_cid_links():
    # given
    raw = multipart_mail(
        [
            part("Content-Type: text/html; charset=utf-8", b'<p>Broken:</p><img src="cid:photo1@mail">'),
            part(
                "Content-Type: image/png\nContent-ID: <photo1@mail>\nContent-Transfer-Encoding: base64",
                b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ",
            ),
        ],
        subtype="related",
    )

    # when
    mail = parse_email(raw)

    # then
    assert mail.html == '<p>Broken:</p><img data-cid="photo1@mail">'
    assert [(a.filename, a.content_id, a.inline) for a in mail.attachments] == [
        ("attachment", "photo1@mail", True)
    ]


def test_content_type_with_a_comment_is_still_read_as_text():
    raw = plain_mail(b"Hello").replace(b"text/plain; charset=utf-8", b"text/plain (body); charset=utf-8")

    mail = parse_email(raw)

    assert (mail.text, mail.attachments) == ("Hello", [])


def test_attachment_over_the_limit_is_dropped_not_the_mail():
    raw = multipart_mail(
        [
            part("Content-Type: text/plain", b"Two files"),
            attachment('filename="small.pdf"', b"%PDF-1.4"),
            attachment('filename="huge.zip"', b"x" * 5000),
        ]
    )

    mail = parse_email(raw, max_attachment_bytes=1000)

    assert [a.filename for a in mail.attachments] == ["small.pdf"]
    assert mail.problems == ["attachment huge.zip over limit (5000 bytes), dropped"]
    assert mail.text == "Two files"


def test_at_most_one_hundred_attachments_are_kept():
    raw = multipart_mail([attachment(f'filename="{i}.txt"', b"x") for i in range(130)])

    mail = parse_email(raw)

    assert len(mail.attachments) == 100
    assert mail.attachments[-1].filename == "99.txt"
    assert mail.problems == ["30 attachments dropped: more than 100 attachments"]


def test_text_is_capped_at_one_million_characters():
    mail = parse_email(plain_mail(b"abcd\n" * 300_000))

    assert len(mail.text) == 1_000_000
    assert mail.problems == ["text/plain cut to 1000000 characters"]


def test_multipart_without_boundary_is_read_as_text():
    raw = plain_mail(b"--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n").replace(
        b"text/plain; charset=utf-8", b"multipart/mixed"
    )

    mail = parse_email(raw)

    assert "hello" in mail.text
    assert mail.problems == ["multipart/mixed without a usable boundary, read as text"]


def test_mime_nested_a_hundred_levels_is_parsed():
    # given
    raw = b"From: a@example.com\r\nSubject: deep\r\n"
    for level in range(100):
        raw += b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
    raw += b"Content-Type: text/plain\r\n\r\nfound me\r\n"

    # when
    mail = parse_email(raw)

    # then
    assert mail.text.strip() == "found me"


def test_mime_nested_beyond_what_the_parser_can_follow_is_refused():
    raw = b"From: a@example.com\r\n" + b"Content-Type: message/rfc822\r\n\r\n" * 5000 + b"x"

    with pytest.raises(MailRefused, match="nested too deeply"):
        parse_email(raw)


def test_nul_bytes_in_headers_are_removed():
    raw = b"From: jan@exa\x00mple.pl\r\nSubject: Zam\x00\x00owienie\r\n\r\nbody"

    mail = parse_email(raw)

    assert (mail.from_email, mail.subject, mail.text) == ("jan@example.pl", "Zamowienie", "body")
    assert mail.problems == ["NUL bytes removed from the headers"]


def test_headers_keeps_a_small_decoded_subset():
    raw = plain_mail(b"Hi", subject=encoded_word("Zamówienie", "utf-8"), extra_headers="X-Secret: token\r\n")

    headers = parse_email(raw).headers

    assert headers["Subject"] == "Zamówienie"
    assert headers["Message-ID"] == "<m1@example.com>"
    assert "X-Secret" not in headers


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "The message is empty."),
        (b"   \r\n ", "The message is empty."),
        (b"%PDF-1.4 not a mail at all", "This is not an email"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "This is not an email"),
        ("not bytes", "An email must be given as bytes."),
    ],
)
def test_what_is_not_a_mail_is_refused_with_a_reason(raw, reason):
    with pytest.raises(MailRefused) as refused:
        parse_email(raw)

    assert str(refused.value).startswith(reason)


def test_mail_over_the_size_limit_is_refused():
    raw = plain_mail(b"x" * 2000)

    with pytest.raises(MailRefused) as refused:
        parse_email(raw, max_bytes=1000)

    assert str(refused.value) == f"The message is {len(raw)} bytes, over the limit of 1000 bytes."


def test_header_that_breaks_the_strict_parser_is_read_with_the_lenient_one():
    # given: a parameter name ending in "*" makes policy.default raise IndexError
    raw = (
        "From: Jan <jan@example.pl>\r\nTo: (c):, shop@example.com\r\n"
        "Subject: =?utf-8?q?Zam=C3=B3wienie?=\r\nContent-Type: text/plain; charset*\r\n\r\nGdzie jest żółw?"
    ).encode()

    # when
    mail = parse_email(raw)

    # then
    assert (mail.subject, mail.to, mail.text) == ("Zamówienie", ["shop@example.com"], "Gdzie jest żółw?")
    assert mail.problems == ["strict parsing failed (IndexError), read leniently"]


def test_deeply_nested_html_mail_is_kept_as_text_with_a_problem():
    html = b"<div>" * 5_000 + b"Where is my parcel?"
    raw = plain_mail(html).replace(b"text/plain", b"text/html")

    mail = parse_email(raw)

    assert (mail.text, mail.html) == ("Where is my parcel?", "<p>Where is my parcel?</p>")
    assert mail.problems == ["HTML nested deeper than 500 levels, shown as text"]
