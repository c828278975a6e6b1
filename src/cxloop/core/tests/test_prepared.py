"""core.prepared: rows read and written with SQL made once are what the ORM reads and writes."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cxloop.commerce.models import Customer
from cxloop.core import batch_cache, prepared
from cxloop.helpdesk.models import Activity, Conversation, SearchDocument

pytestmark = pytest.mark.django_db

FIELDS_COMPARED = (
    "id", "store_id", "email", "email_key", "first_name", "tags", "amount_spent", "created_at", "updated_at",
)  # fmt: skip


def customer(store, email, **fields):
    return Customer.objects.create(
        store=store, email=email, email_key=email.lower(),
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        updated_at=datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC), **fields,
    )  # fmt: skip


def test_first_reads_a_row_as_the_orm_does(store):
    customer(
        store, "zofia@example.pl", first_name="Żaneta", tags=["vip", "ваш"], amount_spent=Decimal("1250.50")
    )

    read = prepared.first(Customer, {"store": store.pk, "email_key": "zofia@example.pl"})
    orm = Customer.objects.get(store=store, email_key="zofia@example.pl")

    assert read is not None and not read._state.adding
    for name in FIELDS_COMPARED:
        assert getattr(read, name) == getattr(orm, name), name
    assert read.created_at.tzinfo is not None and read.tags == ["vip", "ваш"]
    assert isinstance(read.amount_spent, Decimal)


def test_first_follows_the_order_and_finds_nothing_in_another_store(store, other_store):
    older = customer(store, "a@example.com", first_name="Older")
    newer = customer(store, "A@example.com", first_name="Newer")
    customer(other_store, "b@example.com")

    assert (
        prepared.first(Customer, {"store": store.pk, "email_key": "a@example.com"}, order_by=("id",)) == older
    )
    assert (
        prepared.first(Customer, {"store": store.pk, "email_key": "a@example.com"}, order_by=("-pk",))
        == newer
    )
    assert prepared.first(Customer, {"store": store.pk, "email_key": "b@example.com"}) is None


def test_insert_writes_what_create_writes(store):
    at = datetime(2026, 12, 4, 10, 30, tzinfo=UTC)
    fields = dict(
        store=store, number=7, subject="Zwrot — 退货", contact_email="a@example.pl", reply_key="k" * 20
    )
    inserted = prepared.insert(Conversation(**fields, created_at=at, updated_at=at, last_message_at=at))
    created = Conversation.objects.create(
        **{**fields, "number": 8}, created_at=at, updated_at=at, last_message_at=at
    )

    assert inserted.pk is not None and not inserted._state.adding
    stored = Conversation.objects.get(pk=inserted.pk)
    again = Conversation.objects.get(pk=created.pk)
    for field in Conversation._meta.concrete_fields:
        if field.name not in ("id", "number"):
            assert getattr(stored, field.attname) == getattr(again, field.attname), field.name
    activity = prepared.insert(
        Activity(store=store, conversation=stored, kind="created", data={"channel": "ł"}, created_at=at)
    )
    assert Activity.objects.get(pk=activity.pk).data == {"channel": "ł"}


def test_update_writes_what_a_querysets_update_writes(store, other_store):
    at = datetime(2026, 12, 5, 11, 45, 30, 123456, tzinfo=UTC)
    one, two = (
        customer(store, email, first_name="Ania", tags=["a"]) for email in ("u1@example.pl", "u2@example.pl")
    )
    changes = {"first_name": "Żaneta 张", "tags": ["vip", "ваш"], "amount_spent": Decimal("12.30"),
               "updated_at": at, "store": other_store}  # fmt: skip

    assert prepared.update(Customer, one.pk, changes) == 1
    Customer.objects.filter(pk=two.pk).update(**changes)

    read, orm = Customer.objects.get(pk=one.pk), Customer.objects.get(pk=two.pk)
    for name in ("store_id", "first_name", "tags", "amount_spent", "updated_at"):
        assert getattr(read, name) == getattr(orm, name), name
    assert read.updated_at == at and read.store_id == other_store.pk
    assert prepared.update(Customer, 10**9, {"first_name": "Nobody"}) == 0
    Customer.objects.filter(pk=one.pk).update(first_order_at=at)
    assert prepared.update(Customer, one.pk, {"first_order_at": None}) == 1
    assert Customer.objects.get(pk=one.pk).first_order_at is None


def test_insert_keeps_a_primary_key_the_database_does_not_make(store):
    at = datetime(2026, 12, 4, 10, 30, tzinfo=UTC)
    conversation = Conversation.objects.create(
        store=store, number=1, reply_key="k" * 20, created_at=at, updated_at=at, last_message_at=at
    )

    document = prepared.insert(
        SearchDocument(
            conversation=conversation, store_id=store.pk, text="paczka", updated_at=datetime.now(UTC)
        )
    )

    assert document.pk == conversation.pk
    assert SearchDocument.objects.get(pk=conversation.pk).text == "paczka"


def new_rows(store, number):
    at = datetime(2026, 12, 4, 10, 30, tzinfo=UTC)
    conversation = Conversation(
        pk=prepared.new_id(Conversation), store=store, number=number, subject="Zwrot", reply_key="k" * 20,
        created_at=at, updated_at=at, last_message_at=at,
    )  # fmt: skip
    activity = prepared.id_unneeded(
        Activity(store=store, conversation=conversation, kind="created", data={"channel": "ł"}, created_at=at)
    )
    document = SearchDocument(conversation=conversation, store_id=store.pk, text="paczka 包裹", updated_at=at)
    return conversation, activity, document


def test_insert_all_writes_rows_that_point_at_each_other_outside_a_batch(store):
    conversation, activity, document = new_rows(store, 1)
    assert conversation.pk is None  # nothing reserved outside a batch: the database makes the id

    prepared.insert_all([conversation, activity, document])

    assert conversation.pk is not None
    assert list(Activity.objects.filter(conversation=conversation).values_list("data", flat=True)) == [
        {"channel": "ł"}
    ]
    assert SearchDocument.objects.get(pk=conversation.pk).text == "paczka 包裹"


def test_insert_all_in_a_batch_uses_the_reserved_ids(store):
    with batch_cache.batch(), CaptureQueriesContext(connection) as queries:
        prepared.reserve_ids([Conversation], 2)
        first = new_rows(store, 1)
        second = new_rows(store, 2)
        prepared.insert_all(list(first))
        prepared.insert_all(list(second))
        left = prepared.new_id(Conversation)

    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    stored = list(Conversation.objects.filter(store=store).order_by("number").values_list("pk", flat=True))
    assert stored == [first[0].pk, second[0].pk]
    assert Activity.objects.filter(conversation_id__in=stored).count() == 2
    assert SearchDocument.objects.filter(pk__in=stored).count() == 2
    assert first[0].pk < second[0].pk and left is None  # the ids reserved, in order
    if connection.vendor == "postgresql":  # three rows in one round trip
        assert len(inserts) == 2
    else:  # outside an all_items block SQLite writes each row at once
        assert len(inserts) == 6


def test_all_in_reads_the_rows_whose_field_is_one_of_the_values_as_the_orm_does(store, other_store):
    for email in ("ania@example.pl", "BEN@example.pl", "cyrus@example.ir"):
        customer(store, email, tags=["vip"], amount_spent=Decimal("10.25"))
    customer(other_store, "ania@example.pl")

    keys = ["cyrus@example.ir", "ania@example.pl", "ben@example.pl", "nobody@example.pl", "ania@example.pl"]
    read = prepared.all_in(Customer, {"store": store.pk}, "email_key", keys, order_by=("-id",))
    orm = list(Customer.objects.filter(store=store, email_key__in=keys).order_by("-id"))

    assert [row.pk for row in read] == [row.pk for row in orm] and len(read) == 3
    for got, expected in zip(read, orm, strict=True):
        for name in FIELDS_COMPARED:
            assert getattr(got, name) == getattr(expected, name), name
    assert prepared.all_in(Customer, {"store": store.pk}, "email_key", []) == []


def test_a_second_reservation_in_a_batch_adds_to_the_ids_left(store):
    with batch_cache.batch():
        prepared.reserve_ids([Conversation], 2)
        prepared.reserve_ids([Conversation], 3)
        ids = [prepared.new_id(Conversation) for _ in range(6)]

    assert len(set(ids[:5])) == 5 and None not in ids[:5] and ids[5] is None


def test_an_ordinary_insert_after_a_reservation_takes_an_id_past_the_reserved_ones(store):
    at = datetime(2026, 12, 4, 10, 30, tzinfo=UTC)
    with batch_cache.batch():
        prepared.reserve_ids([Conversation], 3)
        reserved = [prepared.new_id(Conversation) for _ in range(3)]
        ordinary = Conversation.objects.create(
            store=store, number=1, subject="Zwrot", reply_key="k" * 20,
            created_at=at, updated_at=at, last_message_at=at,
        )  # fmt: skip
        prepared.insert_all([new_rows(store, 2)[0]])  # no reservation left: the database gives the id

    assert ordinary.pk > max(reserved)
    assert Conversation.objects.filter(store=store).count() == 2


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], []),
        (["a"], ["a"]),
        (["a", "b", "a", "c"], ["a", "b", "c", "c"]),
        (["a", "b", "c", "d", "e"], ["a", "b", "c", "d", "e", "e", "e", "e"]),
    ],
)
def test_an_in_list_has_no_repeats_but_its_last_value_up_to_a_power_of_two(values, expected):
    assert prepared.in_list(values) == expected


def test_all_in_with_many_keys_makes_few_statements(store):
    customer(store, "ania@example.pl")
    prepared._select_sql.cache_clear()

    for count in range(1, 130):
        keys = ["ania@example.pl"] + [f"nobody{n}@example.pl" for n in range(count)]
        found = prepared.all_in(Customer, {"store": store.pk}, "email_key", keys)
        assert [row.email_key for row in found] == ["ania@example.pl"]

    assert prepared._select_sql.cache_info().currsize <= 8  # one per power of two, not one per length


def inserts_sent(queries) -> list[str]:
    """The INSERT statements sent (an executemany is recorded as "N times: INSERT ...")."""
    sent = [q["sql"].split(" times: ", 1)[-1].lstrip() for q in queries.captured_queries]
    return [sql for sql in sent if sql.startswith("INSERT")]


def test_rows_of_an_all_items_block_go_together_before_a_read_and_at_its_end(store):
    with batch_cache.batch(), CaptureQueriesContext(connection) as queries:
        prepared.reserve_ids([Conversation], 3)
        first, second, third = new_rows(store, 1), new_rows(store, 2), new_rows(store, 3)
        with batch_cache.all_items():
            prepared.insert_all(list(first))
            prepared.insert_all(list(second))
            before_read = len(inserts_sent(queries))
            seen = Conversation.objects.filter(store=store).count()  # a read sees the rows kept so far
            after_read = len(inserts_sent(queries))
            prepared.insert_all(list(third))
            before_end = len(inserts_sent(queries))
        at_end = len(inserts_sent(queries))

    assert seen == 2
    assert sorted(Conversation.objects.filter(store=store).values_list("number", flat=True)) == [1, 2, 3]
    assert SearchDocument.objects.filter(store=store).count() == 3
    if connection.vendor == "postgresql":  # kept, then sent as one statement list each time
        assert (before_read, after_read, before_end, at_end) == (0, 1, 1, 2)
        assert inserts_sent(queries)[0].count("INSERT INTO") == 6
    else:  # kept, then one executemany per table: three statements for the six rows before the read
        assert (before_read, after_read, before_end, at_end) == (0, 3, 3, 6)
        sent = [q["sql"] for q in queries.captured_queries]
        many = [sql.split(" times: ")[0] for sql in sent if " times: INSERT" in sql]
        assert many == ["2", "2", "2"]


def test_updates_kept_in_a_block_are_applied_in_the_order_asked(store):
    at = datetime(2026, 12, 4, 10, 30, tzinfo=UTC)
    with batch_cache.batch():
        prepared.reserve_ids([Conversation], 2)
        with batch_cache.all_items():
            (one, *rest), (two, *_) = new_rows(store, 1), new_rows(store, 2)
            prepared.insert_all([one, *rest, two])
            prepared.update(Conversation, one.pk, {"subject": "a"}, defer=True)  # a row inserted in the block
            prepared.update(Conversation, two.pk, {"subject": "b", "priority": "high"}, defer=True)
            prepared.update(Conversation, one.pk, {"subject": "c", "priority": "low"}, defer=True)
            prepared.update(Conversation, two.pk, {"subject": "d"}, defer=True)
            prepared.update(Conversation, one.pk, {"subject": "e"}, defer=True)  # after a different one
            prepared.update(Conversation, two.pk, {"last_message_at": at}, defer=True)

    rows = dict(Conversation.objects.filter(store=store).values_list("number", "subject"))
    assert rows == {1: "e", 2: "d"}
    assert dict(Conversation.objects.filter(store=store).values_list("number", "priority")) == {
        1: "low",
        2: "high",
    }


def test_a_kept_row_that_fails_rolls_the_whole_block_back(store):
    Conversation.objects.create(
        store=store, number=7, subject="taken", channel="email", reply_key="k" * 20,
        created_at=datetime(2026, 1, 2, tzinfo=UTC), updated_at=datetime(2026, 1, 2, tzinfo=UTC),
        last_message_at=datetime(2026, 1, 2, tzinfo=UTC),
    )  # fmt: skip
    with batch_cache.batch():
        prepared.reserve_ids([Conversation], 2)
        good, clash = new_rows(store, 1), new_rows(store, 7)  # number 7 is taken
        with pytest.raises(batch_cache.ItemsRolledBack), batch_cache.all_items():
            prepared.insert_all(list(good))
            prepared.insert_all(list(clash))
        # The block is gone, and the batch carries on: a row kept and not sent is not sent later.
        prepared.insert_all([new_rows(store, 8)[0]])

    assert sorted(Conversation.objects.filter(store=store).values_list("number", flat=True)) == [7, 8]
    assert not SearchDocument.objects.filter(store=store).exists()


def test_an_update_asked_to_wait_inside_a_savepoint_that_rolls_back_is_not_written(store):
    # The savepoint's rollback is a statement like any: the writes kept go before it, and roll back.
    with batch_cache.batch():
        prepared.reserve_ids([Conversation], 1)
        with batch_cache.all_items():
            one, *rest = new_rows(store, 1)
            prepared.insert_all([one, *rest])
            try:
                with transaction.atomic():  # a savepoint of its own, rolled back alone
                    prepared.update(Conversation, one.pk, {"subject": "rolled back"}, defer=True)
                    raise LookupError
            except LookupError:
                pass
            prepared.update(Conversation, one.pk, {"priority": "high"}, defer=True)

    kept = Conversation.objects.get(pk=one.pk)
    assert (kept.subject, kept.priority) == ("Zwrot", "high")
