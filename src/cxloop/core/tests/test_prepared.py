"""core.prepared: rows read and written with SQL made once are what the ORM reads and writes."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cxloop.commerce.models import Customer
from cxloop.core import prepared
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
