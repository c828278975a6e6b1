"""Shopify's customers export (Customers > Export) into the store mirror.

Rows merge with what Shopify's webhooks delivered: a customer is matched by
Shopify customer id, then by email (case-insensitively), under the platform
"shopify". `Total Spent` and `Total Orders` are kept as what Shopify counted
(in the store's currency, as of the import) and stand as the customer's
history until cxloop holds an order of theirs: importing the orders export
then replaces them with what cxloop derives from the orders.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from cxloop.core.errors import InvalidInput
from cxloop.core.models import Platform, Store

from .. import parsing as p
from .. import services
from ..integrations.common import country_code, tags_from
from ..models import Customer, ExternalId
from ..records import CustomerData, PlatformTotals, address_of
from . import fields
from .batches import Progress, run_in_batches
from .erased import ErasedCustomers
from .reading import Row, open_export
from .summary import ImportSummary

CONSENT_SOURCE = "shopify csv import"

# Current 20-column export first; legacy names after.
COLUMNS = {
    "id": ("Customer ID",),
    "first_name": ("First Name",),
    "last_name": ("Last Name",),
    "email": ("Email",),
    "accepts_email": ("Accepts Email Marketing", "Accepts Marketing"),
    "phone": ("Phone",),
    "address_phone": ("Default Address Phone",),
    "country": ("Default Address Country Code", "Country Code"),
    "company": ("Default Address Company", "Company"),
    "address1": ("Default Address Address1", "Address1"),
    "address2": ("Default Address Address2", "Address2"),
    "city": ("Default Address City", "City"),
    "province": ("Default Address Province Code", "Province Code", "Province"),
    "zip": ("Default Address Zip", "Zip"),
    "total_spent": ("Total Spent",),
    "total_orders": ("Total Orders",),
    "note": ("Note",),
    "tax_exempt": ("Tax Exempt",),
    "tags": ("Tags",),
}
REQUIRED = ("first_name", "last_name", "email", "accepts_email")

# The export does not say when consent was given, so it never re-subscribes
# someone who opted out (perhaps in cxloop, after the export was made).
CONSENT_KEPT = {
    Customer.Consent.UNSUBSCRIBED,
    Customer.Consent.INVALID,
    Customer.Consent.REDACTED,
}


def import_shopify_customers(
    *,
    store: Store,
    file,
    progress: Progress | None = None,
    summary: ImportSummary | None = None,
    skip_rows: int = 0,
) -> ImportSummary:
    """Import Shopify's customers CSV export (current or legacy columns) into `store`.

    Guarantees: a file without the export's columns raises InvalidInput and
    imports nothing; a row that cannot be used (bad email, no email and no
    customer id) is reported with its line and skipped, the others are
    imported; re-importing the same file creates nothing and changes no
    amounts. Email-marketing consent from "Accepts Email Marketing" is
    recorded (source "shopify csv import") only when it changes, and never
    turns an unsubscribed customer back into a subscribed one. A row that
    changes nothing counts as neither created nor updated. A second row of
    the same customer (the same email or customer id as an earlier row) is
    skipped with the earlier row's line, so the two rows cannot overwrite
    each other on every import. A customer
    erased at their request (and not back since) is skipped with that reason.
    Commits every 500 rows, so an interrupted import keeps what it committed
    and can be re-run, or resumed: pass the `summary` it had counted and the
    rows its last progress call reported as `skip_rows`.
    """
    summary = ImportSummary() if summary is None else summary
    erased = ErasedCustomers(store)
    seen: dict[int, int] = {}  # customer id -> the line of this file that imported it
    with open_export(file, columns=COLUMNS, required=REQUIRED, kind="customers") as export:
        run_in_batches(
            export.rows,
            handle=lambda row: _import_row(store, row, summary, erased, seen),
            reject=lambda row, error: summary.skip(row.line, fields.skipped_because(error)),
            rows_in=lambda row: 1,
            total=export.total,
            progress=progress,
            skip_rows=skip_rows,
        )
    return summary


def parse_customer_row(row: Row, currency: str = "") -> CustomerData:
    """The CustomerData of one export row; raises InvalidInput naming the column.

    `currency` is the store's: the export's Total Spent is in the shop's currency.
    """
    accepts = fields.yes_no(row["accepts_email"], "Accepts Email Marketing")
    country = country_code(row["country"])
    return CustomerData(
        external_id=fields.shopify_id(row["id"], "Customer ID"),
        email=p.email(row["email"], "Email"),
        phone=fields.phone(row["phone"] or row["address_phone"], "Phone"),
        first_name=p.text(row["first_name"], "First Name", max_length=200),
        last_name=p.text(row["last_name"], "Last Name", max_length=200),
        country=country,
        tags=tags_from(p.text(row["tags"], "Tags", max_length=5000)),
        consent_state=None if accepts is None else _consent(accepts),
        company=p.text(row["company"], "Default Address Company", max_length=200),
        address=_address(row, country),
        note=_note(row),
        tax_exempt=fields.yes_no(row["tax_exempt"], "Tax Exempt"),
        totals=_totals(row, currency),
    )


def _note(row: Row) -> str | None:
    # An export without the Note column says nothing about notes.
    if "note" not in row.values:
        return None
    return p.text(row["note"], "Note", max_length=5000, allow_newlines=True)


ADDRESS_COLUMNS = {
    "address1": "Default Address Address1",
    "address2": "Default Address Address2",
    "city": "Default Address City",
    "province": "Default Address Province Code",
    "zip": "Default Address Zip",
}


def _address(row: Row, country: str) -> dict[str, str]:
    parts = {key: p.text(row[key], column, max_length=200) for key, column in ADDRESS_COLUMNS.items()}
    if not any(parts.values()):
        return {}
    return address_of(country=country, **parts)


def _totals(row: Row, currency: str) -> PlatformTotals | None:
    """Shopify's Total Orders and Total Spent; None when the export leaves both blank."""
    if not (row["total_orders"].strip() or row["total_spent"].strip()):
        return None
    return PlatformTotals(
        orders_count=p.count(row["total_orders"] or "0", "Total Orders"),
        total_spent=p.money(row["total_spent"], "Total Spent", default=Decimal("0")),
        currency=currency,
    )


def _consent(accepts: bool) -> str:
    return Customer.Consent.SUBSCRIBED if accepts else Customer.Consent.NOT_SUBSCRIBED


def _import_row(
    store: Store, row: Row, summary: ImportSummary, erased: ErasedCustomers, seen: dict[int, int]
) -> None:
    data = parse_customer_row(row, store.currency)
    if not (data.external_id or data.email):
        raise InvalidInput(_("blank email and no customer id"))
    existing = find_customer(store, data)
    if existing is None and erased.include(email=data.email, shopify_id=data.external_id):
        summary.skip(row.line, _("this customer was erased at their request; skipped"))
        return
    if existing is not None and existing.pk in seen:
        summary.skip(
            row.line,
            _("the same customer as line %(line)d (same email or customer id); skipped")
            % {"line": seen[existing.pk]},
        )
        return
    if existing and existing.email_consent in CONSENT_KEPT:
        data.consent_state = None
    if existing is not None and not _would_change(store, existing, data):
        seen[existing.pk] = row.line
        return
    customer, _applied = services.upsert_customer(
        store=store, platform=Platform.SHOPIFY, data=data, source=CONSENT_SOURCE
    )
    seen[customer.pk] = row.line
    if existing:
        summary.updated += 1
    else:
        summary.created += 1


def _would_change(store: Store, customer: Customer, data: CustomerData) -> bool:
    unlinked = (
        bool(data.external_id)
        and not ExternalId.objects.filter(
            store=store, platform=Platform.SHOPIFY, external_id=data.external_id
        ).exists()
    )
    return unlinked or services.would_change_customer(customer, data)


def find_customer(store: Store, data: CustomerData) -> Customer | None:
    """The customer `upsert_customer` will match: by Shopify id, then by email."""
    if data.external_id:
        link = (
            ExternalId.objects.select_related("customer")
            .filter(store=store, platform=Platform.SHOPIFY, external_id=data.external_id)
            .first()
        )
        if link:
            return link.customer
    if data.email:
        return Customer.objects.filter(store=store, email_key=data.email.lower()).order_by("id").first()
    return None
