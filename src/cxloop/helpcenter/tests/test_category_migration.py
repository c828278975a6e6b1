"""The migration that turns the fixed sections into each store's categories, on SQLite and PostgreSQL."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cxloop.core import services as core_services
from cxloop.helpcenter.models import Article, Category

BEFORE = [("helpcenter", "0005_articletext_title_folded")]
SECTIONS = ["orders", "returns", "payment", "products", "account", "about", "policies", "other"]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def leaf():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_every_stores_sections_become_its_categories_keeping_each_articles_group_order_and_address(
    client, store
):
    # given: a store in English and one in Persian, with articles in sections, before the categories
    persian, _key = core_services.create_store(name="Kafsh", currency="EUR", language="fa", slug="kafsh")
    old = migrate(BEFORE)
    OldArticle, OldText = old.get_model("helpcenter", "Article"), old.get_model("helpcenter", "ArticleText")
    written = [
        (store, "tracking", "orders", 1, "Tracking a parcel"),
        (store, "shipping", "orders", 0, "Shipping times"),
        (store, "returns", "returns", 0, "Returning an item"),
        (store, "faq", "other", 0, "Questions"),
        (persian, "sizes", "products", 0, "راهنمای اندازه"),
    ]  # fmt: skip
    for owner, slug, section, position, title in written:
        article = OldArticle.objects.create(
            store_id=owner.pk, slug=slug, section=section, position=position, published=True
        )
        OldText.objects.create(
            store_id=owner.pk, article=article, language=owner.default_language, title=title,
            html=f"<p>{title}</p>",
        )  # fmt: skip

    # when
    migrate(leaf())

    # then: each store has the eight, in the sections' order, and every article its section's
    for owner in (store, persian):
        assert list(Category.objects.filter(store=owner).values_list("key", flat=True)) == SECTIONS
    grouped = {a.slug: (a.category.key, a.position) for a in Article.objects.select_related("category")}
    assert grouped == {
        "tracking": ("orders", 1), "shipping": ("orders", 0), "returns": ("returns", 0), "faq": ("other", 0),
        "sizes": ("products", 0),
    }  # fmt: skip
    products = Category.objects.get(store=persian, key="products")
    assert products.slug == "محصولات-و-اندازه-ها"
    assert products.texts.get(language="fa").name == "محصولات و اندازه‌ها"
    assert products.texts.get(language="en").name == "Products and sizes"
    html = client.get("/help/sklep-ania/", {"lang": "en"}).content.decode()
    assert html.index("Orders and shipping") < html.index("Shipping times") < html.index("Tracking a parcel")
    assert html.index("Tracking a parcel") < html.index("Returns and refunds") < html.index("Questions")
    assert "Payment" not in html  # no article: not shown, as the empty sections were not
    assert client.get("/help/sklep-ania/tracking/").status_code == 200  # the article's address is kept
    persian_page = client.get("/help/kafsh/", HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert "محصولات و اندازه‌ها" in persian_page and 'dir="rtl"' in persian_page

    # and back: the sections come back from the categories' keys
    old = migrate(BEFORE)
    sections = dict(old.get_model("helpcenter", "Article").objects.values_list("slug", "section"))
    migrate(leaf())
    assert sections == {"tracking": "orders", "shipping": "orders", "returns": "returns", "faq": "other",
                        "sizes": "products"}  # fmt: skip
