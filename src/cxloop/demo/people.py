"""Demo customers: names in their own scripts, emails, phones, consent, signup dates.

Names come from Faker pools built once per seed (a few hundred names per
locale and gender, drawn with Faker's own frequencies), so drawing a million
customers is array indexing, not a million Faker calls. Emails are ASCII and
always end in the customer's ordinal before the @, which keeps them unique in
the store however the names repeat. Their domains are reserved for examples
(example.com, *.example), so a demo store can never email a real person.
"""

import json
import unicodedata
from dataclasses import dataclass

import numpy as np
from faker import Faker

from ..commerce.models import Customer
from ..commerce.services.customers import casefold_name
from .columns import concat, objects, texts

POOL_SIZE = 400
GENDERS = ("m", "f")  # index 0 and 1 of the pools


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
    Locale("zh_CN", "zh-hans", ("CN",), (1.0,), 0.12, ("qq.example", "163.example", "example.com")),
    Locale("zh_TW", "zh-hant", ("TW", "HK"), (0.7, 0.3), 0.06,
           ("gmail.example", "yahoo.example", "example.com")),
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
CONSENT_STATES = objects([
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
    "HK": lambda a, b, c: f"+852 {5 + a % 5}{b % 1000:03d} {c % 10000:04d}",
}
EMAIL_SEPARATORS = objects([".", "", ".", "_", "."])  # by pattern, see _email_locals


def to_ascii(text: str) -> str:
    """Fold a Latin-script name into lower-case ASCII letters ("Łukasz" -> "lukasz")."""
    text = text.replace("ł", "l").replace("Ł", "L").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalpha()).lower()


def _tag_sets() -> list[list[str]]:
    """Every tag set a customer can have, by code: none, one tag (1-8), two picks (9-72)."""
    sets = [[]] + [[tag] for tag in TAGS]
    sets += [sorted({a, b}) for a in TAGS for b in TAGS]
    return sets


TAG_SETS = _tag_sets()
TAG_JSON = objects([json.dumps(tags, ensure_ascii=False) for tags in TAG_SETS])
VIP_TAG_JSON = objects([json.dumps(sorted([*tags, "vip"]), ensure_ascii=False) for tags in TAG_SETS])


@dataclass
class NamePools:
    """Names as arrays indexed [locale, gender, pool index]."""

    first: np.ndarray
    last: np.ndarray
    first_key: np.ndarray  # casefold_name of each name
    last_key: np.ndarray
    ascii_first: np.ndarray
    ascii_initial: np.ndarray
    ascii_last: np.ndarray


def build_name_pools(seed: int) -> NamePools:
    """Faker name pools per locale, the same for the same seed."""
    shape = (len(LOCALES), len(GENDERS), POOL_SIZE)
    first, last, ascii_first, ascii_last = (np.empty(shape, dtype=object) for _ in range(4))
    for index, locale in enumerate(LOCALES):
        fake = Faker(locale.faker)
        fake.seed_instance(seed * 31 + index)
        for g, sex in enumerate(("male", "female")):
            first[index, g] = [getattr(fake, f"first_name_{sex}")() for _ in range(POOL_SIZE)]
        for g, sex in enumerate(("male", "female")):
            last[index, g] = [getattr(fake, f"last_name_{sex}")() for _ in range(POOL_SIZE)]
        for g in range(len(GENDERS)):
            ascii_first[index, g], ascii_last[index, g] = _ascii_names(fake, locale, first[index, g],
                                                                       last[index, g])  # fmt: skip
    key = np.vectorize(lambda name: casefold_name("", name), otypes=[object])
    initial = np.vectorize(lambda name: name[:1], otypes=[object])
    return NamePools(first, last, key(first), key(last), ascii_first, initial(ascii_first), ascii_last)


def _ascii_names(fake: Faker, locale: Locale, first, last) -> tuple[list[str], list[str]]:
    if locale.faker in ("zh_CN", "zh_TW"):
        return ([fake.first_romanized_name().lower() for _ in range(POOL_SIZE)],
                [fake.last_romanized_name().lower() for _ in range(POOL_SIZE)])  # fmt: skip
    if locale.faker in LATIN_HANDLES:
        firsts, lasts = LATIN_HANDLES[locale.faker]
        return ([firsts[i % len(firsts)] for i in range(POOL_SIZE)],
                [lasts[i % len(lasts)] for i in range(POOL_SIZE)])  # fmt: skip
    return [to_ascii(n) or "shopper" for n in first], [to_ascii(n) or "buyer" for n in last]


@dataclass
class CustomerBatch:
    """A batch of customers as columns (object arrays of str, except where noted)."""

    first_name: np.ndarray
    last_name: np.ndarray
    name_key: np.ndarray  # casefold_name(first, last)
    surname_key: np.ndarray  # casefold_name("", last)
    email: np.ndarray
    phone: np.ndarray
    language: np.ndarray
    country: np.ndarray
    tag_code: np.ndarray  # int, index into TAG_SETS
    consent: np.ndarray
    created_at: np.ndarray  # datetime64[us], UTC
    first_ordinal: int = 1

    def __len__(self) -> int:
        return len(self.email)

    @property
    def tags(self) -> list[list[str]]:
        return [TAG_SETS[code] for code in self.tag_code.tolist()]


def draw_customers(
    rng: np.random.Generator, pools: NamePools, *, count: int, first_ordinal: int,
    start: np.datetime64, end: np.datetime64,
) -> CustomerBatch:  # fmt: skip
    """Draw `count` customers numbered from `first_ordinal`, signed up between start and end."""
    weights = np.array([loc.weight for loc in LOCALES])
    locale_of = rng.choice(len(LOCALES), size=count, p=weights / weights.sum())
    gender = (rng.random(count) < 0.55).astype(np.intp)  # 1 = "f"
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
    tag_code = _draw_tags(rng, count)
    consent = CONSENT_STATES[rng.choice(len(CONSENT_STATES), size=count, p=CONSENT_WEIGHTS)]
    first_at, last_at = (locale_of, gender, name_index[:, 0]), (locale_of, gender, name_index[:, 1])
    ordinals = texts(np.arange(first_ordinal, first_ordinal + count))
    local = _email_locals(pattern, pools.ascii_first[first_at], pools.ascii_initial[first_at],
                          pools.ascii_last[last_at], ordinals)  # fmt: skip
    email = concat(local, "@", _domains()[locale_of, domain_pick])
    _vary_case(email, case_roll)
    country = _draw_countries(locale_of, country_roll)
    return CustomerBatch(
        first_name=pools.first[first_at], last_name=pools.last[last_at],
        name_key=concat(pools.first_key[first_at], " ", pools.last_key[last_at]),
        surname_key=pools.last_key[last_at], email=email,
        phone=_draw_phones(country, phone_digits, has_phone),
        language=objects([loc.language for loc in LOCALES])[locale_of], country=country,
        tag_code=tag_code, consent=consent, created_at=created, first_ordinal=first_ordinal,
    )  # fmt: skip


def _domains() -> np.ndarray:
    """Email domains as [locale, pick], each locale's list repeated to 16 picks."""
    return objects([[loc.domains[i % len(loc.domains)] for i in range(16)] for loc in LOCALES])


def _draw_countries(locale_of: np.ndarray, roll: np.ndarray) -> np.ndarray:
    first = objects([loc.countries[0] for loc in LOCALES])
    second = objects([loc.countries[-1] for loc in LOCALES])
    threshold = np.array([loc.country_weights[0] if len(loc.countries) > 1 else 2.0 for loc in LOCALES])
    return np.where(roll < threshold[locale_of], first[locale_of], second[locale_of])


def _email_locals(pattern, first, initial, last, ordinals) -> np.ndarray:
    """first.last7, firstlast7, f.last7, first_last7 or last.first7, by pattern 0-4."""
    head = np.where(pattern == 4, last, np.where(pattern == 2, initial, first))
    tail = np.where(pattern == 4, first, last)
    return concat(head, EMAIL_SEPARATORS[pattern], tail, ordinals)


def _vary_case(email: np.ndarray, roll: np.ndarray) -> None:
    # Some people type their address with capitals; the store keeps what they typed.
    for i in np.flatnonzero(roll < 0.07).tolist():
        if roll[i] < 0.01:
            email[i] = email[i].upper()
            continue
        local, domain = email[i].split("@")
        title = ".".join(part[:1].upper() + part[1:] for part in local.split("."))
        email[i] = f"{title}@{domain[:1].upper()}{domain[1:]}"


def _draw_phones(country: np.ndarray, digits: np.ndarray, has_phone: np.ndarray) -> np.ndarray:
    phone = np.full(len(country), "", dtype=object)
    for code, fmt in PHONE_FORMATS.items():
        who = np.flatnonzero(has_phone & (country == code))
        phone[who] = [fmt(a, b, c) for a, b, c in digits[who].tolist()]
    return phone


def _draw_tags(rng: np.random.Generator, count: int) -> np.ndarray:
    """Codes into TAG_SETS: no tag, one tag or two picks (which may be the same tag)."""
    how_many = rng.choice(3, size=count, p=[0.55, 0.3, 0.15])
    picks = rng.integers(0, len(TAGS), size=(count, 2))
    one, two = 1 + picks[:, 0], 1 + len(TAGS) + picks[:, 0] * len(TAGS) + picks[:, 1]
    return np.select([how_many == 0, how_many == 1], [0, one], two)
