"""Ready templates: the pages every store needs, in every shipped language, added as drafts to fill in."""

import re
from decimal import ROUND_HALF_UP, Decimal
from html import unescape

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cxloop.core.errors import InvalidInput
from cxloop.helpcenter import ready_templates, services
from cxloop.helpcenter.categories import DEFAULT_NAMES
from cxloop.helpcenter.models import Article, ArticleText, Category
from cxloop.helpcenter.ready_texts import BY_LANGUAGE

LANGUAGES = [code for code, _name in settings.LANGUAGES]
TEMPLATES = ready_templates.TEMPLATES
BLANK = re.compile(r"\[\[[^\[\]]+\]\]")
EVERY = [(slug, language) for slug in TEMPLATES for language in LANGUAGES]
FROM_TEMPLATE = reverse("helpcenter:article-from-template")
LIST = reverse("helpcenter:articles")


def markdown_tables(body: str) -> list[tuple[list[str], list[list[str]]]]:
    """Each table's header cells and row cells (the line of dashes left out)."""
    tables, lines = [], body.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|") and (i == 0 or not lines[i - 1].startswith("|")):
            block = []
            for row in lines[i:]:
                if not row.startswith("|"):
                    break
                block.append([cell.strip() for cell in row.strip("|").split("|")])
            tables.append((block[0], block[2:]))
    return tables


# --- the texts ------------------------------------------------------------------------------------


def test_the_eight_pages_a_store_needs_are_there_each_in_a_default_category():
    assert list(TEMPLATES) == [
        "shipping", "returns", "privacy", "terms", "about", "contact", "faq", "size-chart",
    ]  # fmt: skip
    assert {t.slug: t.category for t in TEMPLATES.values()} == {
        "shipping": "orders", "returns": "returns", "privacy": "policies", "terms": "policies",
        "about": "about", "contact": "about", "faq": "other", "size-chart": "products",
    }  # fmt: skip
    assert {t.category for t in TEMPLATES.values()} <= set(DEFAULT_NAMES)
    assert set(BY_LANGUAGE) == set(LANGUAGES)
    for language, words in BY_LANGUAGE.items():
        assert set(words.TEXTS) == set(TEMPLATES), language


@pytest.mark.parametrize(("slug", "language"), EVERY)
def test_every_template_is_safe_markdown_in_every_language_opening_with_the_note(slug, language):
    title, body = ready_templates.build_text(slug, language)
    html = services.render_markdown(body)

    assert title.strip() == title and 0 < len(title) <= services.MAX_TITLE
    assert body.startswith(BY_LANGUAGE[language].NOTE + (" " if TEMPLATES[slug].legal else "\n\n"))
    assert "<" not in body  # no raw HTML (the page would show it as text)
    assert "{" not in body and "}" not in body  # every table placed
    assert "## " in body and html.count("<h2>") >= 2
    assert "*" not in html  # every emphasis closed, also next to Chinese punctuation
    blanks = BLANK.findall(body)
    assert blanks and BLANK.findall(unescape(html)) == blanks  # each stays text
    assert "<a " not in html  # no blank became a link


@pytest.mark.parametrize("slug", TEMPLATES)
def test_every_language_asks_the_owner_for_as_many_blanks_as_english(slug):
    counts = {lang: len(BLANK.findall(ready_templates.build_text(slug, lang)[1])) for lang in LANGUAGES}

    assert set(counts.values()) == {counts["en"]}, counts


@pytest.mark.parametrize("language", LANGUAGES)
def test_only_the_privacy_policy_and_the_terms_say_they_are_not_legal_advice(language):
    legal_note = BY_LANGUAGE[language].LEGAL_NOTE

    saying = [slug for slug in TEMPLATES if legal_note in ready_templates.build_text(slug, language)[1]]

    assert saying == ["privacy", "terms"]


def test_the_privacy_policy_covers_the_gdpr_basics():
    body = ready_templates.build_text("privacy", "en")[1]

    for words in ("GDPR", "What data", "How long", "Your rights", "[[email address]]", "consent"):
        assert words in body
    assert "complies" not in body.lower() and "compliant" not in body.lower()


# --- the size chart -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_size_chart_has_a_table_for_tops_trousers_and_shoes(language):
    html = services.render_markdown(ready_templates.build_text("size-chart", language)[1])

    assert html.count("<table>") == 3 and html.count("<tr>") == 3 + 6 + 6 + 11


def test_inches_are_the_centimetres_divided_by_2_54_to_one_decimal():
    body = ready_templates.build_text("size-chart", "en")[1]

    checked = 0
    for header, rows in markdown_tables(body):
        pairs = [(i, i + 1) for i, name in enumerate(header) if name.endswith("(cm)")]
        assert pairs and all(header[j].endswith("(in)") for _i, j in pairs)
        for row in rows:
            for i, j in pairs:
                for cm, inch in zip(row[i].split("–"), row[j].split("–"), strict=True):
                    expected = (Decimal(cm) / Decimal("2.54")).quantize(Decimal("0.1"), ROUND_HALF_UP)
                    assert Decimal(inch) == expected, (cm, inch)
                    checked += 1
    assert checked == 6 * 2 + 6 * 3 + 11
    # a few worked by hand: 95 / 2.54 = 37.40, 101 / 2.54 = 39.76, 26.5 / 2.54 = 10.43
    assert "| M | 95–101 | 37.4–39.8 |" in body and "| 42 | 26.5 | 10.4 |" in body


def test_the_size_chart_writes_numbers_as_each_language_does():
    persian = ready_templates.build_text("size-chart", "fa")[1]
    polish = ready_templates.build_text("size-chart", "pl")[1]

    assert "| M | ۹۵–۱۰۱ | ۳۷٫۴–۳۹٫۸ |" in persian and "| ۴۲ | ۲۶٫۵ | ۱۰٫۴ |" in persian
    assert not re.search(r"[0-9]", persian)  # every digit Persian
    assert "| M | 95–101 | 37,4–39,8 |" in polish and "| 42 | 26,5 | 10,4 |" in polish


# --- adding a template ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_template_becomes_a_draft_in_the_stores_language_and_english(store):
    store.default_language = "pl"
    store.save(update_fields=["default_language"])

    article = services.create_from_template(store=store, key="returns")

    assert (article.slug, article.category.key, article.published) == ("returns", "returns", False)
    texts = {text.language: text for text in article.texts.all()}
    assert sorted(texts) == ["en", "pl"]
    assert texts["pl"].title == "Zwroty i zwrot pieniędzy" and "[[liczba dni]]" in texts["pl"].body
    assert texts["en"].title == "Returns and refunds"
    assert texts["pl"].html == services.render_markdown(texts["pl"].body)


@pytest.mark.django_db
def test_the_owner_chooses_the_other_languages(store):
    chosen = services.create_from_template(store=store, key="faq", languages=["fa", "zh-Hant", "fa"])
    only_own = services.create_from_template(store=store, key="about", languages=[])

    assert sorted(chosen.texts.values_list("language", flat=True)) == ["en", "fa", "zh-hant"]
    assert list(only_own.texts.values_list("language", flat=True)) == ["en"]


@pytest.mark.django_db
def test_adding_a_template_again_takes_the_next_free_address_in_this_store_only(store, other_store):
    theirs = services.create_from_template(store=other_store, key="shipping")
    services.save_article(  # taken by hand
        store=store, fields={"slug": "shipping-2", "category": Category.objects.filter(store=store).first()}
    )

    first = services.create_from_template(store=store, key="shipping")
    second = services.create_from_template(store=store, key="shipping")

    assert (first.slug, second.slug) == ("shipping", "shipping-3")
    assert first.texts.get(language="en").body == second.texts.get(language="en").body
    assert list(Article.objects.filter(store=other_store).values_list("slug", flat=True)) == ["shipping"]
    assert theirs.texts.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "languages", "field"),
    [("nope", None, "key"), ("", None, "key"), ("Shipping", None, "key"), (None, None, "key"),
     ("faq", ["xx"], "languages"), ("faq", ["en", ""], "languages")],
)  # fmt: skip
def test_a_bad_template_or_language_is_invalid_input_naming_it_and_adds_nothing(store, key, languages, field):
    with pytest.raises(InvalidInput) as raised:
        services.create_from_template(store=store, key=key, languages=languages)

    assert raised.value.field == field
    assert not Article.objects.exists() and not ArticleText.objects.exists()


# --- the staff page -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_owner_adds_a_template_from_the_list_and_lands_in_its_editor(staff_client, store):
    page = staff_client.get(LIST).content.decode()

    answer = staff_client.post(FROM_TEMPLATE, {"key": "size-chart", "languages": ["en", "fa"]})

    assert "Start from a template" in page and page.count('name="key"') == len(TEMPLATES)
    assert 'value="size-chart"' in page and 'value="zh-hant"' in page and "Size charts" in page
    article = Article.objects.get(store=store)
    assert answer.status_code == 302
    assert answer["Location"] == reverse("helpcenter:article", args=[article.pk]) + "?language=en"
    assert sorted(article.texts.values_list("language", flat=True)) == ["en", "fa"]
    editor = staff_client.get(answer["Location"]).content.decode()
    assert "<table>" in editor and "[[email address]]" in editor and "Draft" in editor


@pytest.mark.django_db
def test_a_template_already_used_shows_as_added_and_can_be_added_again(staff_client, store, other_store):
    services.create_from_template(store=other_store, key="faq")  # another store's use doesn't count
    services.create_from_template(store=store, key="shipping")

    page = staff_client.get(LIST).content.decode()
    again = staff_client.post(FROM_TEMPLATE, {"key": "shipping", "languages": ["en"]})

    assert page.count('<span class="badge badge--good">Added</span>') == 1
    assert page.count("Add again") == 1 and page.index("Add again") > page.index('value="shipping"')
    assert again.status_code == 302
    assert sorted(Article.objects.filter(store=store).values_list("slug", flat=True)) == [
        "shipping",
        "shipping-2",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("data", [{"key": "nope"}, {"key": "faq", "languages": ["xx"]}, {}])
def test_a_bad_choice_is_a_422_naming_it_and_changes_nothing(staff_client, store, data):
    answer = staff_client.post(FROM_TEMPLATE, data)

    assert answer.status_code == 422
    message = "Choose one of the languages" if "languages" in data else "Choose one of the ready templates."
    assert message in answer.content.decode()
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_the_form_needs_its_csrf_token_and_a_post(owner, staff_client, store):
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(owner)

    assert guarded.post(FROM_TEMPLATE, {"key": "faq"}).status_code == 403
    assert staff_client.get(FROM_TEMPLATE).status_code == 405
    assert not Article.objects.exists()
    assert 'name="csrfmiddlewaretoken"' in guarded.get(LIST).content.decode()


@pytest.mark.django_db
def test_an_agent_sees_no_templates_and_cannot_add_one(agent_client, store):
    page = agent_client.get(LIST)

    assert page.status_code == 200 and 'name="key"' not in page.content.decode()
    assert agent_client.post(FROM_TEMPLATE, {"key": "shipping"}).status_code == 403
    assert not Article.objects.exists()


def test_the_template_names_are_translated():
    with translation.override("pl"):
        assert str(TEMPLATES["shipping"].name) == "Polityka wysyłki"
    with translation.override("zh-hant"):
        assert str(TEMPLATES["size-chart"].name) == "尺寸表"
