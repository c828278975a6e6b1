"""A fake WooCommerce REST API (v3): a real HTTP server on a free local port, with state.

    def test_refund(fake_woocommerce, ...):          # the pytest fixture
        fake_woocommerce.add_order(4821, total="187.00", lines={9001: 2})
        ... code under test calls fake_woocommerce.base_url/wp-json/wc/v3/orders/4821/refunds ...
        [request] = fake_woocommerce.bodies("POST", "/orders/4821/refunds")

Authentication is the consumer key and secret, in HTTP Basic auth or as
`consumer_key` / `consumer_secret` query parameters (401 otherwise, with
WooCommerce's error shape `{"code", "message", "data": {"status"}}`). Bodies
are checked for the fields and types WooCommerce reads. State: refunds
lower what is refundable, and more than remains is refused with
WooCommerce's own error (a 500, as WooCommerce answers it); coupon codes
are unique; an order's status can be set. `fail_next(...)` as for every fake.
"""

import base64
import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pytest

from .fakehttp import FakeHttpServer, Request

KEY = "ck_fake0123456789"
SECRET = "cs_fake9876543210"
PREFIX = "/wp-json/wc/v3"
ORDER = re.compile(rf"^{PREFIX}/orders/(?P<id>[0-9]+)$")
REFUNDS = re.compile(rf"^{PREFIX}/orders/(?P<id>[0-9]+)/refunds$")
STATUSES = {"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed"}


class BadBody(Exception):
    pass


@dataclass
class WooOrder:
    id: int
    total: Decimal
    currency: str
    lines: dict[int, list]  # line id -> [quantity, refunded]
    status: str = "processing"
    refunds: list[dict] = field(default_factory=list)

    @property
    def refunded(self) -> Decimal:
        return sum((Decimal(r["amount"]) for r in self.refunds), Decimal(0))

    def as_json(self) -> dict:
        return {
            "id": self.id, "status": self.status, "currency": self.currency, "total": f"{self.total:.2f}",
            "refunds": [
                {"id": r["id"], "reason": r["reason"], "total": f"-{r['amount']}"} for r in self.refunds
            ],
            "line_items": [{"id": k, "quantity": q} for k, (q, _r) in self.lines.items()],
        }  # fmt: skip


class FakeWooCommerce(FakeHttpServer):
    def __init__(self, *, key: str = KEY, secret: str = SECRET, currency: str = "PLN"):
        super().__init__()
        self.key, self.secret, self.currency = key, secret, currency
        self.orders: dict[int, WooOrder] = {}
        self.coupons: dict[str, dict] = {}
        self._ids = itertools.count(5001)

    @property
    def base_url(self) -> str:
        return self.origin

    def add_order(self, order_id: int, *, total, lines: dict[int, int]) -> WooOrder:
        order = WooOrder(id=order_id, total=Decimal(str(total)), currency=self.currency,
                         lines={k: [q, 0] for k, q in lines.items()})  # fmt: skip
        self.orders[order_id] = order
        return order

    def bodies(self, method: str, path: str) -> list:
        return [r.json for r in self.received if r.method == method and r.path == PREFIX + path]

    def authenticate(self, request: Request):
        given = (request.query.get("consumer_key", [""])[0], request.query.get("consumer_secret", [""])[0])
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            try:
                given = tuple(base64.b64decode(header[6:]).decode().split(":", 1))
            except (ValueError, UnicodeDecodeError):
                pass
        if given != (self.key, self.secret):
            return 401, {}, _error("woocommerce_rest_cannot_view", "Sorry, you cannot list resources.", 401)
        return None

    def handle(self, request: Request):
        try:
            if match := REFUNDS.match(request.path):
                order = self.orders.get(int(match["id"]))
                if order is None:
                    return 404, {}, _error("woocommerce_rest_shop_order_invalid_id", "Invalid order ID.", 404)
                if request.method == "GET":
                    return 200, {}, [r["json"] for r in order.refunds]
                if request.method == "POST":
                    return self._create_refund(order, _body(request))
            elif match := ORDER.match(request.path):
                order = self.orders.get(int(match["id"]))
                if order is None:
                    return 404, {}, _error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404)
                if request.method == "GET":
                    return 200, {}, order.as_json()
                if request.method == "PUT":
                    return self._update_order(order, _body(request))
            elif request.path == f"{PREFIX}/coupons":
                if request.method == "GET":
                    code = request.query.get("code", [""])[0].lower()
                    return 200, {}, [c for c in self.coupons.values() if c["code"].lower() == code]
                if request.method == "POST":
                    return self._create_coupon(_body(request))
        except BadBody as error:
            return 400, {}, _error("rest_invalid_param", f"Invalid parameter(s): {error}", 400)
        return (
            404,
            {},
            _error("rest_no_route", "No route was found matching the URL and request method.", 404),
        )

    def _create_refund(self, order: WooOrder, body: dict):
        amount = _money(body, "amount")
        _text(body, "reason", allow_empty=True)
        for name in ("api_refund", "api_restock"):
            if name in body and not isinstance(body[name], bool):
                raise BadBody(f"{name} is not of type boolean.")
        for item in body.get("line_items") or []:
            if not isinstance(item.get("id"), int) or item["id"] not in order.lines:
                raise BadBody("line_items[].id is not one of the order's line items.")
            if not isinstance(item.get("quantity"), int):
                raise BadBody("line_items[].quantity is not of type integer.")
            _money(item, "refund_total")
        if amount <= 0 or amount > order.total - order.refunded:
            # WooCommerce answers a refused refund with a 500 and this code.
            return (
                500,
                {},
                _error("woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.", 500),
            )
        for item in body.get("line_items") or []:
            order.lines[item["id"]][1] += item["quantity"]
        refund_id = next(self._ids)
        meta = [dict(m, id=n) for n, m in enumerate(body.get("meta_data") or [], start=1)]
        json = {"id": refund_id, "amount": f"{amount:.2f}", "reason": body.get("reason", ""),
                "refunded_payment": bool(body.get("api_refund", True)), "meta_data": meta,
                "line_items": body.get("line_items") or []}  # fmt: skip
        order.refunds.append(
            {"id": refund_id, "amount": f"{amount:.2f}", "reason": json["reason"], "json": json}
        )
        if order.refunded == order.total:
            order.status = "refunded"
        return 201, {}, json

    def _update_order(self, order: WooOrder, body: dict):
        status = body.get("status")
        if status is not None:
            if status not in STATUSES:
                raise BadBody("status is not one of " + ", ".join(sorted(STATUSES)) + ".")
            order.status = status
        return 200, {}, order.as_json()

    def _create_coupon(self, body: dict):
        code = _text(body, "code")
        if body.get("discount_type") not in ("percent", "fixed_cart", "fixed_product"):
            raise BadBody("discount_type is not one of percent, fixed_cart, and fixed_product.")
        amount = _money(body, "amount", allow_zero=True)
        for name in ("usage_limit", "usage_limit_per_user"):
            if name in body and not isinstance(body[name], int):
                raise BadBody(f"{name} is not of type integer.")
        if not isinstance(body.get("free_shipping", False), bool):
            raise BadBody("free_shipping is not of type boolean.")
        emails = body.get("email_restrictions", [])
        if not isinstance(emails, list) or not all(isinstance(e, str) and "@" in e for e in emails):
            raise BadBody("email_restrictions is not a list of emails.")
        if code.lower() in {c.lower() for c in self.coupons}:
            return (
                400,
                {},
                _error("woocommerce_rest_coupon_code_already_exists", "The coupon code already exists", 400),
            )
        meta = [dict(m, id=n) for n, m in enumerate(body.get("meta_data") or [], start=1)]
        coupon = {
            **body,
            "id": next(self._ids),
            "code": code.lower(),
            "amount": f"{amount:.2f}",
            "meta_data": meta,
        }
        self.coupons[code.lower()] = coupon
        return 201, {}, coupon


def _error(code: str, message: str, status: int) -> dict:
    return {"code": code, "message": message, "data": {"status": status}}


def _body(request: Request) -> dict:
    if not isinstance(request.json, dict):
        raise BadBody("the body is not a JSON object.")
    return request.json


def _text(body: dict, name: str, *, allow_empty: bool = False) -> str:
    value = body.get(name, "" if allow_empty else None)
    if not isinstance(value, str) or (not value and not allow_empty):
        raise BadBody(f"{name} is not of type string.")
    return value


def _money(body: dict, name: str, *, allow_zero: bool = False) -> Decimal:
    value = body.get(name)
    if not isinstance(value, str):  # WooCommerce money is a string: "49.00"
        raise BadBody(f"{name} is not of type string.")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise BadBody(f"{name} is not a number.") from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise BadBody(f"{name} must be positive.")
    return amount


@pytest.fixture
def fake_woocommerce():
    """A fake WooCommerce REST API for this test, on 127.0.0.1."""
    with FakeWooCommerce() as fake:
        yield fake
