"""Ready templates: the pages every online store needs, for the owner to fill in and publish.

    title, body = build_text("returns", "pl")
    article = services.create_from_template(store=store, key="returns")  # a draft in pl and en

Each is written in every shipped language (ready_texts/). A body opens with a
line saying it is a template to complete before publishing, and marks what
only the owner knows as a blank in double square brackets, translated inside:
`[[number of days]]`, `[[liczba dni]]`, `[[تعداد روز]]`.

The size chart's numbers live here, in centimetres; inches are computed from
them (cm / 2.54, one decimal, halves up) so the two columns always agree, and
both are written as the language writes numbers (Persian digits in fa).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from cxloop.core.formats import number_text

from .categories import DEFAULT_NAMES
from .ready_texts import BY_LANGUAGE


@dataclass(frozen=True)
class ReadyTemplate:
    slug: str  # the article's address, and the key create_from_template takes
    category: str  # the default category it goes into (categories.DEFAULTS), made again if deleted
    position: int  # within the category
    name: Promise
    description: Promise
    legal: bool = False  # the opening note adds that the text is not legal advice

    @property
    def category_name(self) -> str:
        """The default category's name (the store's own may be called otherwise now)."""
        return str(DEFAULT_NAMES[self.category])


TEMPLATES = {
    template.slug: template
    for template in [
        ReadyTemplate(
            slug="shipping",
            category="orders",
            position=0,
            name=pgettext_lazy("ready template", "Shipping policy"),
            description=pgettext_lazy(
                "ready template", "When orders leave, delivery times and costs, tracking, customs."
            ),
        ),
        ReadyTemplate(
            slug="returns",
            category="returns",
            position=0,
            name=pgettext_lazy("ready template", "Returns and refunds"),
            description=pgettext_lazy(
                "ready template",
                "How long customers have, how to send an item back, when the money comes back.",
            ),
        ),
        ReadyTemplate(
            slug="privacy",
            category="policies",
            position=0,
            name=pgettext_lazy("ready template", "Privacy policy"),
            description=pgettext_lazy(
                "ready template",
                "What personal data the store keeps, why and for how long, and the customer's GDPR rights.",
            ),
            legal=True,
        ),
        ReadyTemplate(
            slug="terms",
            category="policies",
            position=10,
            name=pgettext_lazy("ready template", "Terms of service"),
            description=pgettext_lazy(
                "ready template", "Orders, prices, delivery, withdrawal, complaints and the applicable law."
            ),
            legal=True,
        ),
        ReadyTemplate(
            slug="about",
            category="about",
            position=0,
            name=pgettext_lazy("ready template", "About us"),
            description=pgettext_lazy(
                "ready template", "The store's story, what it sells and what it promises."
            ),
        ),
        ReadyTemplate(
            slug="contact",
            category="about",
            position=10,
            name=pgettext_lazy("ready template", "Contact us"),
            description=pgettext_lazy("ready template", "Email, phone, opening hours and company details."),
        ),
        ReadyTemplate(
            slug="faq",
            category="other",
            position=0,
            name=pgettext_lazy("ready template", "Frequently asked questions"),
            description=pgettext_lazy(
                "ready template", "Short answers about orders, delivery, returns and payment."
            ),
        ),
        ReadyTemplate(
            slug="size-chart",
            category="products",
            position=0,
            name=pgettext_lazy("ready template", "Size charts"),
            description=pgettext_lazy(
                "ready template", "Tops, trousers and shoes in centimetres and inches, and how to measure."
            ),
        ),
    ]
}

# Body measurements in cm, typical for adult clothing in Europe; the owner checks them against their own.
TOPS = [("XS", 82, 87), ("S", 88, 94), ("M", 95, 101), ("L", 102, 108), ("XL", 109, 116), ("XXL", 117, 124)]
TROUSERS = [  # size, waist from-to, inside leg
    ("XS", 66, 71, 76), ("S", 72, 77, 78), ("M", 78, 83, 80),
    ("L", 84, 89, 82), ("XL", 90, 96, 83), ("XXL", 97, 103, 84),
]  # fmt: skip
SHOES = [  # EU size, foot length
    (36, "22.5"), (37, "23.2"), (38, "23.8"), (39, "24.5"), (40, "25.2"), (41, "25.8"),
    (42, "26.5"), (43, "27.2"), (44, "27.8"), (45, "28.5"), (46, "29.2"),
]  # fmt: skip
CM_PER_INCH = Decimal("2.54")


def inches(cm) -> Decimal:
    """Centimetres in inches, to one decimal (halves up): 82 -> 32.3."""
    return (Decimal(str(cm)) / CM_PER_INCH).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def build_text(slug: str, language: str) -> tuple[str, str]:
    """The template's title and Markdown body in a shipped language, opening with the template note."""
    words = BY_LANGUAGE[language]
    text = words.TEXTS[slug]
    note = words.NOTE + (" " + words.LEGAL_NOTE if TEMPLATES[slug].legal else "")
    body = text["body"]
    if slug == "size-chart":
        for name, table in build_size_tables(language).items():
            body = body.replace("{" + name + "}", table)
    return text["title"], f"{note}\n\n{body}"


def build_size_tables(language: str) -> dict[str, str]:
    """The size chart's Markdown tables (tops, trousers, shoes), each measure in cm and in inches."""
    labels = BY_LANGUAGE[language].SIZE_LABELS

    def both(measure: str) -> list[str]:
        return [labels["header"].format(measure=labels[measure], unit=labels[unit]) for unit in ("cm", "in")]

    def measures(*values) -> list[str]:
        """A value or a range ("82–87"), in centimetres and in inches."""
        cm = "–".join(number_text(Decimal(str(value)), -1, language) for value in values)
        inch = "–".join(number_text(inches(value), 1, language) for value in values)
        return [cm, inch]

    return {
        "tops": _table(
            [labels["size"], *both("chest")], [[size, *measures(lo, hi)] for size, lo, hi in TOPS]
        ),
        "trousers": _table(
            [labels["size"], *both("waist"), *both("inside_leg")],
            [[size, *measures(lo, hi), *measures(leg)] for size, lo, hi, leg in TROUSERS],
        ),
        "shoes": _table(
            [labels["eu"], *both("foot")],
            [[number_text(eu, 0, language), *measures(foot)] for eu, foot in SHOES],
        ),
    }


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table; the number columns after the first are aligned to the end."""
    lines = [header, ["---"] + ["---:"] * (len(header) - 1), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)
