"""Whatever an author writes, the stored HTML holds no script, handler or script address."""

import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxloop.helpcenter.services import render_markdown

PIECES = st.sampled_from([
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[a](javascript:alert(1))",
    "[a](JaVaScRiPt:alert(1))", "[a](java\tscript:alert(1))", "![i](javascript:alert(1))",
    '<a href="javascript:x">y</a>', "<svg onload=alert(1)>", "<iframe src=//evil>", "**b**", "# h",
    "| a | b |\n|---|---|\n| 1 | 2 |", "[ok](https://shop.example)", "<style>*{}</style>", "\n\n", "`code`",
    "[x](data:text/html,<script>alert(1)</script>)", "<a href='vbscript:msgbox'>v</a>", "&#106;avascript:",
    "[t](<javascript:alert(1)>)", "<div style=\"background:url(javascript:x)\">d</div>",
])  # fmt: skip
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=20)), max_size=12).map("".join)
TAG_ATTRIBUTES = re.compile(r"<[a-z0-9]+\b([^>]*)>", re.IGNORECASE)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_no_markdown_makes_script(text):
    html = render_markdown(text)

    lowered = html.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "<svg" not in lowered
    assert "<style" not in lowered and "<div" not in lowered
    for attributes in TAG_ATTRIBUTES.findall(html):
        assert not re.search(r"\bon[a-z]+\s*=", attributes, re.IGNORECASE)
        for url in re.findall(r'(?:href|src)="([^"]*)"', attributes):
            assert url.startswith(("https://", "http://", "mailto:")) or not re.match(
                r"[a-z][a-z0-9+.-]*:", url, re.I
            )


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    slug=st.text(max_size=90).filter(lambda s: "/" not in s and "?" not in s and "#" not in s),
    lang=st.text(max_size=40),
    accept=st.text(max_size=60),
)
def test_no_address_or_language_makes_the_public_pages_fail(client, store, slug, lang, accept):
    paths = (
        f"/help/sklep-ania/{quote(slug)}/",
        f"/help/{quote(slug)}/",
        f"/help/sklep-ania/category/{quote(slug)}/",
    )
    for path in paths:
        answer = client.get(
            path, {"lang": lang}, HTTP_ACCEPT_LANGUAGE=accept.encode("latin-1", "ignore").decode("latin-1")
        )
        assert answer.status_code in (200, 404)
