"""Whatever bytes arrive, parse_email returns a ParsedEmail or raises MailRefused, nothing else."""

from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxloop.helpdesk.mail.corpus import build_corpus
from cxloop.helpdesk.mail.parse import MailRefused, ParsedEmail, parse_email
from cxloop.helpdesk.mail.quotes import split_reply
from cxloop.helpdesk.mail.sanitize import html_to_text, sanitize_html

SEEDS = build_corpus(40, seed=11)
# Fragments that steer a mutated mail into the parser's corners.
TOKENS = [
    b"\x00",
    b"\r\n\r\n",
    b"\r\n ",
    b"=?",
    b"?=",
    b"=?utf-8?B?",
    b"=?gb2312?Q?=D6=D0",
    b"=?x-unknown?b?",
    b"--",
    b'boundary="',
    b"Content-Type: multipart/mixed; boundary=x\r\n",
    b"Content-Type: message/rfc822\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"charset=",
    b"charset=rot13",
    b"charset=utf-16",
    b"filename*0*=utf-8''%E2%80%AE",
    b'filename="../../',
    b"<",
    b">",
    b"@",
    b"\xff\xfe",
    b"\xc3",
    b"From: ",
    b"Date: ",
    b"Message-ID: <",
    b"=\r\n",
    b"begin 644 x\r\n",
]
FUZZ_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def parse_or_refuse(raw: bytes) -> None:
    try:
        mail = parse_email(raw, max_bytes=200_000, max_attachment_bytes=50_000)
    except MailRefused as refused:
        assert str(refused)
        return
    assert isinstance(mail, ParsedEmail)
    assert len(mail.subject) <= 998 and "\n" not in mail.subject
    assert len(mail.to) <= 50 and len(mail.cc) <= 50
    assert len(mail.attachments) <= 100
    assert all(a.filename and "/" not in a.filename and "\\" not in a.filename for a in mail.attachments)
    assert "\x00" not in mail.text + mail.subject + mail.from_name
    assert mail.date is None or mail.date.tzinfo is not None
    assert "<script" not in mail.html.lower()


@FUZZ_SETTINGS
@given(st.binary(max_size=4000))
def test_random_bytes_are_parsed_or_refused(raw):
    parse_or_refuse(raw)


@FUZZ_SETTINGS
@given(st.binary(max_size=2000).map(lambda body: b"From: a@example.com\r\nSubject: x\r\n" + body))
def test_random_bodies_after_real_headers_are_parsed_or_refused(raw):
    parse_or_refuse(raw)


mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.integers(1, 200)),
    st.tuples(st.just("repeat"), st.integers(0, 10**6), st.integers(1, 200)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.sampled_from(TOKENS)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.just(0)),
)


def mutate(raw: bytes, steps) -> bytes:
    data = bytearray(raw)
    for kind, position, value in steps:
        at = position % (len(data) + 1)
        if kind == "flip" and at < len(data):
            data[at] = value
        elif kind == "delete":
            del data[at : at + value]
        elif kind == "repeat":
            data[at:at] = data[at : at + value] * 3
        elif kind == "insert":
            data[at:at] = value
        elif kind == "truncate":
            del data[at:]
    return bytes(data)


@FUZZ_SETTINGS
@given(st.sampled_from(SEEDS), st.lists(mutation, min_size=1, max_size=12))
def test_mutated_real_mails_are_parsed_or_refused(raw, steps):
    parse_or_refuse(mutate(raw, steps))


HTML_PIECES = st.sampled_from(
    [
        "<div>", "</div>", "<p>", "<a href='", "javascript:", "https://x.example/", "'>", "</a>",
        "<img src=", "\"cid:a\"", "\"https://t.example/p\"", " onerror=alert(1)", "<script>", "</script>",
        "<svg>", "<style>", "<!--", "-->", "<blockquote>", "&#x6A;", "&lt;", "<br>", "text ", "\u202e",
        "\x00", "<", ">", "\"", "'", "style='color:red;background:url(x)'", "<base href=x>",
        "<meta http-equiv=refresh>", "<iframe src=x>", "<form>", "<input>",
    ]
)  # fmt: skip
ALLOWED_URL_ATTRIBUTES = {"href": ("https://", "http://", "mailto:", "tel:"), "data-remote-src": ("http",)}


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@FUZZ_SETTINGS
@given(st.lists(HTML_PIECES, max_size=60).map("".join))
def test_sanitised_html_never_keeps_anything_that_runs_or_fetches(html):
    # when
    collector = TagCollector()
    collector.feed(sanitize_html(html))

    # then
    for tag, attributes in collector.tags:
        assert tag not in {"script", "style", "svg", "iframe", "form", "input", "base", "meta"}
        assert not any(name.startswith("on") or name == "src" for name in attributes)
        for name, prefixes in ALLOWED_URL_ATTRIBUTES.items():
            assert name not in attributes or attributes[name].lower().startswith(prefixes)
    assert isinstance(html_to_text(html), str)


@FUZZ_SETTINGS
@given(st.text(max_size=2000))
def test_split_reply_never_loses_a_non_empty_mail(text):
    reply, history = split_reply(text)

    assert bool(reply) == bool(text.strip())
    assert reply in text.replace("\r\n", "\n").replace("\r", "\n")
