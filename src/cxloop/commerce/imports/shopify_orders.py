"""Shopify's orders export (Orders > Export) into the store mirror.

The export has one row per line item. `Name`, `Email`, `Created at`, the
`Lineitem …` columns and `Vendor` are on every row; the order's own values
(status, currency, totals, `Id`, refunds) only on its first row. Rows are
grouped by `Name` and order values are read from the first row only — a
`Total` is never summed over rows.

Orders are stored under the platform "shopify" with the Shopify order id
(`Id`, or the `Name` when `Id` is blank; a row without `Id` matches an order
of that name, and a webhook with the id later takes a name-keyed order over),
so an order that webhooks already delivered is updated, keeping what the
export does not carry (landing page, checkout token, line items linked to
products). The export's `Refunded Amount` becomes one refund
"csv-refund-<order id>", reduced by refunds cxloop already knows from
webhooks, and reduced again by each refund a webhook delivers later
(`services.orders`), so none is counted twice.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext, gettext_noop

from cxloop.core.errors import InvalidInput
from cxloop.core.models import Platform, Store

from .. import parsing as p
from .. import services
from ..integrations.common import country_code
from ..models import Customer, ExternalId, Order
from ..records import CustomerData, LineData, OrderData, RefundData, address_of
from ..services.orders import REPORTED_REFUND_PREFIX
from . import fields
from .batches import Progress, run_in_batches
from .erased import ErasedCustomers
from .reading import Row, open_export
from .summary import ImportSummary

ZERO = Decimal("0")

COLUMNS = {
    "name": ("Name",),
    "email": ("Email",),
    "financial_status": ("Financial Status",),
    "paid_at": ("Paid at",),
    "fulfillment_status": ("Fulfillment Status",),
    "fulfilled_at": ("Fulfilled at",),
    "currency": ("Currency",),
    "subtotal": ("Subtotal",),
    "shipping": ("Shipping",),
    "taxes": ("Taxes",),
    "total": ("Total",),
    "discount_code": ("Discount Code",),
    "discount_amount": ("Discount Amount",),
    "created_at": ("Created at",),
    "quantity": ("Lineitem quantity",),
    "line_name": ("Lineitem name",),
    "line_price": ("Lineitem price",),
    "line_sku": ("Lineitem sku",),
    "line_discount": ("Lineitem discount",),
    "vendor": ("Vendor",),
    "notes": ("Notes",),
    "cancelled_at": ("Cancelled at",),
    "refunded_amount": ("Refunded Amount",),
    "id": ("Id",),
    "source": ("Source",),
    "taxes_included": ("Taxes Included",),
    "shipping_method": ("Shipping Method",),
    "shipping_name": ("Shipping Name",),
    "shipping_company": ("Shipping Company",),
    "shipping_address1": ("Shipping Address1",),
    "shipping_address2": ("Shipping Address2",),
    "shipping_street": ("Shipping Street",),
    "shipping_city": ("Shipping City",),
    "shipping_zip": ("Shipping Zip",),
    "shipping_province": ("Shipping Province Name", "Shipping Province"),
    "shipping_country": ("Shipping Country",),
    "shipping_phone": ("Shipping Phone",),
}
REQUIRED = (
    "name", "email", "financial_status", "currency", "subtotal", "shipping", "taxes",
    "total", "created_at", "quantity", "line_name", "line_price",
)  # fmt: skip

ERASED_CUSTOMER = gettext_noop(
    "its customer was erased at their request; imported without their email and note"
)

# What the export does not carry; kept from an order that webhooks delivered.
KEPT_WHEN_BLANK = (
    "presentment_currency", "presentment_total", "landing_page", "referrer", "utm_source",
    "utm_medium", "utm_campaign", "checkout_token", "referral_code", "processed_at", "note",
    "shipping_address", "shipping_method",
)  # fmt: skip


@dataclass
class OrderBlock:
    """The consecutive rows of one order (one per line item)."""

    name: str
    rows: list[Row]

    @property
    def line(self) -> int:
        return self.rows[0].line


def import_shopify_orders(
    *,
    store: Store,
    file,
    progress: Progress | None = None,
    summary: ImportSummary | None = None,
    skip_rows: int = 0,
) -> ImportSummary:
    """Import Shopify's orders CSV export into `store`; counts are orders, not rows.

    Guarantees: a file without the export's columns raises InvalidInput and
    imports nothing; an order with a bad row (a date, an amount) is reported
    with that row's line and skipped whole, the others are imported; when an
    order's Name appears again later in the file, the first block is kept and
    the later one reported. Re-importing the same file creates nothing and
    leaves every amount as it was. Customers are matched by email (or kept,
    for orders webhooks delivered), and their orders_count and amount_spent
    are recomputed: non-cancelled orders in the store's currency, net of
    refunds. Commits every 500 orders; an interrupted import can be re-run,
    or resumed with the `summary` it had counted and the rows its last
    progress call reported as `skip_rows`.
    """
    run = _OrdersImport(store, ImportSummary() if summary is None else summary)
    with open_export(file, columns=COLUMNS, required=REQUIRED, kind="orders") as export:
        run_in_batches(
            _blocks(export.rows),
            handle=run.import_block,
            reject=run.reject,
            finish_batch=run.refresh_customers,
            rows_in=lambda block: len(block.rows),
            total=export.total,
            progress=progress,
            skip_rows=skip_rows,
            passed=run.remember,
        )
    return run.summary


def _blocks(rows):
    block = None
    for row in rows:
        name = row["name"].strip()
        if block and name == block.name:
            block.rows.append(row)
            continue
        if block:
            yield block
        block = OrderBlock(name, [row])
    if block:
        yield block


class _OrdersImport:
    """One run over a file: its summary, the Names seen, the customers to refresh."""

    def __init__(self, store: Store, summary: ImportSummary):
        self.store = store
        self.summary = summary
        self.first_lines: dict[str, int] = {}
        self.customer_ids: set[int | None] = set()
        self.erased = ErasedCustomers(store)

    def remember(self, block: OrderBlock) -> None:
        """Note the Name of a block imported before a resume, to report it if it appears again."""
        self.first_lines.setdefault(block.name, block.line)

    def import_block(self, block: OrderBlock) -> None:
        if block.name in self.first_lines:
            message = gettext("appears again after line %(line)s (the first rows are kept)")
            raise InvalidInput(message % {"line": self.first_lines[block.name]})
        self.first_lines[block.name] = block.line
        data, refunded = parse_order_block(block)
        existing = find_order(self.store, data)
        if existing:
            _keep_what_the_export_lacks(data, existing)
        if self._was_erased(data):
            data.email, data.note, data.customer, data.shipping_address = "", "", None, {}
            self.summary.note(block.line, _about(block, gettext(ERASED_CUSTOMER)))
        data.refunds = _csv_refunds(data, refunded, existing)
        # Customer facts are refreshed once per batch, not once per order.
        order, _ = services.upsert_order(
            store=self.store, platform=Platform.SHOPIFY, data=data, refresh_facts=False
        )
        self.customer_ids.update((existing.customer_id if existing else None, order.customer_id))
        if existing:
            self.summary.updated += 1
        else:
            self.summary.created += 1

    def _was_erased(self, data: OrderData) -> bool:
        if data.customer or not self.erased.include(email=data.email):
            return False
        return not Customer.objects.filter(store=self.store, email_key=data.email.lower()).exists()

    def reject(self, block: OrderBlock, error: InvalidInput) -> None:
        line = getattr(error, "line", block.line)
        self.summary.skip(line, _about(block, fields.skipped_because(error)))

    def refresh_customers(self) -> None:
        services.refresh_customer_facts(self.store, self.customer_ids)
        self.customer_ids.clear()


def _about(block: OrderBlock, reason: str) -> str:
    if not block.name:
        return reason
    return gettext("order %(name)s: %(reason)s") % {"name": block.name, "reason": reason}


def find_order(store: Store, data: OrderData) -> Order | None:
    """The order a block updates: by Shopify id, else by its name within the store.

    A row without "Id" is keyed by its name; it matches the order a webhook
    (or an export with ids) stored under that name, and takes that order's id.
    A row with an id matches an order an export without ids stored under its
    name, which `upsert_order` then moves to the id.
    """
    orders = Order.objects.filter(store=store, platform=Platform.SHOPIFY).select_related("customer")
    order = orders.filter(external_id=data.external_id).first()
    if order is None:
        has_id = data.external_id != data.number
        by_name = orders.filter(number=data.number)
        if has_id:
            by_name = by_name.filter(external_id=data.number)
        order = by_name.order_by("id").first()
        if order and not has_id:
            data.external_id = order.external_id
    return order


def parse_order_block(block: OrderBlock) -> tuple[OrderData, Decimal]:
    """The order of a block of rows and its refunded amount; raises InvalidRow."""
    first = block.rows[0]
    try:
        if not block.name:
            raise InvalidInput(gettext("Name is blank"), field="Name")
        data = _order_of(p.text(block.name, "Name", max_length=64), first)
        refunded = p.money(first["refunded_amount"], "Refunded Amount", default=ZERO)
    except InvalidInput as error:
        raise fields.InvalidRow(first.line, error) from None
    data.lines = [_line_of(row) for row in block.rows]
    return data, refunded


def _order_of(name: str, row: Row) -> OrderData:
    discount = p.money(row["discount_amount"], "Discount Amount", default=ZERO)
    code = p.text(row["discount_code"], "Discount Code", max_length=100)
    total = p.money(row["total"], "Total")
    shipping = p.money(row["shipping"], "Shipping", default=ZERO)
    tax = p.money(row["taxes"], "Taxes", default=ZERO)
    subtotal, taxes_included = _subtotal_and_taxes_included(
        row, p.money(row["subtotal"], "Subtotal", default=ZERO), discount, shipping, tax, total
    )
    return OrderData(
        external_id=fields.shopify_id(row["id"], "Id") or name,
        number=name,
        email=p.email(row["email"], "Email"),
        currency=p.currency(row["currency"], "Currency"),
        total=total,
        subtotal=subtotal,
        shipping=shipping,
        tax=tax,
        taxes_included=taxes_included,
        shipping_address=_shipping_address(row),
        shipping_method=p.text(row["shipping_method"], "Shipping Method", max_length=200),
        total_discounts=discount,
        discount_codes=[{"code": code, "amount": str(discount), "type": ""}] if code else [],
        financial_status=_status(row["financial_status"], "Financial Status"),
        fulfillment_status=_status(row["fulfillment_status"], "Fulfillment Status")
        or Order.Fulfillment.UNFULFILLED,
        source_channel=p.text(row["source"], "Source", max_length=100),
        note=p.text(row["notes"], "Notes", max_length=5000, allow_newlines=True),
        created_at=p.timestamp(row["created_at"], "Created at"),
        processed_at=p.timestamp(row["paid_at"], "Paid at", required=False),
        cancelled_at=p.timestamp(row["cancelled_at"], "Cancelled at", required=False),
        fulfilled_at=p.timestamp(row["fulfilled_at"], "Fulfilled at", required=False),
    )


# Totals that differ by at most this much are taken as equal (per-line rounding).
ROUNDING = Decimal("0.02")


def _subtotal_and_taxes_included(row: Row, subtotal, discount, shipping, tax, total) -> tuple[Decimal, bool]:
    """The subtotal after discounts and whether the prices include the tax.

    The export has no "Taxes Included" column (an edited export may add one,
    which wins), so it is read off the arithmetic: Total = Subtotal +
    Shipping when the tax is included (VAT), + Taxes when it is added (US
    sales tax). Shopify's Subtotal is after discounts; one written before
    them (Subtotal - Discount Amount + ...) is accepted too and moved after
    them. When no reading adds up, the tax counts as added.
    """
    flag = fields.yes_no(row["taxes_included"], "Taxes Included")
    readings = [(subtotal, True), (subtotal, False)]
    if discount:
        readings += [(subtotal - discount, True), (subtotal - discount, False)]
    for after_discount, included in readings:
        if flag is not None and included != flag:
            continue
        if abs(after_discount + shipping + (ZERO if included else tax) - total) <= ROUNDING:
            return after_discount, included if flag is not None else included and tax > 0
    return subtotal, bool(flag)


SHIPPING_COLUMNS = {
    "name": "Shipping Name",
    "company": "Shipping Company",
    "address1": "Shipping Address1",
    "address2": "Shipping Address2",
    "city": "Shipping City",
    "zip": "Shipping Zip",
    "province": "Shipping Province Name",
    "phone": "Shipping Phone",
}


def _shipping_address(row: Row) -> dict[str, str]:
    parts = {
        key: p.text(row[f"shipping_{key}"], column, max_length=200)
        for key, column in SHIPPING_COLUMNS.items()
    }
    if not parts["address1"]:
        # Older exports: "Shipping Street" holds address1 and address2 together.
        parts["address1"] = p.text(row["shipping_street"], "Shipping Street", max_length=200)
    parts["phone"] = fields.without_apostrophe(parts["phone"])
    if not any(parts.values()):
        return {}
    return address_of(country=country_code(row["shipping_country"]), **parts)


def _status(value: str, field: str) -> str:
    # Older exports write "partially refunded"; the API writes partially_refunded.
    return "_".join(p.text(value, field, max_length=20).casefold().split())


def _line_of(row: Row) -> LineData:
    try:
        return LineData(
            title=p.text(row["line_name"], "Lineitem name") or "Item",
            quantity=p.count(row["quantity"], "Lineitem quantity"),
            price=p.money(row["line_price"], "Lineitem price"),
            sku=p.text(row["line_sku"], "Lineitem sku", max_length=100),
            vendor=p.text(row["vendor"], "Vendor", max_length=200),
            total_discount=p.money(row["line_discount"], "Lineitem discount", default=ZERO),
        )
    except InvalidInput as error:
        raise fields.InvalidRow(row.line, error) from None


def _keep_what_the_export_lacks(data: OrderData, order: Order) -> None:
    for name in KEPT_WHEN_BLANK:
        if not getattr(data, name):
            setattr(data, name, getattr(order, name))
    data.updated_at = order.source_updated_at
    if order.customer:
        data.customer = _reference_to(order.customer)
    if order.line_items.exclude(external_id="").exists():
        data.lines = _lines_of(order)


def _reference_to(customer) -> CustomerData | None:
    shopify_id = (
        ExternalId.objects.filter(customer=customer, platform=Platform.SHOPIFY)
        .values_list("external_id", flat=True)
        .first()
    )
    if shopify_id:
        return CustomerData(external_id=shopify_id)
    return CustomerData(email=customer.email) if customer.email else None


def _lines_of(order: Order) -> list[LineData]:
    return [
        LineData(
            title=line.title,
            quantity=line.quantity,
            price=line.price,
            external_id=line.external_id,
            sku=line.sku,
            total_discount=line.total_discount,
            product_external_id=line.product.external_id if line.product else "",
            vendor=line.product.vendor if line.product else "",
            variant_external_id=line.variant.external_id if line.variant else "",
            variant_title=line.variant.title if line.variant else "",
        )  # fmt: skip
        for line in order.line_items.select_related("product", "variant").order_by("id")
    ]


def _csv_refunds(data: OrderData, refunded: Decimal, order: Order | None) -> list[RefundData]:
    # An order first imported without its Id keeps the refund id it got then.
    refund_id, known = f"{REPORTED_REFUND_PREFIX}{data.external_id}", ZERO
    had_csv_refund = False
    for refund in order.refunds.filter(currency=data.currency) if order else ():
        if refund.external_id.startswith(REPORTED_REFUND_PREFIX):
            refund_id, had_csv_refund = refund.external_id, True
        else:
            known += refund.amount
    amount = max(refunded - known, ZERO)
    if not amount and not had_csv_refund:
        return []
    # The export does not say when the refund happened: use its latest known date.
    dates = (data.created_at, data.processed_at, data.fulfilled_at, data.cancelled_at)
    return [
        RefundData(
            external_id=refund_id,
            amount=amount,
            currency=data.currency,
            created_at=max(d for d in dates if d),
            note="From a Shopify orders export (Refunded Amount).",
        )
    ]
