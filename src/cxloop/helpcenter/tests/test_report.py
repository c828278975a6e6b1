"""The help centre's report: views and searches counted per store and day, content gaps listed."""

import pytest
from django.urls import reverse

from cxloop.helpcenter import services
from cxloop.helpcenter.categories import default_category
from cxloop.helpcenter.models import ArticleViewDay, SearchDay

pytestmark = pytest.mark.django_db


@pytest.fixture
def returns(store):
    article = services.save_article(
        store=store,
        fields={"slug": "returns", "category": default_category(store, "returns"), "published": "on"},
    )
    services.save_text(article=article, language="en", title="Returns", body="30 days to return shoes.")
    services.save_text(article=article, language="pl", title="Zwroty", body="30 dni na zwrot butów.")
    return article


def test_reads_and_searches_are_counted_and_the_report_shows_them_with_the_gaps(
    client, staff_client, store, returns
):
    page = reverse("helpcenter-public:article", args=[store.slug, "returns"])
    search = reverse("helpcenter-public:search", args=[store.slug])
    for _ in range(3):
        client.get(page, {"lang": "pl"})
    client.get(page, {"lang": "en"})
    client.get(page, {"lang": "pl", "thanks": "1"})  # back after "Was this helpful?": no new read
    client.get(page, {"lang": "pl"}, headers={"User-Agent": "Googlebot/2.1"})
    client.get(search, {"q": "Zwrot", "lang": "pl"})
    client.get(search, {"q": "faktura VAT", "lang": "pl"})
    client.get(search, {"q": "FAKTURA  vat", "lang": "pl"})

    assert sum(ArticleViewDay.objects.values_list("views", flat=True)) == 4
    html = staff_client.get(reverse("helpcenter:report"), {"days": "7"}).content.decode()

    assert "Returns" in html and ">4<" in html.replace(" ", "")
    assert "faktura vat" in html and SearchDay.objects.get(found=False).searches == 2
    assert "67%" in html  # two of three searches found nothing


def test_another_stores_counts_never_show_and_a_wrong_period_is_400(client, staff_client, store, other_store):
    theirs = services.save_article(
        store=other_store,
        fields={"slug": "secret", "category": default_category(other_store, "other"), "published": "on"},
    )
    services.save_text(article=theirs, language="en", title="Their secret article", body="x")
    client.get(reverse("helpcenter-public:article", args=[other_store.slug, "secret"]))
    client.get(reverse("helpcenter-public:search", args=[other_store.slug]), {"q": "their gap"})

    html = staff_client.get(reverse("helpcenter:report")).content.decode()

    assert "Their secret article" not in html and "their gap" not in html
    assert "No article was read in this period." in html
    assert staff_client.get(reverse("helpcenter:report"), {"days": "5"}).status_code == 400


def test_searches_are_kept_for_the_set_number_of_days_in_every_store(store, other_store, settings):
    from datetime import date

    from cxloop.helpcenter.tasks import prune_searches_task

    settings.CXLOOP_HELP_SEARCHES_KEEP_DAYS = 30
    today = date(2026, 12, 5)
    for shop in (store, other_store):
        for day in (date(2026, 11, 4), date(2026, 11, 5), today):  # 31, 30 and 0 days old
            SearchDay.objects.create(store=shop, day=day, language="en", query="jan kowalski", found=False,
                                     searches=1)  # fmt: skip

    from cxloop.helpcenter.counting import prune_searches

    assert prune_searches(today=today) == 2
    assert sorted(SearchDay.objects.values_list("day", flat=True).distinct()) == [date(2026, 11, 5), today]
    assert settings.CXLOOP_PERIODIC_TASKS[prune_searches_task.module_path] == 86400
