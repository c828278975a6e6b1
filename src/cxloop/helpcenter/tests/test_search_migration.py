"""The search migration indexes the articles a store wrote before it, on SQLite and PostgreSQL."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cxloop.core.models import Store
from cxloop.helpcenter import search_index, services
from cxloop.helpcenter.categories import default_category
from cxloop.helpcenter.models import Article as CurrentArticle
from cxloop.helpcenter.search import search_articles
from cxloop.helpdesk.search import prepare_document


def Article_of(old_article):  # noqa: N802 (the current model's row for a historical one)
    return CurrentArticle.objects.get(pk=old_article.pk)


BEFORE = [("helpcenter", "0001_initial")]
AFTER = [("helpcenter", "0002_search")]  # and every later one: each ends with the index whole


@pytest.mark.django_db(transaction=True)
def test_articles_written_before_the_search_are_found_after_it(store):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Article, ArticleText = old.get_model("helpcenter", "Article"), old.get_model("helpcenter", "ArticleText")
    article = Article.objects.create(store_id=store.pk, slug="returns", section="returns", published=True)
    ArticleText.objects.create(
        store_id=store.pk,
        article=article,
        language="pl",
        title="Zwrot butów",
        body="30 dni",
        html="<p>30 dni</p>",
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    found = search_articles(Store.objects.get(pk=store.pk), "butow", language="pl")
    assert [result.text.title for result in found] == ["Zwrot butów"]
    # and a text written after every migration is found too (the index still follows the table)
    services.save_text(article=Article_of(article), language="en", title="Returning shoes", body="30 days")
    assert [
        r.text.title for r in search_articles(Store.objects.get(pk=store.pk), "shoes", language="en")
    ] == ["Returning shoes"]
    if connection.vendor == "sqlite":  # the FTS5 index agrees with its content
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO helpcenter_search(helpcenter_search) VALUES ('integrity-check')")


@pytest.mark.django_db(transaction=True)
def test_search_triggers_a_table_rebuild_dropped_are_restored_after_migrate(store):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL's index is a generated column")
    from django.apps import apps
    from django.db.models.signals import post_migrate

    with connection.cursor() as cursor:
        for name in search_index.TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
    article = services.save_article(
        store=store,
        fields={"slug": "sizes", "category": default_category(store, "products"), "published": "on"},
    )
    services.save_text(article=article, language="en", title="Shoe sizes", body="EU 42")  # not indexed
    assert search_articles(store, "sizes", language="en") == []

    post_migrate.send(sender=apps.get_app_config("helpcenter"), app_config=apps.get_app_config("helpcenter"),
                      using="default", verbosity=0, interactive=False, plan=[], apps=apps)  # fmt: skip

    assert search_index.missing_triggers(connection) == []
    assert [r.text.title for r in search_articles(store, "sizes", language="en")] == ["Shoe sizes"]


@pytest.mark.django_db(transaction=True)
def test_titles_written_before_they_were_kept_folded_still_rank_first(store):
    before = [("helpcenter", "0004_articleviewday_searchday")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Article, ArticleText = old.get_model("helpcenter", "Article"), old.get_model("helpcenter", "ArticleText")
    for position, (slug, title, body) in enumerate(
        [("first", "Zamówienia", "Zwrot w 30 dni."), ("second", "ZWROT BUTÓW", "Odeślij paczkę.")]
    ):
        article = Article.objects.create(
            store_id=store.pk, slug=slug, section="returns", position=position, published=True
        )
        ArticleText.objects.create(
            store_id=store.pk, article=article, language="pl", title=title, body=body,
            html=f"<p>{body}</p>", words=prepare_document(title, body),
        )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    found = search_articles(Store.objects.get(pk=store.pk), "zwrot butow", language="pl")
    assert [r.text.article.slug for r in found] == ["second"]
    found = search_articles(Store.objects.get(pk=store.pk), "zwrot", language="pl")
    # the later article's title holds the word: it comes first, though the help centre orders it second
    assert [r.text.article.slug for r in found] == ["second", "first"]
    assert CurrentArticle.objects.get(slug="second").texts.get().title_folded == "zwrot butow"
