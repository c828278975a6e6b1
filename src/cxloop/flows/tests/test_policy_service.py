import pytest

from cxloop.core.errors import InvalidInput
from cxloop.flows import services
from cxloop.flows.models import ContactPolicy


@pytest.mark.parametrize(("days", "audience"), [(0, "opted_in"), (366, "opted_in"), (True, "opted_in"),
                                                ("90", "opted_in"), (90, "everyone")])  # fmt: skip
def test_a_bad_policy_is_refused_and_nothing_changes(store, days, audience):
    with pytest.raises(InvalidInput):
        services.set_contact_policy(store=store, survey_window_days=days, survey_audience=audience)
    assert not ContactPolicy.objects.filter(store=store).exists()


def test_a_policy_change_is_kept(store):
    services.set_contact_policy(store=store, survey_window_days=30, survey_audience="not_opted_out")
    policy = ContactPolicy.objects.get(store=store)
    assert (policy.survey_window_days, policy.survey_audience) == (30, "not_opted_out")


def test_a_reference_is_reserved_once_per_store_and_looked_up_through_its_index(store, other_store):
    from django.db import IntegrityError, connection, transaction
    from django.utils import timezone

    from cxloop.commerce.models import Customer
    from cxloop.flows.models import Contact

    now = timezone.now()
    customers = [
        Customer.objects.create(
            store=s, email="a@example.com", email_key="a@example.com", created_at=now, updated_at=now
        )
        for s in (store, other_store)
    ]
    for customer in customers:  # the same reference in two stores is two messages
        Contact.objects.create(
            store=customer.store,
            customer=customer,
            kind="survey",
            reference="survey-invitation:x",
            contacted_at=now,
        )

    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(
            store=store,
            customer=customers[0],
            kind="survey",
            reference="survey-invitation:x",
            contacted_at=now,
        )

    sql, params = Contact.objects.filter(store=store, reference="survey-invitation:x").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        else:
            cursor.execute("SET enable_seqscan = off")  # a tiny table: ask whether an index can serve it
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
    if connection.vendor == "sqlite":  # SQLite keeps the constraint as the table's own unique index
        assert "USING INDEX" in plan and "(store_id=? AND reference=?)" in plan
    else:
        assert "contact_unique_reference" in plan
