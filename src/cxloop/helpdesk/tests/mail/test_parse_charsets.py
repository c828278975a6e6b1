"""Mails in the charsets real shops receive decode to the words the customer wrote."""

import pytest

from cxloop.helpdesk.mail.parse import parse_email

from .builders import encoded_word, plain_mail

POLISH = (
    "Dzień dobry,\nzamówiłam czajnik tydzień temu i paczka wciąż nie dotarła. "
    "Proszę o pomoc.\nMałgorzata Żółtowska"
)
LATVIAN = (
    "Labdien!\nPirms divām nedēļām pasūtīju zābakus, bet sūtījums vēl nav saņemts.\nAr cieņu, Kārlis Ķēniņš"
)
PERSIAN = "سلام، سفارش من هنوز نرسیده است. لطفاً پیگیری کنید.\nبا تشکر، مریم"
SIMPLIFIED = "您好：我上周买的电热水壶还没收到，订单号 1042。麻烦查一下物流，谢谢！王喆"
TRADITIONAL = "您好：我上週訂購的床包組還沒收到，訂單編號 1042。麻煩幫我查詢一下，謝謝！陳大文"
JAPANESE = (
    "お世話になっております。\n先週注文した電気ケトルがまだ届いておりません。ご確認ください。\n佐藤 花子"
)
RUSSIAN = "Здравствуйте! Мой заказ 1042 так и не пришёл. Проверьте, пожалуйста.\nИван"


@pytest.mark.parametrize(
    ("text", "charset", "codec"),
    [
        (POLISH, "ISO-8859-2", "iso-8859-2"),
        (POLISH, "windows-1250", "cp1250"),
        (POLISH, "utf-8", "utf-8"),
        (LATVIAN, "windows-1257", "cp1257"),
        (LATVIAN, "ISO-8859-13", "iso-8859-13"),
        (PERSIAN, "UTF-8", "utf-8"),
        # 喆 is in GBK but not in GB2312: such text is labelled gb2312 every day.
        (SIMPLIFIED, "gb2312", "gb18030"),
        (SIMPLIFIED, "GBK", "gbk"),
        (TRADITIONAL, "big5", "big5"),
        (JAPANESE, "ISO-2022-JP", "iso2022_jp"),
        (RUSSIAN, "koi8-r", "koi8-r"),
    ],
)
def test_body_in_the_declared_charset_is_decoded(text, charset, codec):
    # given
    raw = plain_mail(text.encode(codec), charset=charset, transfer_encoding="base64")

    # when
    mail = parse_email(raw)

    # then
    assert mail.text == text
    assert mail.problems == []


@pytest.mark.parametrize(
    ("subject", "charset"),
    [
        ("Zamówienie nr 1042 – reklamacja", "utf-8"),
        ("Zamówienie nr 1042", "iso-8859-2"),
        ("Pasūtījums Nr. 1042: kur ir sūtījums?", "windows-1257"),
        ("سفارش ۱۰۴۲ هنوز نرسیده است", "utf-8"),
        ("订单1042还没有收到（王喆）", "gb2312"),
        ("訂單1042尚未收到", "big5"),
        ("注文番号1042の配送について", "iso-2022-jp"),
        ("Заказ 1042 не пришёл", "koi8-r"),
    ],
)
def test_encoded_word_subject_is_decoded(subject, charset):
    raw = plain_mail(b"Hello", subject=encoded_word(subject, charset))

    assert parse_email(raw).subject == subject


def test_quoted_printable_words_split_inside_a_character_are_joined():
    # given: "żółw" in UTF-8 split across two Q words in the middle of "ó"
    subject = "=?utf-8?Q?Re:_=C5=BC=C3?= =?utf-8?Q?=B3=C5=82w?="

    # when
    mail = parse_email(plain_mail(b"Hi", subject=subject))

    # then
    assert mail.subject == "Re: żółw"


def test_sender_name_in_encoded_words_is_decoded():
    sender = f"{encoded_word('Jānis Bērziņš', 'windows-1257', 'Q')} <Janis@Inbox.Example.LV>"

    mail = parse_email(plain_mail(b"Labdien", sender=sender))

    assert (mail.from_name, mail.from_email) == ("Jānis Bērziņš", "janis@inbox.example.lv")


def test_raw_eight_bit_headers_are_read_as_utf8():
    # given: a webmail that writes UTF-8 straight into the header, unencoded
    raw = plain_mail("Dziękuję".encode(), subject="Zamówienie", sender="Łukasz Żak <l@example.pl>")

    # when
    mail = parse_email(raw)

    # then
    assert (mail.subject, mail.from_name, mail.text) == ("Zamówienie", "Łukasz Żak", "Dziękuję")


def test_unknown_charset_falls_back_and_says_so():
    raw = plain_mail("Zażółć gęślą jaźń".encode(), charset="x-unheard-of")

    mail = parse_email(raw)

    assert mail.text == "Zażółć gęślą jaźń"
    assert mail.problems == ["charset x-unheard-of unknown, decoded as utf-8"]


def test_utf8_text_labelled_latin2_is_read_as_utf8():
    raw = plain_mail("Zażółć gęślą jaźń".encode(), charset="iso-8859-2")

    mail = parse_email(raw)

    assert mail.text == "Zażółć gęślą jaźń"
    assert mail.problems == ["charset iso-8859-2 declared, the text is utf-8"]


def test_lying_multibyte_charset_is_replaced_by_a_guess():
    # given: Big5 bytes labelled utf-8
    text = "您好，我的包裹還沒有收到，請幫我查詢訂單的物流狀態，謝謝您的幫忙。" * 3
    raw = plain_mail(text.encode("big5"), charset="utf-8")

    # when
    mail = parse_email(raw)

    # then
    assert mail.problems[0].startswith("charset utf-8 does not fit the text, decoded as ")
    assert "訂單" in mail.text


def test_missing_charset_with_utf8_bytes_is_read_as_utf8():
    mail = parse_email(plain_mail("Paldies, viss kārtībā".encode(), charset=None))

    assert mail.text == "Paldies, viss kārtībā"


def test_nul_bytes_are_removed_from_text():
    mail = parse_email(plain_mail(b"Hel\x00lo\x00 there", charset="utf-8"))

    assert mail.text == "Hello there"


def test_raw_gbk_header_is_read_with_the_body_charset():
    # given: a Chinese mail client writing the subject as raw GBK bytes
    head = (
        b"From: kefu@example.cn\r\nTo: support@shop.example\r\nSubject: "
        + "订单还没收到".encode("gbk")
        + b"\r\nContent-Type: text/plain; charset=gbk\r\n\r\n"
    )

    # when
    mail = parse_email(head + "麻烦查一下物流".encode("gbk"))

    # then
    assert (mail.subject, mail.text) == ("订单还没收到", "麻烦查一下物流")


def test_iso_2022_jp_with_windows_extensions_is_decoded():
    # given: Outlook on Windows writes NEC specials (①, ㈱) into ISO-2022-JP, as CP50220 does
    body = b"\x1b$B-!HV$N>&IJ$G$9!#\x1b(B\r\n\x1b$B-j\x1b(B Shop"
    subject = "=?ISO-2022-JP?B?GyRCLSFIViROQ21KOBsoQg==?="

    # when
    mail = parse_email(plain_mail(body, charset="ISO-2022-JP", subject=subject, transfer_encoding="7bit"))

    # then
    assert mail.text == "①番の商品です。\n㈱ Shop"
    assert mail.subject == "①番の注文"
    assert mail.problems == []


def test_iso_2022_jp_with_half_width_katakana_is_decoded():
    body = "ﾊﾝｶｸ ｶﾀｶﾅ の注文".encode("iso2022_jp_ext")

    mail = parse_email(plain_mail(body, charset="iso-2022-jp", transfer_encoding="7bit"))

    assert mail.text == "ﾊﾝｶｸ ｶﾀｶﾅ の注文"
