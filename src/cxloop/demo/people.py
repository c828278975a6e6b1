"""Demo customers: names in their own scripts, emails, phones, consent, signup dates.

Names come from Faker pools built once per seed (a few hundred names per
locale and gender, drawn with Faker's own frequencies), so drawing a million
customers is array indexing, not a million Faker calls. Emails are ASCII and
always end in the customer's ordinal before the @, which keeps them unique in
the store however the names repeat. Their domains are reserved for examples
(example.com, *.example), so a demo store can never email a real person.
"""

import unicodedata
from dataclasses import dataclass

import numpy as np
from faker import Faker

from ..commerce.models import Customer
from ..commerce.services.customers import casefold_name

POOL_SIZE = 400


@dataclass(frozen=True)
class Locale:
    faker: str
    language: str
    countries: tuple[str, ...]
    country_weights: tuple[float, ...]
    weight: float
    domains: tuple[str, ...]


LOCALES = (
    Locale("en_US", "en", ("US", "GB"), (0.7, 0.3), 0.35,
           ("example.com", "example.net", "example.org", "mail.example")),
    Locale("pl_PL", "pl", ("PL",), (1.0,), 0.25,
           ("poczta.example", "wp.example", "example.com", "onet.example")),
    Locale("lv_LV", "lv", ("LV",), (1.0,), 0.10, ("inbox.example", "example.com", "apollo.example")),
    Locale("fa_IR", "fa", ("IR",), (1.0,), 0.12, ("example.com", "chmail.example", "example.net")),
    Locale("zh_CN", "zh-hans", ("CN", "TW"), (0.8, 0.2), 0.18,
           ("qq.example", "163.example", "example.com")),
)  # fmt: skip

# Latin handles for people whose names are not in Latin script: real people
# pick nicknames and transliterations, not a letter-by-letter spelling.
LATIN_HANDLES = {
    "fa_IR": (
        ["ali", "reza", "mohammad", "sara", "maryam", "fatemeh", "hossein", "zahra", "amir",
         "narges", "mehdi", "niloofar", "parisa", "hamid", "shirin", "babak", "leila", "kaveh"],
        ["ahmadi", "hosseini", "mohammadi", "karimi", "rezaei", "moradi", "jafari", "rahimi",
         "sadeghi", "kazemi", "hashemi", "ebrahimi", "ghasemi", "najafi", "tehrani"],
    ),
}  # fmt: skip
CONSENT_STATES = np.array([
    Customer.Consent.SUBSCRIBED.value, Customer.Consent.NOT_SUBSCRIBED.value,
    Customer.Consent.UNSUBSCRIBED.value, Customer.Consent.PENDING.value,
    Customer.Consent.INVALID.value,
])  # fmt: skip
CONSENT_WEIGHTS = [0.42, 0.43, 0.09, 0.03, 0.03]
TAGS = ["newsletter", "instagram", "wholesale", "gift-buyer", "eco", "b2b", "influencer", "loyalty"]
PHONE_FORMATS = {
    "US": lambda a, b, c: f"+1 {201 + a % 788:03d}-555-{c % 10000:04d}",
    "GB": lambda a, b, c: f"+44 7700 900{c % 1000:03d}",
    "PL": lambda a, b, c: f"+48 {500 + a % 400} {b % 1000:03d} {c % 1000:03d}",
    "LV": lambda a, b, c: f"+371 2{b % 1000:03d}{c % 10000:04d}",
    "IR": lambda a, b, c: f"+98 9{a % 100:02d} {b % 1000:03d} {c % 10000:04d}",
    "CN": lambda a, b, c: f"+86 13{a % 10} {b % 10000:04d} {c % 10000:04d}",
    "TW": lambda a, b, c: f"+886 9{a % 100:02d} {b % 1000:03d} {c % 1000:03d}",
}


def to_ascii(text: str) -> str:
    """Fold a Latin-script name into lower-case ASCII letters ("Łukasz" -> "lukasz")."""
    text = text.replace("ł", "l").replace("Ł", "L").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalpha()).lower()


@dataclass
class NamePool:
    first: dict[str, list[str]]  # by gender "m"/"f"
    last: dict[str, list[str]]
    ascii_first: dict[str, list[str]]
    ascii_last: dict[str, list[str]]


def build_name_pools(seed: int) -> list[NamePool]:
    """Faker name pools per locale, the same for the same seed."""
    pools = []
    for index, locale in enumerate(LOCALES):
        fake = Faker(locale.faker)
        fake.seed_instance(seed * 31 + index)
        first = {g: [getattr(fake, f"first_name_{s}")() for _ in range(POOL_SIZE)]
                 for g, s in (("m", "male"), ("f", "female"))}  # fmt: skip
        last = {g: [getattr(fake, f"last_name_{s}")() for _ in range(POOL_SIZE)]
                for g, s in (("m", "male"), ("f", "female"))}  # fmt: skip
        if locale.faker == "zh_CN":
            ascii_first = {g: [fake.first_romanized_name().lower() for _ in range(POOL_SIZE)] for g in "mf"}
            ascii_last = {g: [fake.last_romanized_name().lower() for _ in range(POOL_SIZE)] for g in "mf"}
        elif locale.faker in LATIN_HANDLES:
            firsts, lasts = LATIN_HANDLES[locale.faker]
            ascii_first = {g: [firsts[i % len(firsts)] for i in range(POOL_SIZE)] for g in "mf"}
            ascii_last = {g: [lasts[i % len(lasts)] for i in range(POOL_SIZE)] for g in "mf"}
        else:
            ascii_first = {g: [to_ascii(n) or "shopper" for n in first[g]] for g in "mf"}
            ascii_last = {g: [to_ascii(n) or "buyer" for n in last[g]] for g in "mf"}
        pools.append(NamePool(first, last, ascii_first, ascii_last))
    return pools


@dataclass
class CustomerBatch:
    first_name: list[str]
    last_name: list[str]
    email: list[str]
    phone: list[str]
    language: list[str]
    country: list[str]
    tags: list[list[str]]
    consent: np.ndarray
    created_at: np.ndarray  # datetime64[us], UTC
    first_ordinal: int = 1

    def __len__(self) -> int:
        return len(self.email)

    @property
    def name_keys(self) -> list[str]:
        return [casefold_name(f, last) for f, last in zip(self.first_name, self.last_name, strict=True)]

    @property
    def surname_keys(self) -> list[str]:
        return [casefold_name("", last) for last in self.last_name]


def draw_customers(
    rng: np.random.Generator, pools: list[NamePool], *, count: int, first_ordinal: int,
    start: np.datetime64, end: np.datetime64,
) -> CustomerBatch:  # fmt: skip
    """Draw `count` customers numbered from `first_ordinal`, signed up between start and end."""
    weights = np.array([loc.weight for loc in LOCALES])
    locale_of = rng.choice(len(LOCALES), size=count, p=weights / weights.sum())
    gender = np.where(rng.random(count) < 0.55, "f", "m")
    name_index = rng.integers(0, POOL_SIZE, size=(count, 2))
    pattern = rng.integers(0, 5, size=count)
    domain_pick = rng.integers(0, 16, size=count)
    case_roll = rng.random(count)
    country_roll = rng.random(count)
    phone_digits = rng.integers(0, 10**7, size=(count, 3))
    has_phone = rng.random(count) < 0.6
    # Signups grow over time: more customers joined recently.
    span = (end - start).astype("timedelta64[us]").astype(np.int64)
    created = start + (span * rng.random(count) ** 0.8).astype("timedelta64[us]")
    batch = CustomerBatch(
        [], [], [], [], [], [], _draw_tags(rng, count), _draw_consent(rng, count), created, first_ordinal
    )
    for i in range(count):
        locale, pool, g = LOCALES[locale_of[i]], pools[locale_of[i]], gender[i]
        f, last = name_index[i]
        country = _pick_country(locale, country_roll[i])
        batch.first_name.append(pool.first[g][f])
        batch.last_name.append(pool.last[g][last])
        local = _email_local(pattern[i], pool.ascii_first[g][f], pool.ascii_last[g][last], first_ordinal + i)
        domain = locale.domains[domain_pick[i] % len(locale.domains)]
        batch.email.append(_vary_case(f"{local}@{domain}", case_roll[i]))
        batch.phone.append(PHONE_FORMATS[country](*phone_digits[i].tolist()) if has_phone[i] else "")
        batch.language.append(locale.language)
        batch.country.append(country)
    return batch


def _pick_country(locale: Locale, roll: float) -> str:
    cumulative = 0.0
    for country, weight in zip(locale.countries, locale.country_weights, strict=True):
        cumulative += weight
        if roll < cumulative:
            return country
    return locale.countries[-1]


def _email_local(pattern: int, first: str, last: str, ordinal: int) -> str:
    if pattern == 0:
        return f"{first}.{last}{ordinal}"
    if pattern == 1:
        return f"{first}{last}{ordinal}"
    if pattern == 2:
        return f"{first[:1]}.{last}{ordinal}"
    if pattern == 3:
        return f"{first}_{last}{ordinal}"
    return f"{last}.{first}{ordinal}"


def _vary_case(email: str, roll: float) -> str:
    # Some people type their address with capitals; the store keeps what they typed.
    if roll < 0.01:
        return email.upper()
    if roll < 0.07:
        local, domain = email.split("@")
        title = ".".join(part[:1].upper() + part[1:] for part in local.split("."))
        return f"{title}@{domain[:1].upper()}{domain[1:]}"
    return email


def _draw_tags(rng: np.random.Generator, count: int) -> list[list[str]]:
    how_many = rng.choice(3, size=count, p=[0.55, 0.3, 0.15])
    picks = rng.integers(0, len(TAGS), size=(count, 2))
    tags = []
    for n, (a, b) in zip(how_many.tolist(), picks.tolist(), strict=True):
        chosen = [TAGS[a], TAGS[b]][:n]
        tags.append(sorted(set(chosen)))
    return tags


def _draw_consent(rng: np.random.Generator, count: int) -> np.ndarray:
    return CONSENT_STATES[rng.choice(len(CONSENT_STATES), size=count, p=CONSENT_WEIGHTS)]
