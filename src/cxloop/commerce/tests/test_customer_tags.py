"""The customers' tag rows follow `Customer.tags` through the database's own triggers, on both databases."""

import pytest
from django.db import connection
from django.utils import timezone

from cxloop.commerce import tag_index
from cxloop.commerce.models import Customer, CustomerTag
from cxloop.segments.query import count_matching, customers_matching

pytestmark = pytest.mark.django_db


def make(store, email, tags):
    now = timezone.now()
    return Customer.objects.create(
        store=store, email=email, email_key=email, tags=tags, created_at=now, updated_at=now
    )


def rows(customer=None) -> set[str] | dict:
    found = CustomerTag.objects.all()
    if customer is not None:
        return set(found.filter(customer=customer).values_list("tag", flat=True))
    return {(t.customer_id, t.tag) for t in found}


def test_every_write_of_the_tags_is_followed_lower_cased_once_each(store, other_store):
    ania = make(store, "ania@example.pl", ["VIP", "vip", "Wholesale", 42])
    ben = make(other_store, "ben@example.com", ["vip"])
    assert rows(ania) == {"vip", "wholesale", "42"}
    assert CustomerTag.objects.get(customer=ben).store_id == other_store.pk

    ania.tags = ["Returns"]
    ania.save()
    assert rows(ania) == {"returns"}

    Customer.objects.filter(pk=ania.pk).update(first_name="Ania")  # not the tags: the rows stay
    assert rows(ania) == {"returns"}

    Customer.objects.filter(pk=ania.pk).update(tags=["a", "b"])
    assert rows(ania) == {"a", "b"}

    Customer.objects.bulk_update([Customer(pk=ania.pk, tags=[])], ["tags"])
    assert rows(ania) == set()

    Customer.objects.filter(pk=ben.pk).delete()
    assert rows() == set()


def test_tags_that_are_not_a_list_are_no_tags_and_a_long_tag_is_kept_cut(store):
    for n, tags in enumerate([{"vip": True}, "vip", 7, []]):
        make(store, f"c{n}@example.com", tags)
    long_tag = "x" * 300
    carla = make(store, "carla@example.com", [long_tag])

    assert rows() == {(carla.pk, "x" * tag_index.MAX_TAG)}
    # a query's text is at most 200 characters (the grammar): the first 200 name the tag
    assert list(customers_matching(store, f"customer_tags CONTAINS '{'x' * 200}'")) == [carla]


def test_a_segment_of_a_tag_reads_the_rows_and_leaves_the_erased_out(store, other_store):
    ania = make(store, "ania@example.pl", ["VIP"])
    make(store, "ben@example.com", ["wholesale"])
    erased = make(store, "gone@example.com", ["vip"])
    erased.erased_at = timezone.now()
    erased.save()
    make(other_store, "theirs@example.com", ["vip"])

    from django.test.utils import CaptureQueriesContext

    assert list(customers_matching(store, "customer_tags CONTAINS 'Vip'")) == [ania]
    with CaptureQueriesContext(connection) as queries:
        assert count_matching(store, "customer_tags CONTAINS 'vip'") == 1
    assert 'FROM "commerce_customertag"' in queries.captured_queries[-1]["sql"]  # the tag's rows, counted
    assert count_matching(store, "customer_tags NOT CONTAINS 'vip'") == 1
    assert count_matching(store, "customer_tags CONTAINS 'vip' OR customer_tags CONTAINS 'wholesale'") == 2


@pytest.mark.django_db(transaction=True)
def test_triggers_that_went_missing_are_made_again_after_migrate_with_the_rows(store):
    from django.apps import apps
    from django.db.models.signals import post_migrate

    with connection.cursor() as cursor:  # as a SQLite table rebuild (or a careless restore) leaves it
        for name in tag_index.SQLITE_TRIGGERS:
            on = "" if connection.vendor == "sqlite" else " ON commerce_customer"
            cursor.execute(f"DROP TRIGGER {name}{on}")
    written_meanwhile = make(store, "ania@example.pl", ["vip"])
    assert rows(written_meanwhile) == set()

    post_migrate.send(sender=apps.get_app_config("commerce"), app_config=apps.get_app_config("commerce"),
                      using="default", verbosity=0, interactive=False, plan=[], apps=apps)  # fmt: skip

    assert tag_index.missing_triggers(connection) == []
    assert rows(written_meanwhile) == {"vip"}
    assert rows(make(store, "ben@example.com", ["new"])) == {"new"}
