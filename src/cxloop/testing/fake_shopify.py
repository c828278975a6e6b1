"""A fake Shopify Admin GraphQL API: a real HTTP server on a free local port, with state.

    def test_refund(fake_shopify, ...):              # the pytest fixture
        fake_shopify.add_order(1001, lines={7001: (2, "49.00")}, paid="98.00")
        ... code under test POSTs to fake_shopify.base_url/admin/api/2026-10/graphql.json ...
        [call] = fake_shopify.calls("refundCreate")
        assert call.variables["input"]["transactions"][0]["amount"] == "49.00"

It checks what a real shop checks that matters here: the access token
(401), the path and API version (404), that the query declares the
variables with the types Shopify's schema gives them and names the expected
mutation, and the types of the variables' fields. It keeps state: a refund
lowers what is refundable, refunding more than remains gives userErrors,
and a second `refundCreate` with the same `@idempotent` key gives the first
answer. Failures on demand: `fail_next(401 | 429 | 500, retry_after=...)`,
`throttle_next()` (a 200 with THROTTLED), `user_errors_next(field, [...])`.
"""

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pytest

from .fakehttp import FakeHttpServer, Request

VERSION = "2026-10"
TOKEN = "shpat_fake0123456789abcdef"
GATEWAY = "shopify_payments"
OPERATION = re.compile(r"^\s*(query|mutation)\s+\w+\s*(\((?P<vars>[^)]*)\))?\s*\{\s*(?P<field>\w+)", re.S)
IDEMPOTENT = re.compile(r'@idempotent\(\s*key:\s*"(?P<key>[^"]+)"\s*\)')
# The root field each operation must name, and the variable declarations it needs.
DECLARATIONS = {
    "order": ["$id: ID!", "$refundLineItems: [RefundLineItemInput!]", "$suggestFullRefund: Boolean"],
    "refundCreate": ["$input: RefundInput!"],
    "discountCodeBasicCreate": ["$basicCodeDiscount: DiscountCodeBasicInput!"],
    "discountCodeFreeShippingCreate": ["$freeShippingCodeDiscount: DiscountCodeFreeShippingInput!"],
    "giftCardCreate": ["$input: GiftCardCreateInput!"],
    "orderCancel": [
        "$orderId: ID!", "$reason: OrderCancelReason!", "$refundMethod: OrderCancelRefundMethodInput!",
        "$restock: Boolean!",
    ],
    "draftOrderCreate": ["$input: DraftOrderInput!"],
    "draftOrderInvoiceSend": ["$id: ID!"],
    "codeDiscountNodeByCode": ["$code: String!"],
}  # fmt: skip
CANCEL_REASONS = {"CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"}


class ShapeError(Exception):
    """The request is not what Shopify's schema accepts: answered as a GraphQL error."""


@dataclass
class Call:
    field: str
    query: str
    variables: dict
    idempotency_key: str | None


@dataclass
class FakeOrder:
    gid: str
    currency: str
    lines: dict[str, list]  # line gid -> [quantity, refunded, unit price]
    paid: Decimal
    refunded: Decimal = Decimal(0)
    cancelled: bool = False
    transaction: str = ""

    @property
    def refundable(self) -> Decimal:
        return self.paid - self.refunded


@dataclass
class State:
    orders: dict[str, FakeOrder] = field(default_factory=dict)
    discounts: dict[str, dict] = field(default_factory=dict)
    gift_cards: list[dict] = field(default_factory=list)
    drafts: dict[str, dict] = field(default_factory=dict)
    variants: dict[str, Decimal] = field(default_factory=dict)
    idempotent: dict[str, tuple[dict, dict]] = field(default_factory=dict)


class FakeShopify(FakeHttpServer):
    def __init__(self, *, token: str = TOKEN, version: str = VERSION, currency: str = "PLN"):
        super().__init__()
        self.token, self.version, self.currency = token, version, currency
        self.state = State()
        self._throttles = 0
        self._user_errors: dict[str, list[list[dict]]] = {}
        self._ids = itertools.count(900001)

    @property
    def base_url(self) -> str:
        return self.origin

    # Set-up and failures ------------------------------------------------------

    def add_order(self, order_id, *, lines: dict, paid, currency: str | None = None) -> FakeOrder:
        """An order whose lines are {line id: (quantity, unit price)}, paid in one transaction."""
        order = FakeOrder(
            gid=f"gid://shopify/Order/{order_id}", currency=currency or self.currency,
            lines={f"gid://shopify/LineItem/{k}": [q, 0, Decimal(str(p))] for k, (q, p) in lines.items()},
            paid=Decimal(str(paid)), transaction=f"gid://shopify/OrderTransaction/{next(self._ids)}",
        )  # fmt: skip
        self.state.orders[order.gid] = order
        return order

    def add_variant(self, variant_id, price) -> None:
        self.state.variants[f"gid://shopify/ProductVariant/{variant_id}"] = Decimal(str(price))

    def throttle_next(self, times: int = 1) -> None:
        """Answer the next requests 200 with a THROTTLED error, as Shopify does when the bucket is empty."""
        with self.lock:
            self._throttles += times

    def user_errors_next(self, root_field: str, errors: list[dict]) -> None:
        with self.lock:
            self._user_errors.setdefault(root_field, []).append(errors)

    def calls(self, root_field: str | None = None) -> list[Call]:
        out = []
        for request in self.received:
            call = request.extra.get("call")
            if call is not None and (root_field is None or call.field == root_field):
                out.append(call)
        return out

    # Serving ------------------------------------------------------------------------

    def authenticate(self, request: Request):
        if request.headers.get("x-shopify-access-token") != self.token:
            return (
                401,
                {},
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
            )
        return None

    def handle(self, request: Request):
        if request.method != "POST" or request.path != f"/admin/api/{self.version}/graphql.json":
            return 404, {}, {"errors": "Not Found"}
        body = request.json
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return 400, {}, {"errors": {"query": "Required parameter missing or invalid"}}
        query, variables = body["query"], body.get("variables") or {}
        match = OPERATION.match(query)
        root = match["field"] if match else ""
        directive = IDEMPOTENT.search(query)
        key = directive["key"] if directive else None
        call = Call(field=root, query=query, variables=variables, idempotency_key=key)
        request.extra["call"] = call
        if self._throttles:
            self._throttles -= 1
            return 200, {}, THROTTLED
        try:
            self._check_declarations(root, match["vars"] if match else "", variables)
            if queued := self._user_errors.get(root):
                return 200, {}, {"data": {root: _payload_with_errors(root, queued.pop(0))}}
            return 200, {}, {"data": {root: getattr(self, f"_{root}")(variables, key)}}
        except ShapeError as error:
            return (
                200,
                {},
                {"errors": [{"message": str(error), "extensions": {"code": "argumentLiteralsIncompatible"}}]},
            )

    def _check_declarations(self, root: str, declared: str, variables: dict) -> None:
        if root not in DECLARATIONS:
            raise ShapeError(f"Field '{root}' doesn't exist on type 'Mutation'")
        declared = " ".join((declared or "").split())
        for needed in DECLARATIONS[root]:
            if needed not in declared:
                raise ShapeError(f"Variable declaration {needed!r} is missing")
            name = needed.split(":")[0][1:]
            if needed.endswith("!") and variables.get(name) is None:
                raise ShapeError(
                    f"Variable ${name} of type {needed.split(': ')[1]} was provided invalid value"
                )

    # Operations -----------------------------------------------------------------------

    def _order(self, variables, key):
        order = self.state.orders.get(_text(variables, "id"))
        if order is None:
            return None
        lines = variables.get("refundLineItems") or []
        if variables.get("suggestFullRefund"):
            amount = order.refundable
        else:
            amount = sum(
                (order.lines[_line(order, item)][2] * _int(item, "quantity") for item in lines), Decimal(0)
            )
        amount = min(amount, order.refundable)
        return {
            "id": order.gid, "name": f"#{order.gid.rsplit('/', 1)[1]}",
            "suggestedRefund": {
                "amountSet": _money(amount, order.currency),
                "maximumRefundableSet": _money(order.refundable, order.currency),
                "suggestedTransactions": [{
                    "gateway": GATEWAY, "kind": "SUGGESTED_REFUND",
                    "parentTransaction": {"id": order.transaction},
                    "amountSet": _money(amount, order.currency),
                }] if order.paid else [],
            },
        }  # fmt: skip

    def _refundCreate(self, variables, key):  # noqa: N802 (named after the mutation)
        if key is None and self.version >= "2026-04":
            raise ShapeError("The @idempotent directive is required for this mutation")
        if key is not None and key in self.state.idempotent:
            first_variables, first_answer = self.state.idempotent[key]
            if first_variables != variables:
                return _payload_with_errors("refundCreate", [{
                    "field": None, "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                    "message": "The same idempotency key cannot be used with different operation parameters.",
                }])  # fmt: skip
            return first_answer
        answer = self._refund(variables["input"])
        if key is not None and not answer["userErrors"]:
            self.state.idempotent[key] = (variables, answer)
        return answer

    def _refund(self, refund_input: dict) -> dict:
        order = self.state.orders.get(_text(refund_input, "orderId"))
        if order is None:
            return _payload_with_errors(
                "refundCreate", [{"field": ["orderId"], "message": "Order does not exist"}]
            )
        _bool(refund_input, "notify", required=False)
        quantities = {}
        for index, item in enumerate(refund_input.get("refundLineItems") or []):
            line = _line(order, item)
            if _text(item, "restockType") not in ("NO_RESTOCK", "CANCEL", "RETURN"):
                raise ShapeError("restockType must be a RefundLineItemRestockType")
            quantity = _int(item, "quantity")
            quantity_left = order.lines[line][0] - order.lines[line][1]
            if quantity > quantity_left:
                return _payload_with_errors("refundCreate", [{
                    "field": ["refundLineItems", str(index), "quantity"],
                    "message": "Quantity cannot refund more items than were purchased",
                }])  # fmt: skip
            quantities[line] = quantity
        total = Decimal(0)
        for item in refund_input.get("transactions") or []:
            if _text(item, "kind") != "REFUND" or _text(item, "orderId") != order.gid:
                raise ShapeError("A refund transaction needs kind REFUND and the order's id")
            if _text(item, "parentId") != order.transaction or not _text(item, "gateway"):
                raise ShapeError("parentId must name one of the order's transactions")
            total += _decimal(item, "amount")
        if total > order.refundable:
            return _payload_with_errors("refundCreate", [{
                "field": ["transactions"],
                "message": f"Refund amount {total:.2f} is greater than net payment received "
                f"{order.refundable:.2f}",
            }])  # fmt: skip
        order.refunded += total
        for line, quantity in quantities.items():
            order.lines[line][1] += quantity
        refund = {
            "id": f"gid://shopify/Refund/{next(self._ids)}",
            "totalRefundedSet": _money(total, order.currency),
        }
        return {"refund": refund, "userErrors": []}

    def _discount(self, discount: dict, root: str, *, free_shipping: bool) -> dict:
        code = _text(discount, "code")
        for name in ("title", "startsAt"):
            _text(discount, name)
        _int(discount, "usageLimit")
        _bool(discount, "appliesOncePerCustomer")
        context = discount.get("context")
        if context != {"all": "ALL"} and not (
            isinstance(context, dict)
            and all(c.startswith("gid://shopify/Customer/") for c in context["customers"]["add"])
        ):
            raise ShapeError("context must be {all: ALL} or {customers: {add: [Customer ids]}}")
        if free_shipping:
            if discount.get("destination") != {"all": True}:
                raise ShapeError("destination must be a DiscountShippingDestinationSelectionInput")
        else:
            gets = discount.get("customerGets") or {}
            value = gets.get("value") or {}
            if gets.get("items") != {"all": True}:
                raise ShapeError("customerGets.items must be a DiscountItemsInput")
            if "percentage" in value:
                if not isinstance(value["percentage"], float) or not 0 < value["percentage"] <= 1:
                    raise ShapeError("percentage must be a Float from 0 to 1")
            else:
                _decimal(value.get("discountAmount") or {}, "amount")
                _bool(value["discountAmount"], "appliesOnEachItem")
        if code in self.state.discounts:
            return _payload_with_errors(root, [{
                "field": [root.replace("discountCode", "").lower(), "code"], "code": "TAKEN",
                "message": "Code must be unique. Please try a different code.",
            }])  # fmt: skip
        node_id = f"gid://shopify/DiscountCodeNode/{next(self._ids)}"
        self.state.discounts[code] = {"id": node_id, **discount}
        return {"codeDiscountNode": {"id": node_id}, "userErrors": []}

    def _discountCodeBasicCreate(self, variables, key):  # noqa: N802
        return self._discount(variables["basicCodeDiscount"], "discountCodeBasicCreate", free_shipping=False)

    def _discountCodeFreeShippingCreate(self, variables, key):  # noqa: N802
        return self._discount(
            variables["freeShippingCodeDiscount"], "discountCodeFreeShippingCreate", free_shipping=True
        )

    def _codeDiscountNodeByCode(self, variables, key):  # noqa: N802
        code = _text(variables, "code").upper()
        found = next((d for c, d in self.state.discounts.items() if c.upper() == code), None)
        return {"id": found["id"]} if found else None

    def _giftCardCreate(self, variables, key):  # noqa: N802
        card_input = variables["input"]
        value = _decimal(card_input, "initialValue")
        if "customerId" in card_input and not _text(card_input, "customerId").startswith(
            "gid://shopify/Customer/"
        ):
            raise ShapeError("customerId must be a Customer id")
        number = next(self._ids)
        code = f"FAKE{number:012d}"
        card = {"id": f"gid://shopify/GiftCard/{number}", "lastCharacters": code[-4:],
                "initialValue": {"amount": f"{value:.2f}", "currencyCode": self.currency}}  # fmt: skip
        self.state.gift_cards.append({**card, "code": code, "note": card_input.get("note")})
        return {"giftCard": card, "giftCardCode": code, "userErrors": []}

    def _orderCancel(self, variables, key):  # noqa: N802
        order = self.state.orders.get(_text(variables, "orderId"))
        if _text(variables, "reason") not in CANCEL_REASONS:
            raise ShapeError("reason must be an OrderCancelReason")
        refund = _bool(variables["refundMethod"], "originalPaymentMethodsRefund")
        _bool(variables, "restock")
        if order is None or order.cancelled:
            message = "Order does not exist" if order is None else "Order has already been cancelled"
            return {
                "job": None,
                "orderCancelUserErrors": [{"field": ["orderId"], "code": "INVALID", "message": message}],
            }
        order.cancelled = True
        if refund:
            order.refunded = order.paid
        return {
            "job": {"id": f"gid://shopify/Job/{next(self._ids)}", "done": False},
            "orderCancelUserErrors": [],
        }

    def _draftOrderCreate(self, variables, key):  # noqa: N802
        draft_input = variables["input"]
        total = Decimal(0)
        for item in draft_input.get("lineItems") or []:
            quantity = _int(item, "quantity")
            if "variantId" in item:
                price = self.state.variants.get(_text(item, "variantId"))
                if price is None:
                    return _payload_with_errors(
                        "draftOrderCreate", [{"field": ["lineItems"], "message": "Variant is invalid"}]
                    )
            else:
                _text(item, "title")
                price = _decimal(item.get("originalUnitPriceWithCurrency") or {}, "amount")
            total += price * quantity
        if discount := draft_input.get("appliedDiscount"):
            if discount.get("valueType") not in ("PERCENTAGE", "FIXED_AMOUNT") or not isinstance(
                discount.get("value"), float
            ):
                raise ShapeError("appliedDiscount needs valueType and a Float value")
            off = (
                total * Decimal(str(discount["value"])) / 100
                if discount["valueType"] == "PERCENTAGE"
                else Decimal(str(discount["value"]))
            )
            total -= off
        if not draft_input.get("lineItems"):
            return _payload_with_errors(
                "draftOrderCreate", [{"field": ["lineItems"], "message": "Add at least 1 product"}]
            )
        number = next(self._ids)
        draft = {
            "id": f"gid://shopify/DraftOrder/{number}", "name": f"#D{number % 1000}",
            "invoiceUrl": f"https://fake.myshopify.com/1/invoices/{number:x}",
            "totalPriceSet": _money(total.quantize(Decimal("0.01")), self.currency),
        }  # fmt: skip
        self.state.drafts[draft["id"]] = {**draft, "input": draft_input, "invoice_sent": False}
        return {"draftOrder": draft, "userErrors": []}

    def _draftOrderInvoiceSend(self, variables, key):  # noqa: N802
        draft = self.state.drafts.get(_text(variables, "id"))
        if draft is None:
            return _payload_with_errors(
                "draftOrderInvoiceSend", [{"field": ["id"], "message": "Draft order not found"}]
            )
        draft["invoice_sent"] = True
        return {"draftOrder": {"id": draft["id"], "invoiceUrl": draft["invoiceUrl"],
                               "invoiceSentAt": "2026-12-03T10:00:00Z"}, "userErrors": []}  # fmt: skip


THROTTLED = {
    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
    "extensions": {"cost": {
        "requestedQueryCost": 10, "actualQueryCost": None,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 5, "restoreRate": 100.0},
    }},
}  # fmt: skip
PAYLOAD_KEYS = {
    "refundCreate": {"refund": None}, "discountCodeBasicCreate": {"codeDiscountNode": None},
    "discountCodeFreeShippingCreate": {"codeDiscountNode": None},
    "giftCardCreate": {"giftCard": None, "giftCardCode": None}, "draftOrderCreate": {"draftOrder": None},
    "draftOrderInvoiceSend": {"draftOrder": None},
}  # fmt: skip


def _payload_with_errors(root: str, errors: list[dict]) -> dict:
    if root == "orderCancel":
        return {"job": None, "orderCancelUserErrors": errors}
    return {**PAYLOAD_KEYS.get(root, {}), "userErrors": errors}


def _money(amount: Decimal, currency: str) -> dict:
    return {"shopMoney": {"amount": f"{amount:.2f}", "currencyCode": currency}}


def _text(data: dict, name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise ShapeError(f"{name} must be a non-empty String")
    return value


def _int(data: dict, name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ShapeError(f"{name} must be an Int")
    return value


def _bool(data: dict, name: str, *, required: bool = True):
    value = data.get(name)
    if (required or value is not None) and not isinstance(value, bool):
        raise ShapeError(f"{name} must be a Boolean")
    return value


def _decimal(data: dict, name: str) -> Decimal:
    value = data.get(name)
    if not isinstance(value, str):  # Money and Decimal travel as strings
        raise ShapeError(f"{name} must be a Decimal string")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ShapeError(f"{name} is not a decimal: {value!r}") from None
    if amount <= 0:
        raise ShapeError(f"{name} must be positive")
    return amount


def _line(order: FakeOrder, item: dict) -> str:
    line = _text(item, "lineItemId")
    if line not in order.lines:
        raise ShapeError(f"Invalid id: {line}")
    return line


@pytest.fixture
def fake_shopify():
    """A fake Shopify admin API for this test, on 127.0.0.1."""
    with FakeShopify() as fake:
        yield fake
