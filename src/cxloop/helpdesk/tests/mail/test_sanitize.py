"""sanitize_html keeps formatting and nothing that runs or fetches; html_to_text reads HTML mail as text."""

import re

import pytest

from cxloop.helpdesk.mail.sanitize import html_to_text, sanitize_html

# Vectors in the manner of the OWASP XSS filter evasion cheat sheet.
HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    '<IMG SRC="javascript:alert(1);">',
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<IMG SRC=`javascript:alert(1)`>",
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    '<a href="jav&#x0A;ascript:alert(1)">newline</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">decimal</a>',
    '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)">hex</a>',
    '<a href=" &#14;  javascript:alert(1)">leading</a>',
    '<a href="JAVASCRIPT:alert(1)">upper</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<img src="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+">',
    '<IMG """><SCRIPT>alert(1)</SCRIPT>">',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<img src=x onerror="alert(1)">',
    "<BODY ONLOAD=alert(1)>",
    "<svg/onload=alert(1)>",
    '<svg><script xlink:href="data:,alert(1)"></script><a xlink:href="javascript:alert(1)">x</a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="https://evil.example/x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example/"><input name="password"><button>Log in</button></form>',
    '<base href="https://evil.example/"><a href="/login">relative</a>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<style>@import 'https://evil.example/x.css'; body{background:url(https://t.example/p)}</style>",
    '<div style="background-image: url(javascript:alert(1))">css url</div>',
    '<div style="width: expression(alert(1));">css expr</div>',
    '<div style="color: red; background: u\\rl(https://t.example/p)">css escape</div>',
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</div>',
    '<a href="https://ok.example/" target="_self" rel="opener" onclick="x()">ok</a>',
    "<!--[if gte IE 4]><SCRIPT>alert(1);</SCRIPT><![endif]-->",
    '<table background="javascript:alert(1)"><tr><td>cell</td></tr></table>',
    '<div id="app" class="x" data-x="1">attrs</div>',
    "<template><img src=x onerror=alert(1)></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
]
FORBIDDEN = re.compile(
    r"<(script|style|iframe|object|embed|form|input|button|svg|math|base|meta|link|body|template)\b"
    r"|\son\w+\s*=|javascript:|vbscript:|data:|expression|url\(|\ssrc=|position|\sid=|\sclass=",
    re.IGNORECASE,
)


@pytest.mark.parametrize("html", HOSTILE)
def test_hostile_html_keeps_nothing_that_runs_or_fetches(html):
    cleaned = sanitize_html(html)

    assert FORBIDDEN.search(cleaned) is None, cleaned


def test_links_open_in_a_new_tab_without_referrer_or_opener():
    cleaned = sanitize_html('<a href="https://shop.example/o/1" target="_self" rel="opener">order</a>')

    assert cleaned == (
        '<a href="https://shop.example/o/1" target="_blank" rel="noopener noreferrer nofollow">order</a>'
    )


def test_relative_links_are_dropped_so_a_base_tag_cannot_redirect_them():
    assert sanitize_html('<base href="https://evil.example/"><a href="/login">x</a>') == (
        '<a target="_blank" rel="noopener noreferrer nofollow">x</a>'
    )


def test_mailto_links_are_kept():
    assert 'href="mailto:jan@example.pl"' in sanitize_html('<a href="mailto:jan@example.pl">Jan</a>')


def test_remote_images_become_inert():
    cleaned = sanitize_html('<img src="https://track.example/p.gif?u=1&amp;m=2" alt="logo" width="1">')

    assert cleaned == '<img alt="logo" width="1" data-remote-src="https://track.example/p.gif?u=1&amp;m=2">'


def test_cid_images_keep_their_content_id():
    assert (
        sanitize_html('<img src="cid:part1.abc@mail" alt="photo">')
        == '<img alt="photo" data-cid="part1.abc@mail">'
    )


def test_formatting_is_kept():
    html = (
        '<p dir="rtl" lang="fa">سلام <b>دنیا</b></p><ul><li><i>one</i></li></ul>'
        '<table><tr><td colspan="2">cell</td></tr></table><blockquote>old</blockquote>'
    )

    cleaned = sanitize_html(html)

    assert cleaned == (
        '<p dir="rtl" lang="fa">سلام <b>دنیا</b></p><ul><li><i>one</i></li></ul>'
        '<table><tbody><tr><td colspan="2">cell</td></tr></tbody></table><blockquote>old</blockquote>'
    )


def test_style_keeps_only_harmless_properties():
    cleaned = sanitize_html('<span style="color: red; position: fixed; font-weight: bold">x</span>')

    assert cleaned == '<span style="color:red;font-weight:bold">x</span>'


def test_style_with_a_url_is_dropped_whole():
    assert (
        sanitize_html('<span style="color:red; background:url(https://t.example/p)">x</span>')
        == "<span>x</span>"
    )


def test_html_to_text_breaks_blocks_and_shows_link_urls():
    html = (
        "<html><head><title>Mail</title><style>p{}</style></head><body>"
        "<div>Hi,</div><div><br></div>"
        "<div>my order <a href='https://shop.example/o/1'>1042</a> is late.</div>"
        "<ul><li>kettle</li><li>boots</li></ul>"
        "<div class='gmail_quote'><div>On Mon, Shop wrote:</div>"
        "<blockquote><p>Thanks &amp; bye</p></blockquote></div>"
        "<script>alert(1)</script></body></html>"
    )

    assert html_to_text(html) == (
        "Hi,\n\nmy order 1042 (https://shop.example/o/1) is late.\n\n- kettle\n- boots\n\n"
        "On Mon, Shop wrote:\n\n> Thanks & bye"
    )


def test_html_to_text_keeps_preformatted_lines():
    assert html_to_text("<pre>Qty  Item\n2    Kettle</pre>") == "Qty  Item\n2    Kettle"


def test_html_to_text_does_not_repeat_a_link_that_is_its_own_text():
    assert html_to_text('<a href="https://shop.example">https://shop.example</a>') == "https://shop.example"


def test_html_nested_too_deeply_is_shown_as_escaped_text():
    html = "<div>" * 20_000 + "Hello <script>alert(1)</script>&lt;b&gt;"

    assert sanitize_html(html) == "<p>Hello &lt;b&gt;</p>"


def test_many_unclosed_paragraphs_are_not_too_deep():
    html = "<p>line" * 2_000

    assert sanitize_html(html).count("<p>line</p>") == 2_000
