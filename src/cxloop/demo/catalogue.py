"""The demo store's product catalogue: about sixty products with their variants.

Titles combine a style with a product ("Nordic Merino Sweater"); each product
has one to four variants (sizes, colours, weights, volumes) priced around the
product's base price, converted roughly into the store's currency.
"""

import json
from dataclasses import dataclass

import numpy as np
from django.utils.text import slugify

from cxloop.core.models import Platform, Store

from ..commerce.models import Product, Variant
from .writer import RowWriter

PRODUCT_COUNT = 60

# (product type, code, option values, [(product, base price in EUR)])
RANGES = [
    ("Apparel", "APP", ["S", "M", "L", "XL"], [
        ("Linen Shirt", 59), ("Merino Sweater", 89), ("Cotton T-Shirt", 24), ("Rain Jacket", 129),
        ("Hoodie", 64), ("Denim Jeans", 79), ("Wool Socks", 14),
    ]),
    ("Home", "HOM", ["Sand", "Sage", "Charcoal", "Terracotta"], [
        ("Ceramic Mug", 18), ("Scented Candle", 26), ("Linen Tablecloth", 49), ("Throw Blanket", 69),
        ("Oak Cutting Board", 39), ("Glass Carafe", 29),
    ]),
    ("Tea & Coffee", "TEA", ["100 g", "250 g", "500 g"], [
        ("Sencha Green Tea", 12), ("Earl Grey", 9), ("Coffee Beans", 16), ("Rooibos", 8),
        ("Matcha", 24),
    ]),
    ("Beauty", "BTY", ["50 ml", "100 ml", "250 ml"], [
        ("Hand Cream", 15), ("Lip Balm", 7), ("Shampoo Bar", 11), ("Face Serum", 38), ("Body Oil", 27),
    ]),
    ("Accessories", "ACC", ["Black", "Tan", "Navy", "Olive"], [
        ("Leather Wallet", 45), ("Canvas Tote Bag", 22), ("Sunglasses", 65), ("Water Bottle", 25),
        ("Notebook", 12), ("Backpack", 99),
    ]),
]  # fmt: skip
STYLES = [
    ("Classic", 1.0), ("Nordic", 1.15), ("Everyday", 0.85), ("Baltic", 1.05), ("Heritage", 1.3),
    ("Urban", 0.95), ("Organic", 1.2), ("Premium", 1.6), ("Travel", 0.9), ("Studio", 1.1),
]  # fmt: skip
VENDORS = ["Amber Coast Co.", "Vistula Goods", "Riga Works", "Saffron & Silk", "Jade Leaf"]

# Rough exchange rates from EUR, so prices look right in the store's currency.
EUR_RATES = {
    "EUR": 1, "USD": 1.1, "GBP": 0.85, "PLN": 4.3, "CHF": 0.95, "SEK": 11.5, "NOK": 11.7,
    "DKK": 7.5, "CZK": 25, "HUF": 390, "CAD": 1.5, "AUD": 1.65, "JPY": 160, "CNY": 7.8,
    "TWD": 35, "IRR": 46000, "INR": 90, "BRL": 5.5, "TRY": 35,
}  # fmt: skip


def currency_factor(currency: str) -> float:
    return float(EUR_RATES.get(currency, 1))


def nice_price_cents(euros: np.ndarray, factor: float) -> np.ndarray:
    """Convert EUR prices and round them the way shops do (19.99, or whole units)."""
    amount = np.asarray(euros, dtype=float) * factor
    if factor >= 50:
        step = 10 ** np.floor(np.log10(np.maximum(amount, 1)) - 1)
        return (np.maximum(np.round(amount / step), 1) * step * 100).astype(np.int64)
    return (np.maximum(np.floor(amount), 1) * 100 - 1).astype(np.int64)


@dataclass
class Catalogue:
    """The products and variants as parallel arrays, variants sorted by price."""

    product_ids: np.ndarray
    product_external_ids: list[str]
    product_handles: list[str]
    variant_ids: np.ndarray
    variant_product: np.ndarray  # index into the product arrays
    variant_external_ids: list[str]
    variant_prices: np.ndarray  # cents, ascending
    variant_titles: list[str]  # "Product - option"
    variant_skus: list[str]
    product_view_json: list[str]  # per variant: properties of a product_view event
    add_to_cart_json: list[str]  # per variant: properties of an add_to_cart event

    def nearest_variants(self, rng: np.random.Generator, unit_cents: np.ndarray) -> np.ndarray:
        """Variants priced near each target, picked among the three closest for variety."""
        position = np.searchsorted(self.variant_prices, unit_cents)
        position = position + rng.integers(-1, 2, size=len(position))
        return np.clip(position, 0, len(self.variant_prices) - 1)


def _product_specs(rng: np.random.Generator) -> list[tuple]:
    pairs = [
        (r, p, s) for r in range(len(RANGES)) for p in range(len(RANGES[r][3])) for s in range(len(STYLES))
    ]
    chosen = rng.choice(len(pairs), size=PRODUCT_COUNT, replace=False)
    return [pairs[i] for i in sorted(chosen.tolist())]


def create_catalogue(*, store: Store, rng: np.random.Generator, writer: RowWriter) -> Catalogue:
    """Insert the products and variants of a demo store (call inside a transaction)."""
    factor = currency_factor(store.currency)
    specs = _product_specs(rng)
    product_ids = writer.reserve_ids(Product, len(specs))
    products = {"title": [], "vendor": [], "product_type": [], "external_id": []}
    variants = {"product_id": [], "external_id": [], "title": [], "sku": [], "euros": []}
    handles, variant_product = [], []
    for index, (r, p, s) in enumerate(specs):
        product_type, code, options, items = RANGES[r]
        name, base = items[p]
        style, multiplier = STYLES[s]
        title = f"{style} {name}"
        products["title"].append(title)
        products["vendor"].append(VENDORS[int(rng.integers(len(VENDORS)))])
        products["product_type"].append(product_type)
        products["external_id"].append(f"demo-product-{index + 1}")
        handles.append(slugify(title))
        count = int(rng.integers(1, len(options) + 1))
        for o, option in enumerate(options[:count]):
            variants["product_id"].append(int(product_ids[index]))
            variants["external_id"].append(f"demo-variant-{index + 1}-{o + 1}")
            variants["title"].append(option)
            variants["sku"].append(f"{code}-{index + 1:03d}-{slugify(option).upper()}")
            # Larger packs cost more; sizes and colours cost the same.
            by_pack = option.endswith((" g", " ml"))
            variants["euros"].append(base * multiplier * (1 + 0.8 * o if by_pack else 1))
            variant_product.append(index)
    prices = nice_price_cents(np.array(variants.pop("euros")), factor)
    variant_ids = writer.reserve_ids(Variant, len(prices))
    n_products = len(specs)
    writer.insert(Product, {
        "id": product_ids.tolist(), "store_id": [store.pk] * n_products,
        "platform": [Platform.DEMO.value] * n_products, **products,
    })  # fmt: skip
    writer.insert(Variant, {
        "id": variant_ids.tolist(), "store_id": [store.pk] * len(prices), **variants,
        "price": writer.money(prices),
    })  # fmt: skip
    variant_product = np.array(variant_product)
    order = np.argsort(prices, kind="stable")
    titles = [f"{products['title'][variant_product[v]]} - {variants['title'][v]}" for v in order]
    return Catalogue(
        product_ids=product_ids,
        product_external_ids=products["external_id"],
        product_handles=handles,
        variant_ids=variant_ids[order],
        variant_product=variant_product[order],
        variant_external_ids=[variants["external_id"][v] for v in order],
        variant_prices=prices[order],
        variant_titles=titles,
        variant_skus=[variants["sku"][v] for v in order],
        product_view_json=[
            _json(
                product_id=products["external_id"][variant_product[v]],
                title=products["title"][variant_product[v]],
                price=_money_text(prices[v]),
            )
            for v in order
        ],  # fmt: skip
        add_to_cart_json=[
            _json(
                product_id=products["external_id"][variant_product[v]],
                variant_id=variants["external_id"][v],
                quantity=1,
                price=_money_text(prices[v]),
            )
            for v in order
        ],  # fmt: skip
    )


def _json(**values) -> str:
    return json.dumps(values, ensure_ascii=False)


def _money_text(cents) -> str:
    cents = int(cents)
    return f"{cents // 100}.{cents % 100:02d}"
