"""Make the HTML of an inbound mail safe to show to an agent, and read it as plain text.

This is the one place email HTML is cleaned. `sanitize_html` keeps formatting
(paragraphs, lists, tables, links, emphasis) and removes everything that runs
or phones home:

    >>> sanitize_html('<p onclick="x()">Hi <img src="https://t.example/p.gif" alt="logo"></p>')
    '<p>Hi <img alt="logo" data-remote-src="https://t.example/p.gif"></p>'
    >>> html_to_text("<p>Hello</p><p>See <a href='https://shop.example/o/1'>order</a></p>")
    'Hello\\n\\nSee order (https://shop.example/o/1)'

- No script, style, iframe, form, object, embed, svg or math (their content
  goes with them), no ``on*`` handlers, no ``<base>`` or ``<meta>``.
- Links keep only http, https, mailto and tel URLs, open in a new tab and
  carry ``rel="noopener noreferrer nofollow"``.
- Remote images are inert: ``src`` becomes ``data-remote-src``, so nothing is
  fetched (no read receipt, no tracking pixel) until the agent asks to load
  them and the page swaps it back. ``cid:`` images keep their id in
  ``data-cid``; the page points them at the stored attachment.
- ``style`` attributes keep a few harmless properties (colour, weight,
  alignment); any value with ``url(``, ``expression``, escapes or comments
  drops the whole attribute.
- HTML nested more than 500 levels deep is shown as its escaped text: the
  parser's cost grows with the square of the depth, and no mail client
  writes such HTML.
"""

import re
from html import escape, unescape
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup",
    "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
# Removed with everything inside them, not just the tags.
DROPPED_WITH_CONTENT = {
    "script", "style", "title", "head", "iframe", "frame", "frameset", "object", "embed", "applet",
    "svg", "math", "noscript", "template", "textarea", "select", "xmp", "noembed", "noframes",
}  # fmt: skip
TABLE_ATTRIBUTES = {"align", "valign", "colspan", "rowspan", "width", "height", "bgcolor", "border"}
ALLOWED_ATTRIBUTES = {
    "*": {"dir", "lang", "title", "style", "align"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "font": {"color", "size"},
    "ol": {"start", "type"},
    "td": TABLE_ATTRIBUTES,
    "th": TABLE_ATTRIBUTES,
    "table": TABLE_ATTRIBUTES | {"cellpadding", "cellspacing"},
    "tr": {"align", "valign", "bgcolor"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
}
STYLE_PROPERTIES = {
    "color", "background-color", "font-weight", "font-style", "text-decoration", "text-align",
    "font-size", "direction", "unicode-bidi",
}  # fmt: skip
UNSAFE_STYLE = re.compile(r"url\s*\(|expression|javascript|vbscript|\\|/\*|@import|behavior|-moz-binding|<")
LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")
# The HTML parser behind nh3 slows down with the square of nesting depth (100,000 nested
# <div>s take half a minute), so deeper documents are shown as their text instead.
MAX_NESTING = 500
# Tags the parser closes when the next one opens ("<p>a<p>b"): they never deepen the tree.
SELF_CLOSING_SIBLINGS = {
    "p", "li", "td", "th", "tr", "dt", "dd", "option", "optgroup", "thead", "tbody", "tfoot", "colgroup",
    "caption", "rb", "rt", "rp",
}  # fmt: skip
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
IMAGE_TAG = re.compile(r'<img\b((?:[^>"]|"[^"]*")*)>')
IMAGE_SRC = re.compile(r'\ssrc="([^"]*)"')


def sanitize_html(html: str) -> str:
    """Formatting-only HTML with no scripts, no handlers, no remote fetches."""
    if nesting_depth(html) > MAX_NESTING:
        return text_as_html(html_to_text(html))
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        url_relative="deny",
        filter_style_properties=STYLE_PROPERTIES,
        strip_comments=True,
    )
    return IMAGE_TAG.sub(_inert_image, cleaned)


def nesting_depth(html: str) -> int:
    """How deeply the tags of an HTML document nest: unclosed tags count as open."""
    depth = deepest = 0
    for closing, name in TAG.findall(html):
        if name.lower() in VOID_TAGS or name.lower() in SELF_CLOSING_SIBLINGS:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def text_as_html(text: str) -> str:
    """Plain text as escaped HTML paragraphs."""
    paragraphs = (escape(p).replace("\n", "<br>") for p in text.split("\n\n") if p.strip())
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "style":
        return None if UNSAFE_STYLE.search(value.lower()) else value
    if tag == "a" and attribute == "href":
        return value if value.strip().lower().startswith(LINK_SCHEMES) else None
    if tag == "img" and attribute == "src":
        lowered = value.strip().lower()
        return value.strip() if lowered.startswith(("http://", "https://", "cid:")) else None
    return value


def _inert_image(match: re.Match) -> str:
    """Move an image's source where the browser does not look: data-remote-src or data-cid."""
    attributes = match.group(1)
    source = IMAGE_SRC.search(attributes)
    if source is None:
        return match.group(0)
    url = source.group(1)
    rest = attributes[: source.start()] + attributes[source.end() :]
    if unescape(url).lower().startswith("cid:"):
        return f'<img{rest} data-cid="{url[4:]}">'
    return f'<img{rest} data-remote-src="{url}">'


BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
}  # fmt: skip
PARAGRAPH_TAGS = {"p", "table", "blockquote", "h1", "h2", "h3", "h4", "pre", "ul", "ol", "dl", "hr"}
SKIPPED_TAGS = {"script", "style", "head", "title", "template", "noscript", "svg", "math", "iframe", "object"}
VOID_TAGS = {"br", "hr", "img", "input", "meta", "link", "base", "col", "area", "wbr", "source", "embed"}
BLANK_LINES = re.compile(r"\n{3,}")
SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class _TextExtractor(HTMLParser):
    """Collect readable text: block elements break lines, quotes get "> ", links show their URL."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skipping: list[str] = []
        self.quote_depth = 0
        self.pre_depth = 0
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag, attrs):
        if self.skipping:
            if tag == self.skipping[-1] and tag not in VOID_TAGS:
                self.skipping.append(tag)
            return
        if tag in SKIPPED_TAGS:
            self.skipping.append(tag)
            return
        if tag == "br":
            if "".join(self.current).strip():
                self.break_line()
            else:  # <div><br></div> is how rich editors write an empty line
                self.current = []
                self.lines.append(("> " * self.quote_depth).rstrip())
        elif tag in BLOCK_TAGS:
            self.break_line(paragraph=tag in PARAGRAPH_TAGS)
            if tag == "li":
                self.current.append("- ")
            if tag == "blockquote":
                self.quote_depth += 1
            if tag == "pre":
                self.pre_depth += 1
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len("".join(self.current))))
        elif tag in {"td", "th"} and self.current:
            self.current.append(" ")

    def handle_endtag(self, tag):
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.current)[start:].strip()
            if href.lower().startswith(("http://", "https://")) and href.strip() != label:
                self.current.append(f" ({href.strip()})")
        elif tag in BLOCK_TAGS:
            self.break_line(paragraph=tag in PARAGRAPH_TAGS)
            if tag == "blockquote":
                self.quote_depth = max(self.quote_depth - 1, 0)
            if tag == "pre":
                self.pre_depth = max(self.pre_depth - 1, 0)

    def handle_data(self, data):
        if self.skipping:
            return
        if self.pre_depth:
            first, *others = data.split("\n")
            self.current.append(first)
            for line in others:
                self.break_line()
                self.current.append(line)
        else:
            self.current.append(SPACES.sub(" ", data.replace("\n", " ")))

    def break_line(self, paragraph=False):
        line = "".join(self.current)
        line = line if self.pre_depth else line.strip()
        self.current = []
        prefix = "> " * self.quote_depth
        if line:
            self.lines.append(prefix + line)
        if paragraph and self.lines and self.lines[-1].strip("> "):
            self.lines.append(prefix.rstrip())

    def text(self) -> str:
        self.break_line()
        while self.lines and not self.lines[-1].strip("> "):
            self.lines.pop()
        text = "\n".join(line.rstrip() for line in self.lines)
        return BLANK_LINES.sub("\n\n", text).strip()


def html_to_text(html: str) -> str:
    """The readable text of an HTML mail: lines for blocks, "> " for quotes, "text (url)" for links."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # the parser is lenient; this guards against the unforeseen
        return BLANK_LINES.sub("\n\n", re.sub(r"<[^>]*>", " ", html)).strip()
    return extractor.text()
