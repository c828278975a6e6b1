"""`cxloop bench search`: the customers page at a million customers.

Opens the database of --database-url (default: var/bench/search.sqlite3,
migrated and seeded with --customers demo customers in --store if that store
is missing), signs a staff member of the store in through Django's test
Client, and times the real customers page (`/customers/`, the htmx results
partial as the search box requests it) for each case: no filter, an email
prefix, an exact email, a Persian, a Chinese and a Polish name, a filter with
a sort, and the deepest page. The search terms are taken from the store's own
customers, so every case finds someone. For each case it also times the query
the page runs (`list_customers` and one page of it) and, as the baseline, one
hand-written SQL query answering the same question through a plain cursor; it
checks that both return the same customers, and prints p50 and p99 of each
with the ratio of the page and of the query to the baseline.

    cxloop bench search --database-url sqlite:///var/million.sqlite3 --store million

Results are printed and written to var/bench/search-<timestamp>.json.
"""

import argparse
import json
import os
import platform
import statistics
import time
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PER_PAGE = 50
ORDER = {"newest": "created_at DESC, id", "spent": "amount_spent DESC, id"}  # tie-breaker as in the index
STORE = object()  # stands for the store's id in a case's arguments
BENCH_USER = "search-bench@cxloop.test"
TERMS = "commerce_customersearchterm"
END = "\U0010ffff"  # the end of a prefix's index range


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="cxloop bench search", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT}/var/bench/search.sqlite3")
    parser.add_argument("--store", default="search-bench", help="store slug; seeded if missing")
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers to seed if missing")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per case")
    args = parser.parse_args(argv)
    _setup_django(args.database_url)
    store = _store(args.store, args.customers)
    _print_head()
    results = []
    for case in _cases(store):
        results.append(_measure(store, case, args.repeat))
        _print_row(results[-1])
    print(f"\nresults: {_write_json(store, results, args)}")


def _setup_django(url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATABASE_URL"] = url
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)


def _store(slug: str, customers: int):
    """The store to search, seeded with `customers` demo customers if it does not exist."""
    from tqdm import tqdm

    from cxloop.core.models import Store
    from cxloop.demo.generator import generate_store
    from cxloop.demo.services import ensure_store

    store = Store.objects.filter(slug=slug).first()
    if store is None:
        store, _ = ensure_store(slug=slug)
        with tqdm(total=customers, unit="customer", desc="seeding") as bar:
            generate_store(
                store=store, customers=customers, seed=42,
                progress=lambda done, total: bar.update(done - bar.n),
                notify=lambda text: bar.set_postfix_str(text, refresh=True),
            )  # fmt: skip
    return store


class Case:
    """One question asked of the customers page, with its hand-written SQL."""

    def __init__(self, name: str, params: dict, where: str = "", args: tuple = (), sort: str = "newest"):
        self.name, self.params, self.where, self.args, self.sort = name, params, where, args, sort

    def baseline_sql(self) -> str:
        where = f" AND ({self.where})" if self.where else ""
        page = int(self.params.get("page", 1))
        return (
            f"SELECT * FROM commerce_customer WHERE store_id = %s{where} "
            f"ORDER BY {ORDER[self.sort]} LIMIT {PER_PAGE + 1} OFFSET {(page - 1) * PER_PAGE}"
        )


class Search(Case):
    """A search: matches found through the term and email indexes, then sorted (COALESCE: by no index).

    A customer matches when each word starts one of their search terms (the
    narrowest word's range, the others checked per customer), or when the
    search starts their email key.
    """

    def __init__(self, name: str, query: str, orders: bool = False):
        from cxloop.commerce.search_terms import query_words

        words, email = query_words(query), unicodedata.normalize("NFKC", query.strip()).casefold()
        selects, args = [], []
        if words:
            first, *others = words
            probes = "".join(
                f" AND EXISTS (SELECT 1 FROM {TERMS} o{i} WHERE o{i}.customer_id = t.customer_id "
                f"AND o{i}.term >= %s AND o{i}.term < %s)"
                for i, _ in enumerate(others)
            )
            selects.append(f"SELECT t.customer_id FROM {TERMS} t WHERE t.store_id = %s "
                           f"AND t.term >= %s AND t.term < %s{probes}")  # fmt: skip
            args += [STORE, first, first + END]
            for word in others:
                args += [word, word + END]
        selects.append(
            "SELECT id FROM commerce_customer WHERE store_id = %s AND email_key >= %s AND email_key < %s"
        )
        args += [STORE, email, email + END]
        matches = " UNION ALL ".join(selects)
        super().__init__(name, {"q": query}, f"id IN ({matches})", tuple(args))
        self.orders = orders
        if orders:
            # The orders with that number, and the orders of the matching customers: one id set, so
            # each half is an index read (an OR of the two, or a store_id test on the second half, made
            # SQLite read every order of the store).
            number = query.strip()
            self.where = (
                "id IN (SELECT id FROM commerce_order WHERE store_id = %s AND number IN (%s, %s) UNION ALL"
                f" SELECT id FROM commerce_order WHERE customer_id IN ({matches}))"
            )
            self.args = (STORE, number, f"#{number.lstrip('#')}", *args)  # the customers are the store's

    def baseline_sql(self) -> str:
        if self.orders:
            return (
                f"SELECT * FROM commerce_order WHERE store_id = %s AND ({self.where}) "
                f"ORDER BY COALESCE(created_at, created_at) DESC, id DESC LIMIT {PER_PAGE + 1}"
            )
        return (
            f"SELECT * FROM commerce_customer WHERE store_id = %s AND ({self.where}) "
            f"ORDER BY COALESCE(created_at, created_at) DESC, id LIMIT {PER_PAGE + 1}"
        )


def _cases(store) -> list[Case]:
    from cxloop.commerce.models import Customer
    from cxloop.commerce.search_terms import fold

    customers = Customer.objects.filter(store=store)
    middle = customers.order_by("id")[customers.count() // 2]
    persian = customers.filter(language="fa").order_by("id").first()
    chinese = customers.filter(language="zh-hans").order_by("id").first()
    polish = customers.filter(language="pl", last_name__regex="[ąćęłńóśźż]").order_by("id").first()
    buyers = customers.filter(pk__gt=middle.pk, language="pl", orders_count__gt=0)
    buyer = buyers.filter(last_name__regex="[ąćęłńóśźż]").order_by("id").first()
    latvian = customers.filter(language="lv", last_name__regex="[āēīūķļņšžčģ]").order_by("id").first()
    dotted = customers.filter(pk__gt=middle.pk, email_key__regex=r"^[a-z]+\.[a-z]+[0-9]+@").order_by("id")[0]
    email_word = dotted.email_key.split("@")[0].split(".")[1]
    prefix = middle.email_key[:5]
    return [
        Case("no filter, first page", {}),
        Search(f"email prefix {prefix}", prefix),
        Search("exact email", middle.email),
        Search(f"Persian name {persian.first_name}", persian.first_name),
        Search(f"Chinese name {chinese.last_name}{chinese.first_name}",
               chinese.last_name + chinese.first_name),
        Search(f"Polish name {polish.last_name}", polish.last_name),
        Search(f"Polish name folded {fold(polish.last_name)}", fold(polish.last_name).capitalize()),
        Search(f"email middle word {email_word}", email_word),
        Search(f"Latvian name folded {fold(latvian.last_name)}", fold(latvian.last_name).capitalize()),
        Search(f"orders by name {fold(buyer.last_name)}", fold(buyer.last_name).capitalize(), orders=True),
        Case("subscribed buyers, most spent", {"consent": "subscribed", "has_orders": "yes", "sort": "spent"},
             "email_consent = %s AND orders_count + 0 > 0", ("subscribed",), sort="spent"),
        Case("deepest page (2000)", {"page": "2000"}),
    ]  # fmt: skip


def _measure(store, case: Case, repeat: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from cxloop.commerce import queries
    from cxloop.core.models import Membership
    from cxloop.core.services import add_staff
    from cxloop.web.paging import build_page

    user = get_user_model().objects.filter(username=BENCH_USER).first()
    if user is None or not Membership.objects.filter(user=user, store=store).exists():
        user, _ = add_staff(store=store, email=BENCH_USER, role=Membership.Role.ADMIN)
    client = Client()
    client.force_login(user)
    htmx = {"HX-Request": "true", "HX-Target": "customer-results"}
    get = case.params.get
    filters = {"search": get("q", ""), "consent": get("consent", ""), "has_orders": get("has_orders", ""),
               "sort": get("sort", "newest")}  # fmt: skip

    orders = getattr(case, "orders", False)
    if orders:
        htmx = {"HX-Request": "true", "HX-Target": "order-results"}

    def page():
        response = client.get("/orders/" if orders else "/customers/", case.params, headers=htmx)
        assert response.status_code == 200, response.status_code

    def query():
        if orders:
            return [o.pk for o in build_page(queries.list_orders(store, search=get("q")), get("page")).items]
        return [c.pk for c in build_page(queries.list_customers(store, **filters), get("page")).items]

    def baseline():
        with connection.cursor() as cursor:
            args = [store.pk, *(store.pk if a is STORE else a for a in case.args)]
            cursor.execute(case.baseline_sql(), args)
            return [row[0] for row in cursor.fetchall()[:PER_PAGE]]

    found = query()
    same = found == baseline()
    return {
        "case": case.name, "found": len(found), "same_as_baseline": same, "params": case.params,
        "page": _timings(page, repeat), "query": _timings(query, repeat),
        "baseline": _timings(baseline, repeat),
    }  # fmt: skip


def _timings(run, repeat: int) -> dict:
    run()  # warm the page cache and the code paths
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return {"p50_ms": round(statistics.median(times), 2), "p99_ms": round(p99, 2)}


def _print_head() -> None:
    head = (f"{'case':38} {'found':>5} {'page p50':>9} {'p99':>8} {'query p50':>9} {'p99':>8} "
            f"{'SQL p50':>8} {'p99':>8} {'page/SQL':>8} {'query/SQL':>9} same")  # fmt: skip
    print(head)
    print("-" * len(head), flush=True)


def _print_row(r: dict) -> None:
    page, query, base = r["page"], r["query"], r["baseline"]
    print(
        f"{r['case'][:38]:38} {r['found']:>5} {page['p50_ms']:>9.1f} {page['p99_ms']:>8.1f} "
        f"{query['p50_ms']:>9.1f} {query['p99_ms']:>8.1f} {base['p50_ms']:>8.1f} {base['p99_ms']:>8.1f} "
        f"{page['p50_ms'] / base['p50_ms']:>8.1f} {query['p50_ms'] / base['p50_ms']:>9.1f} "
        f"{'yes' if r['same_as_baseline'] else 'NO'}",
        flush=True,
    )


def _write_json(store, results: list[dict], args) -> Path:
    from django.db import connection

    from cxloop.commerce.models import Customer

    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"search-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps({
        "database": connection.vendor, "store": store.slug,
        "customers": Customer.objects.filter(store=store).count(), "repeat": args.repeat,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
        "results": results,
    }, indent=2, ensure_ascii=False))  # fmt: skip
    return path
