"""The search migration indexes the articles a store wrote before it, on SQLite and PostgreSQL."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cxloop.core.models import Store
from cxloop.helpcenter.search import search_articles

BEFORE = [("helpcenter", "0001_initial")]
AFTER = [("helpcenter", "0002_search")]


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
    executor.migrate(AFTER)

    found = search_articles(Store.objects.get(pk=store.pk), "butow", language="pl")
    assert [result.text.title for result in found] == ["Zwrot butów"]
    if connection.vendor == "sqlite":  # the FTS5 index agrees with its content
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO helpcenter_search(helpcenter_search) VALUES ('integrity-check')")
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # as the other tests expect the schema
