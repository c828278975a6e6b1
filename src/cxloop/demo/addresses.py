"""Addresses, shipping methods, companies and notes for the demo store.

A few real-looking addresses per country, written as that country writes
them (Chinese and Persian in their own scripts), so the customer and order
pages show an address laid out for its country.
"""

import json

import numpy as np

from ..core.names import person_name
from .columns import objects

# (address1, city, province, zip) per country.
ADDRESSES = {
    "PL": [("ul. Długa 5", "Gdańsk", "", "80-831"), ("ul. Piotrkowska 104/7", "Łódź", "", "90-006"),
           ("ul. Floriańska 12 m. 3", "Kraków", "", "31-019")],
    "LV": [("Brīvības iela 12", "Rīga", "", "LV-1010"), ("Rīgas iela 5", "Daugavpils", "", "LV-5401")],
    "IR": [("خیابان ولیعصر، پلاک ۱۲", "تهران", "تهران", "1517964311"),
           ("خیابان چهارباغ عباسی، پلاک ۳", "اصفهان", "اصفهان", "8173693411")],
    "CN": [("南山区科苑路15号8栋1201室", "深圳市", "广东省", "518057"),
           ("黄浦区南京东路100号", "上海市", "", "200001")],
    "TW": [("信義區信義路五段7號", "台北市", "", "110")],
    "US": [("350 5th Ave", "New York", "NY", "10118"), ("1 Market St", "San Francisco", "CA", "94105")],
    "GB": [("221B Baker Street", "London", "", "NW1 6XE")],
}  # fmt: skip
SHIPPING_METHODS = {
    "PL": ["InPost Paczkomat 24/7", "Kurier DPD"],
    "LV": ["Omniva pakomāts", "DPD kurjers"],
    "IR": ["پست پیشتاز"],
    "CN": ["顺丰速运"],
    "TW": ["7-ELEVEN 超商取貨"],
    "US": ["UPS Ground", "USPS Priority Mail"],
    "GB": ["Royal Mail Tracked 48"],
}
COMPANIES = {
    "PL": ["Pracownia Ceramiki Sp. z o.o.", "Kawiarnia Pod Lipami"],
    "LV": ["SIA Dzintara Darbnīca"],
    "IR": ["کافه کتاب نارنج"],
    "CN": ["深圳市海风贸易有限公司"],
    "TW": ["日光茶行"],
    "US": ["Lee & Daughters Coffee"],
    "GB": ["Baker Street Books Ltd"],
}
NOTES = objects([
    "Orders for the café every month; invoice to the company.",
    "Prefers delivery after 4 pm.",
    "Wholesale price list agreed by phone.",
])  # fmt: skip
# Where shop prices include VAT; a US store adds sales tax at checkout.
TAXES_ADDED = {"US"}


def _pick(pool: dict, country: str, index: int):
    options = pool.get(country) or pool["GB"]
    return options[index % len(options)]


def address_of(country: str, index: int, name: str = "") -> dict[str, str]:
    address1, city, province, zip_code = _pick(ADDRESSES, country, index)
    parts = {"name": name, "address1": address1, "city": city, "province": province, "zip": zip_code,
             "country": country}  # fmt: skip
    return {key: value for key, value in parts.items() if value}


def customer_addresses(country: np.ndarray) -> np.ndarray:
    """Each customer's default address as JSON text."""
    return objects([json.dumps(address_of(c, i), ensure_ascii=False) for i, c in enumerate(country.tolist())])


def shipping(customer: np.ndarray, first: np.ndarray, last: np.ndarray, country: np.ndarray,
             shipped: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(shipping address JSON, shipping method) per order; empty where nothing was shipped."""
    addresses, methods = [], []
    for who, was_shipped in zip(customer.tolist(), shipped.tolist(), strict=True):
        if not was_shipped:
            addresses.append("{}")
            methods.append("")
            continue
        code = country[who]
        name = person_name(first[who], last[who])
        addresses.append(json.dumps(address_of(code, who, name), ensure_ascii=False))
        methods.append(_pick(SHIPPING_METHODS, code, who))
    return objects(addresses), objects(methods)


def companies(rng: np.random.Generator, country: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(company, tax exempt) per customer: 5% buy for a company, a third of those tax exempt."""
    n = len(country)
    has = rng.random(n) < 0.05
    exempt = has & (rng.random(n) < 0.33)
    names = [
        _pick(COMPANIES, c, i) if h else ""
        for i, (c, h) in enumerate(zip(country.tolist(), has.tolist(), strict=True))
    ]  # noqa: E501
    return objects(names), exempt


def notes(rng: np.random.Generator, n: int) -> np.ndarray:
    """What the store wrote about a customer: 4% have a note."""
    roll = rng.random(n)
    return np.where(roll < 0.04, NOTES[rng.integers(0, len(NOTES), size=n)], "").astype(object)
