"""The benchmark corpus is deterministic, multilingual and parses cleanly."""

from collections import Counter

from cxloop.helpdesk.mail.corpus import build_corpus
from cxloop.helpdesk.mail.parse import parse_email


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not():
    assert build_corpus(50, seed=3) == build_corpus(50, seed=3)
    assert build_corpus(50, seed=3) != build_corpus(50, seed=4)


def test_corpus_parses_without_problems_into_customer_mail():
    # given
    mails = [parse_email(raw) for raw in build_corpus(300, seed=1)]

    # then
    assert all(mail.problems == [] for mail in mails)
    assert all(mail.from_email and mail.subject and mail.reply_text for mail in mails)
    assert all(mail.to == ["support@shop.example"] for mail in mails)
    assert not any(mail.auto_submitted or mail.bounce for mail in mails)


def test_corpus_covers_the_charsets_and_shapes_of_real_support_mail():
    # given
    corpus = build_corpus(300, seed=1)
    mails = [parse_email(raw) for raw in corpus]

    # then
    charsets = Counter(
        label
        for raw in corpus
        for label in ("iso-8859-2", "windows-1257", "gb2312", "big5", "iso-2022-jp", "koi8-r")
        if f"charset={label}".encode() in raw
    )
    assert set(charsets) == {"iso-8859-2", "windows-1257", "gb2312", "big5", "iso-2022-jp", "koi8-r"}
    assert sum(bool(mail.html) for mail in mails) > 30
    assert sum(bool(mail.attachments) for mail in mails) > 30
    assert sum(bool(mail.in_reply_to) for mail in mails) > 60


def test_replies_in_the_corpus_lose_their_quoted_history():
    mails = [parse_email(raw) for raw in build_corpus(300, seed=2)]
    replies = [mail for mail in mails if mail.in_reply_to]

    assert replies
    assert all(">" not in mail.reply_text and len(mail.reply_text) < len(mail.text) for mail in replies)
