"""The store `cxloop bench segments` counts in: a million customers and their predictions, by bulk SQL.

    seed_customers(store, 1_000_000, seed=20261205)

The whole store's columns are drawn at once with NumPy (the RFM groups and
spend tiers rank customers against each other, as a refresh does), then
written CHUNK customers at a time through `demo.writer.RowWriter`
(executemany on SQLite, COPY on PostgreSQL) with the indexes built at the
end, and ANALYZEd.
"""

import json
import sys
import time
from datetime import UTC, datetime

import numpy as np

CHUNK = 50_000
DAY_US = 86_400 * 10**6
YEARS = 3
# language: (share, {country: share}); Persian speakers live in Iran and abroad, a few others in Iran.
LANGUAGES = {
    "pl": (0.40, {"PL": 0.92, "DE": 0.05, "GB": 0.03}),
    "en": (0.25, {"GB": 0.35, "US": 0.35, "IE": 0.10, "DE": 0.08, "PL": 0.10, "IR": 0.02}),
    "lv": (0.10, {"LV": 0.90, "IE": 0.05, "GB": 0.05}),
    "fa": (0.10, {"IR": 0.55, "DE": 0.20, "US": 0.10, "SE": 0.10, "GB": 0.05}),
    "zh-hans": (0.15, {"CN": 0.85, "SG": 0.10, "MY": 0.05}),
}
NAMES = {
    "pl": (
        ["Anna", "Łukasz", "Zofia", "Piotr", "Małgorzata"],
        ["Nowak", "Wójcik", "Kowalczyk", "Żółkiewska"],
    ),
    "en": (["Emily", "James", "Olivia", "Jack", "Sophie"], ["Smith", "Jones", "Taylor", "Brown"]),
    "lv": (["Anna", "Jānis", "Līga", "Andris", "Inese"], ["Bērziņš", "Kalniņa", "Ozols", "Liepiņa"]),
    "fa": (["سارا", "علی", "مریم", "رضا", "زهرا"], ["احمدی", "محمدی", "حسینی", "رضایی"]),
    "zh-hans": (["伟", "芳", "娜", "敏", "静"], ["王", "李", "张", "刘"]),
}
OTHER_TAGS = ["newsletter", "wholesale", "returns", "instagram", "gift", "b2b"]
CONSENTS = {
    "subscribed": 0.45,
    "not_subscribed": 0.35,
    "unsubscribed": 0.12,
    "pending": 0.05,
    "invalid": 0.03,
}
BGNBD = {"r": 0.25, "alpha": 60.0, "a": 0.8, "b": 3.0}  # days; a store's typical fit
GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "v": 120.0}


def seed_customers(store, count: int, *, seed: int) -> None:
    """`count` customers of `store` and the buyers' predictions, by bulk SQL; ANALYZEd afterwards."""
    from django.db import connection, transaction
    from tqdm import tqdm

    from cxloop.commerce.models import Customer
    from cxloop.demo.writer import RowWriter
    from cxloop.segments.models import CustomerPrediction

    end = int(datetime.now(UTC).timestamp() * 10**6)
    people = _people(count, end, np.random.default_rng(seed))
    predictions = _predictions(people, end)
    writer = RowWriter()
    with (
        writer.bulk_load((Customer, CustomerPrediction), rebuild_indexes=True),
        tqdm(total=count, unit="customer", desc="seeding", file=sys.stderr) as bar,
    ):
        for start in range(0, count, CHUNK):
            rows = slice(start, min(start + CHUNK, count))
            with transaction.atomic():
                writer.reserve(Customer, rows.stop - rows.start)
                writer.insert(Customer, _customer_columns(store, people, rows, writer))
                writer.insert(CustomerPrediction, _prediction_columns(store, predictions, rows, writer, end))
            bar.update(rows.stop - rows.start)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _vacuum(cursor)
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _vacuum(cursor) -> None:
    """VACUUM ANALYZE until every page is all-visible, as autovacuum leaves a store at rest.

    The first pass after the load marked only half the customers' pages at a million (a snapshot
    still open elsewhere, such as autovacuum's own ANALYZE of the new rows, holds them back), and an
    index-only scan reads the table for every row on a page that is not marked.
    """
    tables = ("commerce_customer", "commerce_customertag", "segments_customerprediction")
    for _ in range(5):
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute(
            "SELECT bool_and(relallvisible >= relpages) FROM pg_class WHERE relname = ANY(%s)", [list(tables)]
        )
        if cursor.fetchone()[0]:
            return
        time.sleep(2)
    print("warning: the customers' pages are not all visible after VACUUM", file=sys.stderr)


def _people(n: int, end: int, rng: np.random.Generator) -> dict:
    """Every customer's facts as arrays (times in µs since the epoch, -1 for none; money in cents)."""
    start = end - YEARS * 365 * DAY_US
    created = rng.integers(start, end, n)
    buyer = rng.random(n) < 0.6
    orders = np.where(buyer, rng.geometric(0.45, n), 0)
    first = np.minimum(created + (rng.exponential(10, n) * DAY_US).astype(np.int64), end - 1)
    later = (first + (end - first) * rng.beta(1.2, 1.5, n)).astype(np.int64)
    last = np.where(orders > 1, later, first)
    order_value = np.exp(rng.normal(np.log(4500), 1.0, n))
    spent = np.where(buyer, np.round(orders * order_value * rng.uniform(0.8, 1.0, n)), 0).astype(np.int64)
    # vip: mostly repeat buyers; 5.1 % of all customers
    vip = rng.random(n) < np.select([orders >= 3, orders == 2, orders == 1], [0.17, 0.07, 0.025], 0.009)
    language = rng.choice(list(LANGUAGES), n, p=[share for share, _ in LANGUAGES.values()])
    country = np.empty(n, dtype=object)
    for code, (_share, countries) in LANGUAGES.items():
        mine = language == code
        country[mine] = rng.choice(list(countries), int(mine.sum()), p=list(countries.values()))
    erased = rng.random(n) < 0.001
    return {
        "n": n, "created": created, "buyer": buyer & ~erased, "orders": orders, "spent": spent,
        "first": np.where(buyer, first, -1), "last": np.where(buyer, last, -1), "vip": vip,
        "vip_upper": rng.random(n) < 0.1, "tag_set": rng.integers(0, 2 * len(OTHER_TAGS), n),
        "language": language.astype(object), "country": country, "erased": erased,
        "erased_at": np.where(erased, end - rng.integers(DAY_US, 30 * DAY_US, n), -1),
        "consent": np.where(erased, "redacted", rng.choice(list(CONSENTS), n, p=list(CONSENTS.values()))),
        "name": rng.integers(0, 20, n), "street": rng.integers(1, 200, n),
    }  # fmt: skip


def _predictions(people: dict, end: int) -> dict:
    """What a refresh writes for the buyers: RFM group, spend tier, P(alive), orders and value in a year."""
    from cxloop.segments.predictions import bgnbd, gamma_gamma
    from cxloop.segments.predictions.groups import rfm_groups, spend_tiers

    buyers = np.flatnonzero(people["buyer"])
    orders, spent = people["orders"][buyers], people["spent"][buyers] / 100
    first, last = people["first"][buyers], people["last"][buyers]
    x, t_x, T = orders - 1, (last - first) / DAY_US, (end - first) / DAY_US
    fit = bgnbd.Params(**BGNBD)
    expected_365 = bgnbd.expected_orders(fit, 365, x, t_x, T)
    value = expected_365 * gamma_gamma.expected_order_value(
        gamma_gamma.Params(**GAMMA_GAMMA), x, spent / orders
    )
    return {
        "rows": buyers, "alive": bgnbd.probability_alive(fit, x, t_x, T),
        "orders_90": bgnbd.expected_orders(fit, 90, x, t_x, T), "orders_365": expected_365,
        "value_cents": np.round(value * 100).astype(np.int64), "tier": spend_tiers(value).astype(object),
        "group": rfm_groups(days_since_last=(end - last) / DAY_US, orders=orders, spent=spent).astype(object),
    }  # fmt: skip


def _customer_columns(store, people: dict, rows: slice, writer) -> dict:
    from cxloop.commerce.models import Customer
    from cxloop.demo.columns import concat, datetimes, money, objects, texts
    from cxloop.demo.writer import Constant, Ids

    p = {key: value[rows] if isinstance(value, np.ndarray) else value for key, value in people.items()}
    n, erased = rows.stop - rows.start, p["erased"]

    def at(micros):
        return datetimes(micros, writer.datetime_suffix)

    def unless_erased(values: list[str]):
        return np.where(erased, "", objects(values)).astype(object)

    pairs = [
        (NAMES[lang][0][i % 5], NAMES[lang][1][i % 4])
        for lang, i in zip(p["language"], p["name"], strict=True)
    ]
    email = concat("customer", texts(np.arange(rows.start, rows.stop)), "@mail.example")
    return {
        "id": Ids(Customer, np.arange(n)), "store_id": Constant(store.pk),
        "email": unless_erased(email.tolist()), "email_key": unless_erased(email.tolist()),
        "phone": Constant(""), "first_name": unless_erased([first for first, _ in pairs]),
        "last_name": unless_erased([last for _, last in pairs]),
        "name_key": unless_erased([f"{first} {last}".casefold() for first, last in pairs]),
        "surname_key": unless_erased([last.casefold() for _, last in pairs]),
        "language": p["language"], "country": p["country"], "tags": _tags(p),
        "email_consent": p["consent"].astype(object), "created_at": at(p["created"]),
        "updated_at": at(np.maximum(p["created"], p["last"])), "erased_at": at(p["erased_at"]),
        "orders_count": p["orders"], "amount_spent": money(p["spent"]),
        "first_order_at": at(p["first"]), "last_order_at": at(p["last"]),
        "platform_totals_currency": Constant(""), "platform_totals_source": Constant(""),
        "facts_from_platform": Constant(False), "company": Constant(""), "note": Constant(""),
        "tax_exempt": Constant(False),
        "address": concat('{"address1": "Street ', texts(p["street"]), '", "city": "City", "country": "',
                          p["country"], '"}'),
    }  # fmt: skip


def _tags(p: dict) -> np.ndarray:
    """Half the customers have one of OTHER_TAGS; the vip customers have vip too (one in ten: VIP)."""
    sets = [[] for _ in OTHER_TAGS] + [[tag] for tag in OTHER_TAGS]
    plain, vip, upper = (
        [json.dumps(sorted([*tags, *extra])) for tags in sets] for extra in ([], ["vip"], ["VIP"])
    )
    table = np.array([plain, vip, upper], dtype=object)
    kind = np.where(p["vip"], np.where(p["vip_upper"], 2, 1), 0)
    return table[kind, p["tag_set"]]


def _prediction_columns(store, predictions: dict, rows: slice, writer, end: int) -> dict:
    from cxloop.commerce.models import Customer
    from cxloop.demo.columns import datetimes, money
    from cxloop.demo.writer import Constant, Ids

    low, high = np.searchsorted(predictions["rows"], [rows.start, rows.stop])
    mine = slice(low, high)
    return {
        "store_id": Constant(store.pk), "customer_id": Ids(Customer, predictions["rows"][mine] - rows.start),
        "rfm_group": predictions["group"][mine], "spend_tier": predictions["tier"][mine],
        "probability_alive": predictions["alive"][mine], "expected_orders_90": predictions["orders_90"][mine],
        "expected_orders_365": predictions["orders_365"][mine],
        "predicted_value_365": money(predictions["value_cents"][mine]),
        "computed_at": Constant(datetimes(np.array([end]), writer.datetime_suffix)[0]),
    }  # fmt: skip
