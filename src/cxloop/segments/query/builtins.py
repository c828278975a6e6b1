"""The fields every store has: the customer record (commerce) and its predictions (segments)."""

import re
from decimal import Decimal

from django.db.models import OuterRef, Q
from django.utils.translation import gettext_lazy as _

from cxloop.commerce.models import Customer, CustomerTag, Event, LineItem
from cxloop.commerce.tag_index import MAX_TAG

from ..predictions.groups import RfmGroup, SpendTier
from .ast import Condition
from .errors import SegmentQueryError
from .fields import (
    Context,
    Field,
    argument,
    choice_field,
    compare,
    date_field,
    exists_field,
    number_field,
    number_of,
    register_field,
    since_of,
    text_field,
    text_of,
)  # fmt: skip

CONSENT = {value.upper(): value for value in Customer.Consent.values}


def _tags(condition: Condition, context: Context) -> Q:
    tag = text_of(condition.values[0], "customer_tags").strip().lower()
    if not tag:
        raise SegmentQueryError(
            _("Name the tag, like customer_tags CONTAINS 'vip'."), position=condition.position
        )
    # The tag rows the database keeps from each customer's list (commerce.tag_index), read on their index.
    tagged = CustomerTag.objects.filter(store=context.store, tag=tag[:MAX_TAG]).values("customer_id")
    has = Q(pk__in=tagged)
    return has if condition.operator == "CONTAINS" else ~has


def _churn_risk(condition: Condition, context: Context) -> Q:
    """Churn risk is 100 × (1 − the probability the customer is still active): compared on that."""
    flipped = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "!=": "!=", "BETWEEN": "BETWEEN"}
    if condition.operator in ("IS NULL", "IS NOT NULL"):
        return Q(prediction__probability_alive__isnull=condition.operator == "IS NULL")
    values = []
    for literal in condition.values:
        risk = number_of(literal, "churn_risk")
        if not 0 <= risk <= 100:
            raise SegmentQueryError(_("churn_risk is a percentage from 0 to 100."), position=literal.position)
        values.append(float(1 - risk / 100))
    return compare("prediction__probability_alive", flipped[condition.operator], *values, nullable=True)


def register_builtin_fields() -> None:
    for field in (
        number_field("amount_spent", "amount_spent", _("Net amount spent, in the store's currency.")),
        number_field(
            "number_of_orders", "orders_count", _("Orders placed."), example="number_of_orders >= 2"
        ),
        date_field("first_order_date", "first_order_at", _("Date of the first order.")),
        date_field(
            "last_order_date", "last_order_at", _("Date of the last order."), example="last_order_date < -90d"
        ),
        date_field("customer_added_date", "created_at", _("When the customer was added."), nullable=False),
        Field(
            "customer_tags",
            "tags",
            _("The customer's tags."),
            ("CONTAINS", "NOT CONTAINS"),
            _tags,
            example="customer_tags CONTAINS 'vip'",
        ),  # fmt: skip
        text_field(
            "customer_language",
            "language",
            _("Language code, like 'pl'."),
            example="customer_language = 'pl'",
        ),  # fmt: skip
        text_field(
            "country", "country", _("Country code, like 'PL'."), normalise=str.upper, example="country = 'PL'"
        ),  # fmt: skip
        choice_field(
            "email_subscription_status",
            "email_consent",
            _("Consent to marketing email."),
            CONSENT,
            example="email_subscription_status = 'SUBSCRIBED'",
        ),  # fmt: skip
        choice_field(
            "predicted_spend_tier",
            "prediction__spend_tier",
            _("Predicted spend over the next year, against the store's other customers."),
            {tier.value: tier.value for tier in SpendTier},
            nullable=True,
            example="predicted_spend_tier = 'HIGH'",
        ),  # fmt: skip
        choice_field(
            "rfm_group",
            "prediction__rfm_group",
            _("Group by recency, frequency and spend (as Shopify names them)."),
            {group.value: group.value for group in RfmGroup},
            nullable=True,
            example="rfm_group = 'AT_RISK'",
        ),  # fmt: skip
        Field(
            "churn_risk",
            "percent",
            _("Chance, in per cent, that the customer has stopped buying."),
            ("=", "!=", ">", ">=", "<", "<=", "BETWEEN", "IS NULL", "IS NOT NULL"),
            _churn_risk,
            example="churn_risk > 60",
        ),  # fmt: skip
        number_field(
            "predicted_value",
            "prediction__predicted_value_365",
            _("Predicted spend over the next 12 months."),
            nullable=True,
            kind="money",
            example="predicted_value > 200",
        ),  # fmt: skip
        number_field(
            "predicted_orders",
            "prediction__expected_orders_365",
            _("Expected orders over the next 12 months."),
            nullable=True,
            example="predicted_orders >= 1",
        ),  # fmt: skip
    ):
        register_field(field)
    register_event_fields()


def _event_ids(condition: Condition) -> str | None:
    literal = argument(condition, "id")
    if literal is None:
        return None
    value = literal.value
    if isinstance(value, bool) or not isinstance(value, str | Decimal):
        raise SegmentQueryError(
            _("id is the product's id on the store, like id: '8123'."), position=literal.position
        )
    return str(value).strip()


def _viewed(condition: Condition, context: Context):
    events = Event.objects.filter(customer=OuterRef("pk"), type="product_view")
    if (product := _event_ids(condition)) is not None:
        events = events.filter(properties__product_id=product)
    if (since := since_of(condition, context)) is not None:
        events = events.filter(occurred_at__gte=since)
    return events


def _purchased(condition: Condition, context: Context):
    items = LineItem.objects.filter(order__customer=OuterRef("pk"), order__cancelled_at__isnull=True)
    if (product := _event_ids(condition)) is not None:
        items = items.filter(product__external_id=product)
    if (since := since_of(condition, context)) is not None:
        items = items.filter(order__created_at__gte=since)
    return items


EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")


def _storefront_event(condition: Condition, context: Context):
    events = Event.objects.filter(customer=OuterRef("pk"))
    literal = argument(condition, "type")
    if literal is not None:
        kind = text_of(literal, "type").strip()
        if not EVENT_TYPE.match(kind):
            raise SegmentQueryError(
                _("type is an event's name, like type: 'add_to_cart'."), position=literal.position
            )
        events = events.filter(type=kind)
    if (since := since_of(condition, context)) is not None:
        events = events.filter(occurred_at__gte=since)
    return events


def register_event_fields() -> None:
    register_field(exists_field(
        "products_viewed", _("Viewed a product (id: the product's id on the store; since: a date)."), _viewed,
        arguments=("id", "since"), example="products_viewed(since: -7d) = true",
    ))  # fmt: skip
    register_field(exists_field(
        "products_purchased", _("Bought a product (id: the product's id on the store; since: a date)."),
        _purchased, arguments=("id", "since"), example="products_purchased(id: '8123') = true",
    ))  # fmt: skip
    register_field(exists_field(
        "storefront_event", _("Did something on the storefront (type: like 'add_to_cart'; since)."),
        _storefront_event, arguments=("type", "since"),
        example="storefront_event(type: 'add_to_cart', since: -3d) = true",
    ))  # fmt: skip
