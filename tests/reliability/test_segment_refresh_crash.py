"""A segment's member refresh cut off by kill -9 leaves consistent rows, and the next refresh completes it.

A real `cxloop worker` refreshes a segment whose members all change (half of
the store leaves, the other half enters), CHUNK customers a transaction; it is
frozen part-way (the test holds the write lock) and killed with SIGKILL. At
that moment every customer's rows must agree with their changes (a row exactly
when the last change is "entered"); a new worker then finishes the refresh
and every customer who moved has exactly one change for it.
"""

CUSTOMERS = 4000
CHUNK = 20

SEED = r"""
from decimal import Decimal
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from cxloop.core import services as core_services
from cxloop.commerce.models import Customer
from cxloop.segments.services.members import refresh_members
from cxloop.segments.services.segments import create_segment
from cxloop.segments.tasks import refresh_segment_members_task
store, _ = core_services.create_store(name="Crash Shop", currency="EUR", slug="crash-shop")
now = timezone.now()
Customer.objects.bulk_create(
    Customer(store=store, email=f"c{i}@example.com", email_key=f"c{i}@example.com", first_name="C",
             amount_spent=Decimal(200 if i % 2 else 0), orders_count=1, created_at=now, updated_at=now)
    for i in range(CUSTOMERS)
)
segment = create_segment(store=store, name="Big", query="amount_spent > 100")
refresh_members(segment, chunk=1000)
Customer.objects.update(amount_spent=Decimal(200) - models.F("amount_spent"))  # everybody moves
DBTaskResult.objects.all().delete()
refresh_segment_members_task.enqueue(segment.pk)
"""

LEFT = "SELECT COUNT(*) FROM segments_segmentchange WHERE change = 'left'"
# customers whose rows disagree with their last change: a row without "entered" last, or "entered" last
# without a row
DISAGREEING = """
SELECT COUNT(*) FROM commerce_customer c
WHERE (EXISTS (SELECT 1 FROM segments_segmentmember m WHERE m.customer_id = c.id)) <> COALESCE(
    (SELECT s.change = 'entered' FROM segments_segmentchange s WHERE s.customer_id = c.id
     ORDER BY s.id DESC LIMIT 1), FALSE)
"""


def test_a_member_refresh_cut_off_by_kill_9_is_consistent_and_completed_by_the_next_worker(installation):
    refresh_killing_a_worker_mid_way(installation)


def test_on_postgresql_a_member_refresh_cut_off_by_kill_9_is_completed(postgres_installation):
    refresh_killing_a_worker_mid_way(postgres_installation)


def refresh_killing_a_worker_mid_way(installation):
    # given a segment of the 2,000 odd customers, whose members are about to swap with the even ones
    installation.env.update(CXLOOP_SEGMENT_REFRESH_CHUNK=str(CHUNK))
    installation.python(f"from django.db import models\nCUSTOMERS = {CUSTOMERS}\n" + SEED)
    half = CUSTOMERS // 2
    assert installation.value("SELECT COUNT(*) FROM segments_segmentmember") == half
    assert installation.value("SELECT COUNT(*) FROM segments_segmentchange") == half  # their "entered"
    refreshed_at = installation.value("SELECT members_at FROM segments_segment")

    # when the worker refreshing it is frozen part-way and killed
    worker = installation.start_worker()
    lock, left_at_kill = installation.freeze_when(LEFT, lambda n: n >= 100, table="segments_segmentchange")
    installation.kill(worker)
    lock.rollback()
    lock.close()

    # then what it committed is consistent: whole chunks, each customer's row matching their last change
    assert 100 <= left_at_kill < half
    assert left_at_kill % (CHUNK // 2) == 0
    assert installation.value(DISAGREEING) == 0
    assert installation.value("SELECT member_count FROM segments_segment") == half  # counted at the end
    # and the next worker completes it: the even customers in, the odd out, one change each
    installation.start_worker()
    everyone = half + CUSTOMERS  # the first refresh's "entered", and one change of each customer now
    installation.wait_for(
        "SELECT COUNT(*) FROM segments_segmentchange", lambda n: n == everyone, timeout=180, what="changes"
    )
    installation.wait_for(
        "SELECT members_at FROM segments_segment", lambda at: at != refreshed_at, timeout=180, what="counted"
    )
    installation.stop_all()
    assert installation.value(DISAGREEING) == 0
    assert installation.query(
        "SELECT COUNT(*), MIN(c.amount_spent), MAX(c.amount_spent) FROM segments_segmentmember m"
        " JOIN commerce_customer c ON c.id = m.customer_id"
    ) == [(half, 200, 200)]
    assert installation.query(
        "SELECT change, COUNT(*), COUNT(DISTINCT customer_id) FROM segments_segmentchange"
        " GROUP BY change ORDER BY change"
    ) == [("entered", CUSTOMERS, CUSTOMERS), ("left", half, half)]
