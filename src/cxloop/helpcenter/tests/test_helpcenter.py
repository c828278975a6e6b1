"""The help centre: articles written per language, sanitised, read by customers in their language."""

import pytest
from django.urls import reverse

from cxloop.core.errors import Conflict, InvalidInput
from cxloop.helpcenter import services
from cxloop.helpcenter.categories import default_category
from cxloop.helpcenter.models import Article, ArticleText

pytestmark = pytest.mark.django_db


def make_article(store, slug="shipping", *, published=True, category="orders", texts=None):
    """An article in the store's category made from the default `category` (or in `category` itself)."""
    if isinstance(category, str):
        category = default_category(store, category)
    article = services.save_article(
        store=store, fields={"slug": slug, "category": category, "published": "on" if published else ""}
    )
    for language, (title, body) in (texts or {"pl": ("Wysyłka", "Wysyłamy w **2 dni**.")}).items():
        services.save_text(article=article, language=language, title=title, body=body)
    return article


# --- what is stored -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "present", "absent"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;", "<script"),
        ("[click](javascript:alert(1))", "click", "<a"),  # left as text: no link
        ('<a href="javascript:alert(1)">x</a>', "&lt;a href=", '<a href="javascript'),
        ("![x](https://img.example/a.png)", '<img src="https://img.example/a.png"', "onerror"),
        ("[shop](https://shop.example)", 'rel="noopener noreferrer nofollow"', "javascript"),
        ("# Sizes\n\n| EU | cm |\n|---:|---|\n| 38 | 24 |", "<table>", "<h1>"),
        ("<img src=x onerror=alert(1)>", "&lt;img", "<img src=x"),
    ],
)
def test_an_article_is_rendered_once_and_nothing_in_it_runs(markdown, present, absent):
    html = services.render_markdown(markdown)

    assert present in html and absent not in html


def test_a_size_chart_table_keeps_its_alignment_only(store):
    html = services.render_markdown("| EU | cm |\n|---:|---|\n| 38 | 24 |")

    assert 'style="text-align:right"' in html and "<h2>" not in html


def test_the_address_is_made_from_the_title_and_checked(store):
    returns = default_category(store, "returns")
    article = services.save_article(store=store, fields={"title": "Zwroty i reklamacje", "category": returns})

    assert article.slug == "zwroty-i-reklamacje" and not article.published
    with pytest.raises(Conflict):
        services.save_article(store=store, fields={"slug": "zwroty-i-reklamacje", "category": returns})
    for bad in ("Has Spaces", "-dash", "x" * 81, "ünï"):
        with pytest.raises(InvalidInput) as raised:
            services.save_article(store=store, fields={"slug": bad, "category": returns})
        assert raised.value.field == "slug"


def test_a_text_needs_a_title_a_shipped_language_and_a_sane_size(store):
    article = make_article(store)

    for language, title, body, field in [
        ("xx", "T", "b", "language"), ("pl", "  ", "b", "title"), ("pl", "T" * 201, "b", "title"),
        ("pl", "T", "b" * 100_001, "body"), ("pl", "T", "a\x00b", "body"),
    ]:  # fmt: skip
        with pytest.raises(InvalidInput) as raised:
            services.save_text(article=article, language=language, title=title, body=body)
        assert raised.value.field == field
    assert ArticleText.objects.get(article=article).title == "Wysyłka"  # unchanged


# --- the public pages -----------------------------------------------------------------------------


def test_a_customer_reads_the_article_in_their_language_with_the_others_named(client, store):
    make_article(
        store, texts={"pl": ("Wysyłka", "Wysyłamy w 2 dni."), "fa": ("ارسال", "ارسال در **۲ روز**.")}
    )

    page = client.get("/help/sklep-ania/shipping/", {"lang": "fa"})

    html = page.content.decode()
    assert page.status_code == 200 and 'dir="rtl"' in html and "<strong>۲ روز</strong>" in html
    assert 'hreflang="pl"' in html and 'hreflang="fa"' in html
    assert '<link rel="canonical" href="http://testserver/help/sklep-ania/shipping/?lang=fa">' in html


def test_an_article_not_written_in_the_customers_language_falls_back_to_the_stores(client, store):
    store.default_language = "pl"
    store.save(update_fields=["default_language"])
    make_article(store, texts={"pl": ("Wysyłka", "Wysyłamy w 2 dni.")})

    html = client.get("/help/sklep-ania/shipping/", HTTP_ACCEPT_LANGUAGE="zh-Hans,zh;q=0.9").content.decode()

    assert "Wysyłamy w 2 dni." in html and 'lang="zh-hans"' in html
    assert (
        "这篇文章还没有你的语言版本。" in html or "This article is not written in your language yet." in html
    )


def test_the_front_page_lists_published_articles_by_category(client, store, other_store):
    make_article(store, "shipping", category="orders", texts={"en": ("Shipping times", "")})
    make_article(store, "returns", category="returns", texts={"en": ("Returning an item", "")})
    make_article(store, "draft", published=False, texts={"en": ("Unfinished", "")})
    make_article(other_store, "secret", texts={"en": ("Other shop's answer", "")})

    html = client.get("/help/sklep-ania/", {"lang": "en"}).content.decode()

    assert (
        html.index("Orders and shipping") < html.index("Shipping times") < html.index("Returns and refunds")
    )
    assert html.index("Returns and refunds") < html.index("Returning an item")
    assert "Unfinished" not in html and "Other shop" not in html
    assert "Payment" not in html  # a category without a published article is not shown


@pytest.mark.parametrize(
    "path",
    ["/help/sklep-ania/draft/", "/help/sklep-ania/nothing/", "/help/no-such-store/",
     "/help/other-shop/shipping/", "/help/sklep-ania/%00/"],
)  # fmt: skip
def test_drafts_unknown_articles_and_other_stores_are_404(client, store, other_store, path):
    make_article(store, "draft", published=False)
    make_article(store, "own")

    assert client.get(path).status_code == 404


# --- the staff pages ------------------------------------------------------------------------------


def test_an_owner_adds_writes_previews_and_publishes_an_article(staff_client, store):
    products = default_category(store, "products")
    added = staff_client.post(reverse("helpcenter:articles"), {"title": "Rozmiary", "category": products.pk})
    article = Article.objects.get(store=store)
    url = reverse("helpcenter:article", args=[article.pk])

    preview = staff_client.post(
        url + "?language=pl",
        {"action": "preview", "language": "pl", "title": "Rozmiary", "body": "**M** = 38"},
    )
    saved = staff_client.post(
        url, {"action": "text", "language": "pl", "title": "Rozmiary", "body": "**M** = 38\n\n<b>x</b>"}
    )
    published = staff_client.post(
        url,
        {
            "action": "settings",
            "language": "pl",
            "slug": "rozmiary",
            "category": products.pk,
            "published": "on",
        },
    )

    assert added.status_code == 302 and preview.status_code == 200
    assert "<strong>M</strong> = 38" in preview.content.decode()
    assert saved.status_code == 302
    text = ArticleText.objects.get(article=article, language="pl")
    assert text.html == "<p><strong>M</strong> = 38</p>\n<p>&lt;b&gt;x&lt;/b&gt;</p>\n"
    assert published.status_code == 302
    article.refresh_from_db()
    assert (article.slug, article.category, article.published) == ("rozmiary", products, True)


def test_a_bad_field_is_a_4xx_naming_it_and_changes_nothing(staff_client, store):
    article = make_article(store)
    url = reverse("helpcenter:article", args=[article.pk])

    orders = default_category(store, "orders")
    answer = staff_client.post(url, {"action": "settings", "slug": "Not Valid", "category": orders.pk})
    unknown = staff_client.post(url, {"action": "explode"})

    assert answer.status_code == 422 and "Use lowercase letters" in answer.content.decode()
    assert unknown.status_code == 400
    article.refresh_from_db()
    assert article.slug == "shipping"


def test_an_agent_reads_but_cannot_change_and_another_stores_article_is_404(agent_client, store, other_store):
    mine, theirs = make_article(store), make_article(other_store, "theirs")

    assert agent_client.get(reverse("helpcenter:article", args=[mine.pk])).status_code == 200
    assert agent_client.post(reverse("helpcenter:articles"), {"title": "x"}).status_code == 403
    assert agent_client.post(reverse("helpcenter:article-delete", args=[mine.pk])).status_code == 403
    assert agent_client.get(reverse("helpcenter:article", args=[theirs.pk])).status_code == 404
    assert Article.objects.filter(store=store).count() == 1


# --- search ---------------------------------------------------------------------------------------


def search(store, query, language="en"):
    from cxloop.helpcenter.search import search_articles

    return search_articles(store, query, language=language)


def test_search_finds_words_in_every_language_folded_and_as_you_type(store):
    make_article(store, "returns", texts={"pl": ("Zwrot butów", "Masz 30 dni na zwrot.")})
    make_article(store, "fa", texts={"fa": ("مرجوعی", "می‌خواهم کفش ۴۲ را پس بدهم")})
    make_article(store, "zh", texts={"zh-hans": ("退货说明", "我想退货怎么办")})

    def found(query, language="en"):
        return [result.text.article.slug for result in search(store, query, language)]

    assert found("ZWROT BUTOW") == found("butów") == found("zwr") == ["returns"]
    assert found("میخواهم") == found("می خواهم") == found("كفش 42") == ["fa"]  # Arabic kaf, ASCII digits
    assert found("退货") == ["zh"]
    assert found("nothing-like-it") == [] and found("   ") == []


def test_search_shows_an_article_once_in_the_customers_language_title_matches_first(store, other_store):
    make_article(
        store,
        "shipping",
        texts={"en": ("Shipping", "Parcels leave in 2 days."), "pl": ("Wysyłka", "Paczki w 2 dni, parcel.")},
    )  # noqa: E501
    make_article(store, "tracking", texts={"en": ("Parcel tracking", "Follow the link.")})
    make_article(store, "draft", published=False, texts={"en": ("Parcel draft", "")})
    make_article(other_store, "theirs", texts={"en": ("Parcel elsewhere", "")})

    results = search(store, "parcel", "pl")

    assert [(r.text.article.slug, r.text.language) for r in results] == [
        ("tracking", "en"),
        ("shipping", "pl"),
    ]
    assert results[0].title_parts == [("Parcel", True), (" tracking", False)]
    assert any(matched for _part, matched in results[1].snippet)


def test_the_search_page_marks_what_matched_and_keeps_the_query_inert(client, store):
    make_article(store, "returns", texts={"en": ("Returns", "Send the **parcel** back within 30 days.")})

    html = client.get(
        "/help/sklep-ania/search/", {"q": "parcel <script>x</script>", "lang": "en"}
    ).content.decode()
    found = client.get("/help/sklep-ania/search/", {"q": "parcel", "lang": "en"}).content.decode()

    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "1 answer found." in found and "<mark>parcel</mark>" in found


@pytest.mark.parametrize("slug", ["search", "category"])
def test_the_search_and_category_pages_are_not_article_addresses(store, slug):
    with pytest.raises(InvalidInput) as raised:
        services.save_article(
            store=store, fields={"slug": slug, "category": default_category(store, "other")}
        )

    assert raised.value.field == "slug"


def test_the_sitemap_names_every_published_article_and_category_in_each_language_with_its_alternates(
    client, store, other_store
):
    import xml.etree.ElementTree as ET

    make_article(store, "shipping", texts={"en": ("Shipping", "x"), "fa": ("ارسال", "x")})
    make_article(store, "draft", published=False, texts={"en": ("Draft", "")})
    make_article(other_store, "theirs", texts={"en": ("Theirs", "")})

    answer = client.get("/help/sklep-ania/sitemap.xml")

    assert answer.status_code == 200 and answer["Content-Type"] == "application/xml"
    spaces = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(answer.content)
    locations = sorted(url.findtext("s:loc", namespaces=spaces) for url in root.findall("s:url", spaces))
    # the category in the languages it is named in and its article is written in: not the other four
    assert locations == [
        "http://testserver/help/sklep-ania/category/orders-and-shipping/?lang=en",
        "http://testserver/help/sklep-ania/category/orders-and-shipping/?lang=fa",
        "http://testserver/help/sklep-ania/shipping/?lang=en",
        "http://testserver/help/sklep-ania/shipping/?lang=fa",
    ]
    for url in root.findall("s:url", spaces):
        assert {link.get("hreflang") for link in url.findall("x:link", spaces)} == {"en", "fa"}
    assert client.get("/help/no-such-store/sitemap.xml").status_code == 404


def test_was_this_helpful_counts_per_language_and_is_limited_per_address(
    client, store, staff_client, settings
):
    from cxloop.helpcenter import public_views

    article = make_article(store, texts={"pl": ("Wysyłka", "x"), "fa": ("ارسال", "x")})
    url = "/help/sklep-ania/shipping/feedback/"

    first = client.post(url + "?lang=fa", {"helpful": "yes"})
    client.post(url + "?lang=pl", {"helpful": "no"})
    bad = client.post(url + "?lang=pl", {"helpful": "maybe"})
    for _ in range(public_views.FEEDBACK_PER_HOUR):  # the rest of this address's hour: not counted
        client.post(url + "?lang=fa", {"helpful": "yes"})

    assert first.status_code == 302 and first["Location"] == "/help/sklep-ania/shipping/?lang=fa&thanks=1"
    assert bad.status_code == 400
    counts = dict(ArticleText.objects.filter(article=article).values_list("language", "helpful"))
    assert counts["fa"] == public_views.FEEDBACK_PER_HOUR - 1 and counts["pl"] == 0
    assert ArticleText.objects.get(article=article, language="pl").unhelpful == 1
    thanked = client.get(first["Location"]).content.decode()
    assert "Was this helpful?" not in thanked
    listing = staff_client.get(reverse("helpcenter:articles")).content.decode()
    assert f"{public_views.FEEDBACK_PER_HOUR - 1} of {public_views.FEEDBACK_PER_HOUR}" in listing
    assert client.post("/help/sklep-ania/nothing/feedback/", {"helpful": "yes"}).status_code == 404
    assert client.get(url).status_code == 405
