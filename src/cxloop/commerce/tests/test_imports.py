"""Shopify CSV imports: customers and orders exports, replayed from tests/payloads/shopify_csv."""

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from cxloop.commerce import services
from cxloop.commerce.imports import (
    ImportSummary,
    RowProblem,
    batches,
    import_shopify_customers,
    import_shopify_orders,
)
from cxloop.commerce.integrations import shopify
from cxloop.commerce.models import (
    ConsentRecord,
    Customer,
    ExternalId,
    LineItem,
    Order,
    Product,
    Refund,
)
from cxloop.core.errors import InvalidInput
from cxloop.core.models import Platform

PAYLOADS = Path(__file__).parent / "payloads" / "shopify_csv"
CUSTOMERS = PAYLOADS / "customers_export.csv"
LEGACY_CUSTOMERS = PAYLOADS / "customers_export_legacy.csv"
ORDERS = PAYLOADS / "orders_export.csv"
TABLES = (Customer, ExternalId, ConsentRecord, Order, LineItem, Refund, Product)


def import_file(importer, store, path, **kwargs) -> ImportSummary:
    with path.open("rb") as file:
        return importer(store=store, file=file, **kwargs)


def customer(store, email) -> Customer:
    return Customer.objects.get(store=store, email_key=email.lower())


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


# Customers export ------------------------------------------------------------


def test_customers_export_imports_good_rows_and_reports_bad_ones_by_line(store):
    summary = import_file(import_shopify_customers, store, CUSTOMERS)

    assert (summary.created, summary.updated, summary.skipped) == (6, 0, 3)
    assert summary.problems == [
        RowProblem(9, "blank email and no customer id; skipped"),
        RowProblem(10, "Email is not an email address: 'tomasz.lewandowski(at)example.pl'; skipped"),
        RowProblem(
            11,
            "Customer ID is not a Shopify id: '8.77976E+12' (a spreadsheet may have rounded it); skipped",
        ),
    ]
    assert str(summary.problems[0]) == "line 9: blank email and no customer id; skipped"
    assert Customer.objects.filter(store=store).count() == 6


def test_customer_id_and_phone_lose_the_spreadsheet_apostrophe(store):
    import_file(import_shopify_customers, store, CUSTOMERS)

    anna = customer(store, "anna.kowalska@example.pl")
    assert list(anna.external_ids.values_list("platform", "external_id")) == [("shopify", "8779761975521")]
    assert anna.phone == "+48601234567"
    assert anna.country == "PL"
    assert anna.tags == ["vip", "newsletter"]


def test_customer_with_blank_email_is_imported_when_it_has_a_customer_id(store):
    import_file(import_shopify_customers, store, CUSTOMERS)

    link = ExternalId.objects.get(store=store, platform="shopify", external_id="8779761975526")
    assert (link.customer.first_name, link.customer.email, link.customer.phone) == (
        "Ewa",
        "",
        "+48700100200",
    )


def test_customer_names_in_any_script_are_stored_as_given(store):
    import_file(import_shopify_customers, store, CUSTOMERS)

    assert customer(store, "sara.mohammadi@example.ir").full_name == "سارا محمدی"
    wei = customer(store, "wei.wang@example.cn")
    assert (wei.first_name, wei.last_name, wei.full_name) == ("伟", "王", "王伟")
    assert customer(store, "janis.berzins@example.lv").full_name == "Jānis Bērziņš"
    assert customer(store, "piotr.nowak@example.com").email == "Piotr.Nowak@Example.com"


def test_accepts_email_marketing_yes_records_consent_from_the_csv_import(store):
    import_file(import_shopify_customers, store, CUSTOMERS)

    consents = ConsentRecord.objects.filter(store=store).order_by("customer__email_key")
    assert [(c.customer.email_key, c.state, c.source) for c in consents] == [
        ("anna.kowalska@example.pl", "subscribed", "shopify csv import"),
        ("piotr.nowak@example.com", "subscribed", "shopify csv import"),
        ("sara.mohammadi@example.ir", "subscribed", "shopify csv import"),
    ]
    assert customer(store, "wei.wang@example.cn").email_consent == "not_subscribed"


def test_legacy_customers_export_merges_emails_in_another_case(store):
    # given the current export was imported
    import_file(import_shopify_customers, store, CUSTOMERS)

    # when an older export with legacy headers and upper-case emails follows
    summary = import_file(import_shopify_customers, store, LEGACY_CUSTOMERS)

    # then Anna and Jānis are the same customers; Līga is new; Zofia has no email
    assert (summary.created, summary.updated, summary.skipped) == (1, 2, 1)
    assert summary.problems == [RowProblem(4, "blank email and no customer id; skipped")]
    assert Customer.objects.filter(store=store, email_key="anna.kowalska@example.pl").count() == 1
    assert customer(store, "liga.ozola@example.lv").full_name == "Līga Ozola"


def test_consent_is_recorded_only_when_it_changes(store):
    # given Anna subscribed and Jānis did not, in the current export
    import_file(import_shopify_customers, store, CUSTOMERS)

    # when the legacy export says both accept marketing
    import_file(import_shopify_customers, store, LEGACY_CUSTOMERS)

    # then only Jānis (and the new Līga) get a new ledger entry
    janis = customer(store, "janis.berzins@example.lv")
    assert list(janis.consents.values_list("state", flat=True)) == ["subscribed"]
    assert customer(store, "anna.kowalska@example.pl").consents.count() == 1
    assert ConsentRecord.objects.filter(store=store).count() == 5


def test_csv_import_never_resubscribes_a_customer_who_unsubscribed(store):
    # given Anna unsubscribed after the export was made
    import_file(import_shopify_customers, store, CUSTOMERS)
    anna = customer(store, "anna.kowalska@example.pl")
    services.record_consent(
        customer=anna,
        state="unsubscribed",
        occurred_at=datetime.now(UTC),
        source="unsubscribe link",
    )

    # when the export (Accepts Email Marketing: yes) is imported again
    import_file(import_shopify_customers, store, CUSTOMERS)

    # then she stays unsubscribed
    anna.refresh_from_db()
    assert anna.email_consent == "unsubscribed"
    assert anna.consents.count() == 2


def test_reimporting_the_customers_export_creates_nothing(store):
    # given
    import_file(import_shopify_customers, store, CUSTOMERS)
    before = row_counts()

    # when
    summary = import_file(import_shopify_customers, store, CUSTOMERS)

    # then
    assert (summary.created, summary.updated, summary.skipped) == (0, 0, 3)  # nothing changed
    assert row_counts() == before


def test_customers_matched_by_the_shopify_id_a_webhook_delivered(store):
    # given a customers/create webhook delivered Anna under another email
    services.upsert_customer(
        store=store,
        platform=Platform.SHOPIFY,
        data=shopify.parse_customer({"id": 8779761975521, "email": "anna@old.example.pl"}),
    )

    # when
    summary = import_file(import_shopify_customers, store, CUSTOMERS)

    # then the CSV row updates that customer
    assert (summary.created, summary.updated) == (5, 1)
    link = ExternalId.objects.get(store=store, external_id="8779761975521")
    assert link.customer.email == "anna.kowalska@example.pl"


def test_a_file_with_bom_as_text_or_upload_reads_the_same(store):
    raw = CUSTOMERS.read_bytes()
    files = [
        io.BytesIO(b"\xef\xbb\xbf" + raw),
        io.StringIO("\ufeff" + raw.decode()),
        SimpleUploadedFile("customers_export.csv", b"\xef\xbb\xbf" + raw),
    ]

    summaries = [import_shopify_customers(store=store, file=f) for f in files]

    assert [(s.created, s.updated, s.skipped) for s in summaries] == [
        (6, 0, 3),
        (0, 0, 3),
        (0, 0, 3),
    ]


def test_a_file_that_cannot_be_rewound_is_imported(store):
    class Unseekable(io.RawIOBase):
        def __init__(self, data):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            return self.inner.readinto(buffer)

    summary = import_shopify_customers(store=store, file=Unseekable(CUSTOMERS.read_bytes()))

    assert (summary.created, summary.skipped) == (6, 3)


def test_a_file_that_is_not_a_customers_export_imports_nothing(store):
    with pytest.raises(InvalidInput) as error, ORDERS.open("rb") as file:
        import_shopify_customers(store=store, file=file)

    assert error.value.message == (
        "This is not a Shopify customers export: the column(s) First Name, Last Name "
        "are missing. Nothing was imported."
    )
    assert Customer.objects.count() == 0


def test_a_file_that_is_not_utf8_imports_nothing(store):
    latin2 = "First Name,Last Name,Email,Accepts Marketing\nŁucja,Gąska,l@example.pl,yes\n"

    with pytest.raises(InvalidInput) as error:
        import_shopify_customers(store=store, file=io.BytesIO(latin2.encode("iso-8859-2")))

    assert error.value.field == "file"
    assert error.value.message.startswith("The file is not UTF-8 text.")
    assert Customer.objects.count() == 0


# Orders export ------------------------------------------------------------------


def test_orders_export_groups_line_item_rows_into_orders(store):
    summary = import_file(import_shopify_orders, store, ORDERS)

    assert (summary.created, summary.updated, summary.skipped) == (7, 0, 3)
    order = Order.objects.get(store=store, external_id="5512345678901")
    assert (order.number, order.currency, order.subtotal, order.shipping, order.tax) == (
        "#1001",
        "PLN",
        Decimal("199.98"),
        Decimal("15.00"),
        Decimal("40.20"),
    )
    assert order.total == Decimal("214.98")
    assert order.note == "Proszę dzwonić przed dostawą, domofon 12\nDziękuję"
    assert list(order.line_items.order_by("id").values_list("title", "quantity", "price")) == [
        ("Kubek ceramiczny - Niebieski", 2, Decimal("49.99")),
        ("Czajnik stalowy", 1, Decimal("100.00")),
    ]


def test_orders_export_reports_bad_orders_with_the_line_of_the_bad_row(store):
    summary = import_file(import_shopify_orders, store, ORDERS)

    assert [str(problem) for problem in summary.problems] == [
        "line 11: order #1005: Created at is not a valid date: '2024-03-32 09:15:00 +0100'; skipped",
        "line 17: order #1009: Lineitem quantity must be a whole number from 0 to 100000; skipped",
        "line 18: order #1002: appears again after line 5 (the first rows are kept); skipped",
    ]
    assert not Order.objects.filter(number__in=["#1005", "#1009"]).exists()


def test_an_order_name_reappearing_later_keeps_the_first_block(store):
    import_file(import_shopify_orders, store, ORDERS)

    order = Order.objects.get(store=store, number="#1002")
    assert order.total == Decimal("279.96")
    assert order.line_items.count() == 3


def test_orders_dates_keep_their_utc_offset(store):
    import_file(import_shopify_orders, store, ORDERS)

    order = Order.objects.get(store=store, number="#1001")
    assert order.created_at == datetime(2024, 3, 5, 13, 22, 10, tzinfo=UTC)
    assert order.processed_at == datetime(2024, 3, 5, 13, 22, 15, tzinfo=UTC)
    assert order.fulfilled_at == datetime(2024, 3, 6, 8, 10, tzinfo=UTC)


def test_discount_code_and_refunded_amount_are_imported(store):
    import_file(import_shopify_orders, store, ORDERS)

    order = Order.objects.get(store=store, number="#1002")
    assert order.financial_status == "partially_refunded"
    assert order.discount_codes == [{"code": "WIOSNA10", "amount": "20.00", "type": ""}]
    assert order.total_discounts == Decimal("20.00")
    assert order.refunded_amount == Decimal("49.99")
    refund = order.refunds.get()
    assert (refund.external_id, refund.amount, refund.currency) == (
        "csv-refund-5512345678902",
        Decimal("49.99"),
        "PLN",
    )
    assert refund.created_at == datetime(2024, 3, 7, 11, 0, tzinfo=UTC)


def test_cancelled_and_fully_refunded_orders_count_as_nothing_spent(store):
    import_file(import_shopify_orders, store, ORDERS)

    wei = customer(store, "wei.wang@example.cn")
    sara = customer(store, "sara.mohammadi@example.ir")
    assert Order.objects.get(number="#1004").cancelled_at == datetime(2024, 3, 9, 9, tzinfo=UTC)
    assert (wei.orders_count, wei.amount_spent) == (0, Decimal("0.00"))
    assert (sara.orders_count, sara.amount_spent) == (1, Decimal("0.00"))
    assert Order.objects.get(number="#1003").line_items.get().title == "زعفران ممتاز - ۵ گرم"


def test_customer_totals_after_orders_import_never_add_across_currencies(store):
    # given the customers export was imported first
    import_file(import_shopify_customers, store, CUSTOMERS)

    # when
    import_file(import_shopify_orders, store, ORDERS)

    # then Anna's EUR order is counted but not added to her PLN spend
    anna = customer(store, "anna.kowalska@example.pl")
    assert (anna.orders_count, anna.amount_spent) == (2, Decimal("214.98"))
    piotr = customer(store, "piotr.nowak@example.com")
    assert (piotr.orders_count, piotr.amount_spent) == (2, Decimal("269.97"))
    assert piotr.last_order_at == datetime(2024, 4, 3, 7, tzinfo=UTC)
    assert Customer.objects.filter(store=store).count() == 7  # the guest Marta is new


def test_an_order_without_id_falls_back_to_its_name(store):
    import_file(import_shopify_orders, store, ORDERS)

    order = Order.objects.get(store=store, number="#1008")
    assert (order.platform, order.external_id, order.total) == (
        "shopify",
        "#1008",
        Decimal("40.00"),
    )


def test_reimporting_the_orders_export_creates_nothing_and_changes_no_amount(store):
    # given
    import_file(import_shopify_customers, store, CUSTOMERS)
    import_file(import_shopify_orders, store, ORDERS)
    before = row_counts()
    spent = dict(Customer.objects.values_list("email_key", "amount_spent"))
    refunded = dict(Order.objects.values_list("number", "refunded_amount"))

    # when
    summary = import_file(import_shopify_orders, store, ORDERS)

    # then
    assert (summary.created, summary.updated, summary.skipped) == (0, 7, 3)
    assert row_counts() == before
    assert dict(Customer.objects.values_list("email_key", "amount_spent")) == spent
    assert dict(Order.objects.values_list("number", "refunded_amount")) == refunded


def test_csv_order_updates_the_webhook_order_without_doubling_its_refund(store):
    # given Shopify's webhook delivered #1002 with its line items and a 49.99 refund
    payload = {
        "id": 5512345678902, "name": "#1002", "email": "piotr.nowak@example.com",
        "currency": "PLN", "total_price": "279.96", "created_at": "2024-03-06T10:00:00+01:00",
        "updated_at": "2024-03-08T10:00:00+01:00",
        "landing_site": "/?utm_source=newsletter", "checkout_token": "tok-1002",
        "line_items": [{"id": 1, "title": "Koszulka lniana", "quantity": 1, "price": "279.96",
                        "product_id": 77, "variant_id": 78}],
        "refunds": [{"id": 901, "created_at": "2024-03-08T10:00:00+01:00", "transactions": [
            {"kind": "refund", "status": "success", "amount": "49.99", "currency": "PLN"}]}],
    }  # fmt: skip
    services.upsert_order(store=store, platform="shopify", data=shopify.parse_order(payload))

    # when the orders export is imported
    summary = import_file(import_shopify_orders, store, ORDERS)

    # then the order is updated in place, keeping what the export lacks
    assert (summary.created, summary.updated) == (6, 1)
    order = Order.objects.get(store=store, external_id="5512345678902")
    assert (order.refunded_amount, order.refunds.count()) == (Decimal("49.99"), 1)
    assert (order.utm_source, order.checkout_token) == ("newsletter", "tok-1002")
    assert list(order.line_items.values_list("external_id", "product__external_id")) == [("1", "77")]
    assert order.discount_codes == [{"code": "WIOSNA10", "amount": "20.00", "type": ""}]
    assert customer(store, "piotr.nowak@example.com").amount_spent == Decimal("269.97")


def test_progress_reports_rows_done_out_of_the_total(store, monkeypatch):
    # given batches of four orders
    monkeypatch.setattr(batches, "BATCH_SIZE", 4)
    monkeypatch.setattr(batches, "BATCH_SECONDS", 60)
    calls = []

    # when
    import_file(import_shopify_orders, store, ORDERS, progress=lambda *a: calls.append(a))

    # then: 16 data rows (one spans two lines); #1001-#1004 hold 8, #1005-#1008 five more
    assert calls == [(0, 16), (8, 16), (13, 16), (16, 16)]


def test_a_batch_ends_early_when_it_runs_long(store, monkeypatch):
    # given batches that may last no time at all
    monkeypatch.setattr(batches, "BATCH_SECONDS", 0)
    calls = []

    # when
    import_file(import_shopify_orders, store, ORDERS, progress=lambda *a: calls.append(a))

    # then every order commits on its own
    assert [done for done, _ in calls] == [0, 2, 5, 6, 8, 10, 11, 12, 13, 15, 16]


def test_a_file_that_is_not_an_orders_export_imports_nothing(store):
    with pytest.raises(InvalidInput) as error, CUSTOMERS.open("rb") as file:
        import_shopify_orders(store=store, file=file)

    assert error.value.message == (
        "This is not a Shopify orders export: the column(s) Name, Financial Status, Currency, "
        "Subtotal, Shipping, Taxes, Total, Created at, Lineitem quantity, Lineitem name, "
        "Lineitem price are missing. Nothing was imported."
    )
    assert Order.objects.count() == 0


# The command ------------------------------------------------------------------


def test_import_command_prints_the_summary_and_the_problems(store):
    out, err = io.StringIO(), io.StringIO()

    call_command("import", "shopify-customers", str(CUSTOMERS), "--store", store.slug,
                 stdout=out, stderr=err)  # fmt: skip

    assert out.getvalue().splitlines() == [
        "created 6, updated 0, skipped 3",
        "line 9: blank email and no customer id; skipped",
        "line 10: Email is not an email address: 'tomasz.lewandowski(at)example.pl'; skipped",
        "line 11: Customer ID is not a Shopify id: '8.77976E+12' "
        "(a spreadsheet may have rounded it); skipped",
    ]
    assert "9/9" in err.getvalue()


def test_import_command_lists_fifty_problems_then_how_many_more(store, tmp_path):
    # given 53 customers with neither email nor id
    path = tmp_path / "customers.csv"
    path.write_text("First Name,Last Name,Email,Accepts Marketing\n" + "Jan,Kos,,no\n" * 53)
    out = io.StringIO()

    # when
    call_command("import", "shopify-customers", str(path), "--store", store.slug,
                 stdout=out, stderr=io.StringIO())  # fmt: skip

    # then
    lines = out.getvalue().splitlines()
    assert lines[0] == "created 0, updated 0, skipped 53"
    assert lines[1] == "line 2: blank email and no customer id; skipped"
    assert lines[50] == "line 51: blank email and no customer id; skipped"
    assert lines[51:] == ["and 3 more"]


def test_import_command_imports_orders(store):
    out = io.StringIO()

    call_command("import", "shopify-orders", str(ORDERS), "--store", store.slug,
                 stdout=out, stderr=io.StringIO())  # fmt: skip

    assert out.getvalue().splitlines()[0] == "created 7, updated 0, skipped 3"
    assert Order.objects.filter(store=store).count() == 7


def test_import_command_rejects_an_unknown_store(store):
    with pytest.raises(CommandError, match="No store with slug 'no-such-shop'."):
        call_command("import", "shopify-orders", str(ORDERS), "--store", "no-such-shop")


def test_import_command_rejects_a_missing_file(store, tmp_path):
    missing = tmp_path / "nope.csv"

    with pytest.raises(CommandError, match="No such file or directory"):
        call_command("import", "shopify-orders", str(missing), "--store", store.slug,
                     stderr=io.StringIO())  # fmt: skip

    assert Order.objects.count() == 0


def test_import_command_rejects_a_file_that_is_not_the_export(store):
    with pytest.raises(CommandError, match="not a Shopify orders export"):
        call_command("import", "shopify-orders", str(CUSTOMERS), "--store", store.slug,
                     stderr=io.StringIO())  # fmt: skip


TWICE = (
    "Customer ID,First Name,Last Name,Email,Accepts Email Marketing\n"
    "'9100000000001,Anna,Kowalska,anna@example.pl,yes\n"
    "'9100000000002,Ania,Kowalska,Anna@Example.pl,no\n"
    "'9100000000003,Jānis,Bērziņš,janis@example.lv,no\n"
    "'9100000000004,Līga,Ozola,liga@example.lv,yes\n"
).encode()


def import_bytes(store, raw: bytes) -> ImportSummary:
    return import_shopify_customers(store=store, file=SimpleUploadedFile("customers_export.csv", raw))


def test_reimporting_a_file_with_an_email_twice_changes_nothing(store):
    # given
    first = import_bytes(store, TWICE)
    before = row_counts()
    anna = customer(store, "anna@example.pl")

    # when
    again = import_bytes(store, TWICE)

    # then
    assert (first.created, first.updated, first.skipped) == (3, 0, 1)
    assert [str(problem) for problem in first.problems] == [
        "line 3: the same customer as line 2 (same email or customer id); skipped"
    ]
    assert (again.created, again.updated, again.skipped) == (0, 0, 1)
    assert row_counts() == before
    assert ConsentRecord.objects.filter(customer=anna).count() == 1
    anna.refresh_from_db()
    assert (anna.first_name, anna.email_consent) == ("Anna", "subscribed")


def test_a_reimported_row_that_changed_counts_as_updated(store):
    import_bytes(store, TWICE)

    summary = import_bytes(store, TWICE.replace(b"janis@example.lv,no", b"janis@example.lv,yes"))

    assert (summary.created, summary.updated, summary.skipped) == (0, 1, 1)
    assert customer(store, "janis@example.lv").email_consent == "subscribed"
