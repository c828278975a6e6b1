"""Customer clusters: planted groups found and named, the same answer each time, edge cases, the page."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.urls import reverse
from scipy.cluster.vq import ClusterError

from cxloop.commerce.models import Customer
from cxloop.core.errors import InvalidInput
from cxloop.segments import clusters
from cxloop.segments.clusters import Features, find_clusters
from cxloop.segments.query import customers_matching
from cxloop.segments.services import clusters as services

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
# Three planted groups: (size, days since the last order, orders, average order value, days before the last
# order that the first one came). Loyal big spenders, lapsing occasional buyers, one-time buyers long gone.
PLANTED = (
    (40, (1, 20), (6, 12), (80, 120), (300, 700)),
    (50, (100, 200), (2, 4), (40, 60), (60, 200)),
    (60, (300, 700), (1, 2), (10, 25), (0, 1)),
)


def planted(seed: int = 3) -> tuple[Features, np.ndarray]:
    """The planted customers' features (money rounded to cents, as stored) and each one's group."""
    rng = np.random.default_rng(seed)
    parts = []
    for size, recency, orders, order_value, before in PLANTED:
        days = rng.integers(*recency, size).astype(float)
        count = rng.integers(*orders, size).astype(float)
        spent = np.round(count * rng.uniform(*order_value, size), 2)
        parts.append((days, count, spent, spent / count, days + rng.integers(*before, size)))
    columns = [np.concatenate([part[i] for part in parts]) for i in range(5)]
    truth = np.repeat(np.arange(len(PLANTED)), [group[0] for group in PLANTED])
    return Features(*columns), truth


def partition(found, labels_of) -> set[frozenset]:
    """The clusters as a set of member sets, so two labellings compare up to renaming."""
    return {frozenset(labels_of(cluster)) for cluster in found}


def planted_partition(truth) -> set[frozenset]:
    return {frozenset(np.flatnonzero(truth == group).tolist()) for group in np.unique(truth)}


def words(cluster) -> list[str]:
    return [str(word) for word in cluster.words]


# The computation ------------------------------------------------------------------------------------------


def test_three_planted_groups_are_found_exactly():
    features, truth = planted()

    found = find_clusters(features, 3)

    assert partition(found, lambda c: c.members.tolist()) == planted_partition(truth)


def test_clusters_come_by_total_spend_and_the_words_describe_the_planted_groups():
    features, truth = planted()

    found = find_clusters(features, 3)

    assert [c.label for c in found] == ["A", "B", "C"]
    assert [set(truth[c.members]) for c in found] == [{0}, {1}, {2}]
    assert [c.size for c in found] == [40, 50, 60]
    assert words(found[0]) == ["recent", "frequent", "high spend", "large orders", "long-standing"]
    assert words(found[1])[:3] == ["lapsing", "occasional", "mid spend"]
    assert words(found[2])[:3] == ["long gone", "one-time", "low spend"]
    assert found[0].total_spent > found[1].total_spent > found[2].total_spent


def test_the_centre_is_the_members_median_in_the_inputs_units():
    features, _ = planted()

    top = find_clusters(features, 3)[0]

    assert top.centre.recency == np.median(features.recency[top.members])
    assert top.centre.spent == np.median(features.spent[top.members])
    assert top.centre.aov == np.median(features.aov[top.members])


def test_the_same_customers_give_the_same_clusters():
    features, _ = planted(seed=11)

    first, second = find_clusters(features, 5), find_clusters(features, 5)

    assert [(c.label, c.members.tolist(), c.centre, c.words) for c in first] == [
        (c.label, c.members.tolist(), c.centre, c.words) for c in second
    ]


def test_fewer_customers_than_k_give_one_cluster_each():
    features = Features(
        recency=np.array([3.0, 90, 400]), orders=np.array([9.0, 2, 1]), spent=np.array([900.0, 80, 15]),
        aov=np.array([100.0, 40, 15]), tenure=np.array([600.0, 200, 400]),
    )  # fmt: skip

    found = find_clusters(features, 8)

    assert [(c.label, c.members.tolist()) for c in found] == [("A", [0]), ("B", [1]), ("C", [2])]


def test_identical_customers_are_one_cluster_and_no_customers_none():
    same = Features(*(np.full(12, value) for value in (30.0, 2.0, 100.0, 50.0, 90.0)))
    nobody = Features(*(np.zeros(0) for _ in range(5)))

    assert [c.size for c in find_clusters(same, 4)] == [12]
    assert words(find_clusters(same, 4)[0]) == []  # nothing stands out against itself
    assert find_clusters(nobody, 4) == []


def test_a_constant_feature_weighs_nothing_and_gets_no_word():
    # given: every customer bought once for the same amount; only when they bought differs
    features, truth = planted()
    n = len(truth)
    flat = Features(features.recency, np.ones(n), np.full(n, 50.0), np.full(n, 50.0), features.recency)

    found = find_clusters(flat, 2)

    assert len(found) == 2
    assert np.array_equal(clusters.standardise(flat.columns())[:, 1:4], np.zeros((n, 3)))
    assert all(words(c)[1:2] == ["one-time"] and "low spend" not in words(c) for c in found)


def test_a_cluster_left_empty_in_every_start_means_one_cluster_fewer(monkeypatch):
    features, _ = planted()
    real = clusters.kmeans2

    def empties_a_fourth(data, k, **options):
        if k == 4:
            raise ClusterError("One of the clusters is empty.")
        return real(data, k, **options)

    monkeypatch.setattr(clusters, "kmeans2", empties_a_fourth)

    found = find_clusters(features, 4)

    assert [c.label for c in found] == ["A", "B", "C"]
    assert all(c.size > 0 for c in found)


@pytest.mark.parametrize("k", [0, 9])
def test_find_clusters_takes_k_from_1_to_8(k):
    with pytest.raises(ValueError):
        find_clusters(planted()[0], k)


# The store's clusters -------------------------------------------------------------------------------------


def add_buyers(store, features: Features, *, name="c") -> list[int]:
    """One customer per row of `features`, as of NOW; their ids in row order."""
    rows = zip(features.recency, features.orders, features.spent, features.tenure, strict=True)
    customers = [
        Customer(
            store=store,
            email=f"{name}{i}@example.com",
            email_key=f"{name}{i}@example.com",
            first_name=f"{name}{i}",
            orders_count=int(orders),
            amount_spent=Decimal(f"{spent:.2f}"),
            created_at=NOW,
            updated_at=NOW,
            last_order_at=NOW - timedelta(days=recency),
            first_order_at=NOW - timedelta(days=tenure),
        )  # fmt: skip
        for i, (recency, orders, spent, tenure) in enumerate(rows)
    ]
    return [customer.pk for customer in Customer.objects.bulk_create(customers)]


@pytest.fixture
def planted_store(store):
    features, truth = planted()
    ids = add_buyers(store, features)
    return store, np.array(ids), truth


@pytest.mark.django_db
def test_the_store_clusters_are_its_planted_groups_read_in_one_query(
    planted_store, django_assert_num_queries
):
    store, ids, truth = planted_store

    with django_assert_num_queries(1):
        found = services.cluster_customers(store=store, k=3, as_of=NOW)

    assert found.buyers == 150 and found.enough_data
    assert partition(found.clusters, lambda c: c.customer_ids.tolist()) == {
        frozenset(ids[list(group)].tolist()) for group in planted_partition(truth)
    }
    assert [round(c.share, 1) for c in found.clusters] == [26.7, 33.3, 40.0]
    assert words(found.clusters[0])[:3] == ["recent", "frequent", "high spend"]


@pytest.mark.django_db
def test_each_clusters_segment_query_runs_and_picks_mostly_its_members(planted_store):
    store, _, _ = planted_store

    found = services.cluster_customers(store=store, k=3, as_of=NOW)

    for cluster in found.clusters:
        matched = set(customers_matching(store, cluster.query, now=NOW).values_list("pk", flat=True))
        members = matched & set(cluster.customer_ids.tolist())
        assert (len(matched), len(members)) == (cluster.matched, cluster.matched_members)
        # Most of the customers the ranges match are in the cluster (with the 15th-85th percentiles;
        # the demo store measured 88-100 % of them, about half of each cluster).
        assert len(members) >= 0.6 * len(matched) > 0


def test_the_query_is_written_in_the_segment_language():
    query = services.build_query(recency=(0, 41), orders=(1, 1), spent=(80, 300))

    assert query == (
        "last_order_date BETWEEN -41d AND today AND number_of_orders = 1 AND amount_spent BETWEEN 80 AND 300"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("k", [1, 9])
def test_k_outside_2_to_8_is_refused(store, k):
    with pytest.raises(InvalidInput) as caught:
        services.cluster_customers(store=store, k=k)

    assert caught.value.field == "k" and caught.value.message == "Choose from 2 to 8 clusters."


@pytest.mark.django_db
def test_fewer_than_min_buyers_is_not_enough_data(store, staff_client):
    # given: one buyer short, and customers who do not count (no order, erased)
    features, _ = planted()
    add_buyers(store, Features(*(column[: services.MIN_BUYERS - 1] for column in features.columns())))
    Customer.objects.create(store=store, email_key="none@example.com", created_at=NOW, updated_at=NOW)
    erased = add_buyers(store, Features(*(column[:1] for column in features.columns())), name="gone")
    Customer.objects.filter(pk__in=erased).update(erased_at=NOW)

    found = services.cluster_customers(store=store, k=4, as_of=NOW)
    page = staff_client.get(reverse("segments:customer-clusters"))

    assert (found.buyers, found.enough_data, found.clusters) == (29, False, [])
    assert "Not enough data for clusters yet" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("client_name", ["staff_client", "agent_client"])
def test_the_page_shows_each_cluster_to_every_member(request, planted_store, client_name):
    client = request.getfixturevalue(client_name)

    response = client.get(reverse("segments:customer-clusters"), {"k": "3"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="card cluster"') == 3
    assert "Cluster A" in html and "high spend" in html and "long gone" in html
    assert 'href="/segments/new/?query=last_order_date%20BETWEEN%20-' in html
    assert '<option value="3" selected>' in html


@pytest.mark.django_db
def test_the_page_starts_with_four_clusters_and_refuses_a_wrong_k(planted_store, staff_client):
    url = reverse("segments:customer-clusters")

    default = staff_client.get(url)
    too_many, garbage = staff_client.get(url, {"k": "12"}), staff_client.get(url, {"k": "abc"})

    assert default.content.decode().count('class="card cluster"') == 4
    assert too_many.status_code == garbage.status_code == 422
    assert "Choose from 2 to 8 clusters." in garbage.content.decode()


@pytest.mark.django_db
def test_another_stores_customers_never_count(planted_store, other_store):
    store, ids, _ = planted_store
    add_buyers(other_store, planted(seed=5)[0], name="other")

    found = services.cluster_customers(store=store, k=3, as_of=NOW)
    theirs = services.cluster_customers(store=other_store, k=3, as_of=NOW)

    assert found.buyers == 150
    assert set(np.concatenate([c.customer_ids for c in found.clusters]).tolist()) == set(ids.tolist())
    assert not set(ids.tolist()) & set(np.concatenate([c.customer_ids for c in theirs.clusters]).tolist())


@pytest.mark.django_db
def test_the_segment_list_links_to_the_clusters(staff_client):
    html = staff_client.get(reverse("segments:segment-list")).content.decode()

    assert f'href="{reverse("segments:customer-clusters")}"' in html
