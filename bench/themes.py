"""`cxloop bench themes`: survey comment themes at 100,000 comments.

Builds --comments comments (default 100,000) in the five demo languages from
the demo's sentences, each sometimes with a few words added so that not every
comment is a copy, written by customers of whom some answer several times.
It times, on the same comments in memory:

- `find_themes` over the latest 2,000 (what the comments page reads) and over all;
- the baseline: only cutting the same comments into words (`split_words`:
  regular expressions, and jieba for Chinese), which any way of finding
  themes in them has to do.

Then, with the comments stored as the answers to one survey (in
--database-url, default var/bench/themes.sqlite3, seeded if the survey is
missing), it times the comments page through Django's test Client: the first
request after the cache is cleared (themes computed) and the next ones
(themes from the cache).

    cxloop bench themes --comments 100000

Results are printed and written to var/bench/themes-<timestamp>.json.
"""

import argparse
import json
import os
import platform
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORE = "themes-bench"
BENCH_USER = "themes-bench@cxloop.test"
WINDOW = 2000
EXTRA_WORDS = {
    "en": ["really", "honestly", "overall", "again", "today", "parcel", "order"],
    "pl": ["naprawdę", "ogólnie", "znowu", "dzisiaj", "paczka", "zamówienie"],
    "lv": ["tiešām", "kopumā", "atkal", "šodien", "paka", "pasūtījums"],
    "fa": ["واقعا", "در کل", "دوباره", "امروز", "بسته", "سفارش"],
    "zh-hans": ["真的", "总体", "再次", "今天", "包裹", "订单"],
}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="cxloop bench themes", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT}/var/bench/themes.sqlite3")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each in-memory case")
    args = parser.parse_args(argv)
    _setup_django(args.database_url)
    from cxloop.surveys.themes import ThemeComment

    comments = [ThemeComment(*row) for row in _comments(args.comments)]
    results = {"memory": _memory(comments, args.repeat), "page": _page(comments)}
    _print(results, len(comments))
    print(f"\nresults: {_write_json(results, args)}")


def _setup_django(url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxloop.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATABASE_URL"] = url
    import django
    from django.conf import settings
    from django.core.management import call_command

    Path(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    django.setup()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def _comments(count: int) -> list[tuple]:
    """(text, language, customer, band, id) newest first; about 0.6 comments per customer... and repeats."""
    from cxloop.demo.survey_comments import COMMENTS

    rng = random.Random(42)
    languages = ["en", "en", "pl", "pl", "zh-hans", "fa", "lv"]
    rows = []
    for index in range(count):
        language = rng.choice(languages)
        band = rng.choices(["high", "mid", "low"], [6, 2, 2])[0]
        pool = COMMENTS[language][band]
        text = rng.choice(pool[rng.choice(list(pool))])
        if rng.random() < 0.5:
            text = f"{text} {rng.choice(EXTRA_WORDS[language])}"
        rows.append((text, language, rng.randrange(count * 2 // 3), band, count - index))
    return rows


def _time(call, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def _memory(comments: list, repeat: int) -> dict:
    from cxloop.surveys.themes import comment_phrases, find_themes, split_words

    def fresh_themes(comments):  # as a new process would: no comment cut before
        comment_phrases.cache_clear()
        return find_themes(comments)

    find_themes(comments[:200])  # load jieba, OpenCC and the stop words once, as a process does
    window = comments[:WINDOW]
    cases = {
        "find_themes, latest 2,000": (lambda: fresh_themes(window), len(window)),
        "split_words, latest 2,000 (baseline)": (
            lambda: [split_words(c.text, c.language) for c in window],
            WINDOW,
        ),
        "find_themes, all": (lambda: fresh_themes(comments), len(comments)),
        "split_words, all (baseline)": (
            lambda: [split_words(c.text, c.language) for c in comments],
            len(comments),
        ),
    }
    runs = {name: _time(call, repeat if size <= WINDOW else 1) for name, (call, size) in cases.items()}
    return {
        name: {"median_s": statistics.median(times), "comments": cases[name][1]}
        for name, times in runs.items()
    }


def _page(comments: list) -> dict:
    from django.core.cache import cache
    from django.test import Client

    survey, user = _survey(comments)
    client = Client()
    client.force_login(user)
    url = f"/surveys/{survey.pk}/comments/"  # the last 90 days: every answer
    from cxloop.surveys.themes import comment_phrases

    cache.clear()
    comment_phrases.cache_clear()
    cold = _time(lambda: _get(client, url), 1)
    warm = _time(lambda: _get(client, url), 5)
    return {"cold_s": cold[0], "warm_median_s": statistics.median(warm), "answers": len(comments)}


def _get(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.status_code


def _survey(comments: list):
    from django.utils import timezone

    from cxloop.core import services as core_services
    from cxloop.core.models import Membership, Store
    from cxloop.demo.services import ensure_store
    from cxloop.surveys.models import Response, Survey

    store = Store.objects.filter(slug=STORE).first() or ensure_store(slug=STORE)[0]
    user = core_services.add_staff(
        store=store, email=BENCH_USER, role=Membership.Role.OWNER, password="bench-password"
    )[0]
    survey = Survey.objects.filter(store=store, name="Themes bench").first()
    if survey is not None and Response.objects.filter(survey=survey).count() == len(comments):
        return survey, user
    Survey.objects.filter(store=store, name="Themes bench").delete()
    survey = Survey.objects.create(store=store, name="Themes bench", kind="nps")
    now = timezone.now()
    scores = {"high": 10, "mid": 8, "low": 3}
    rows = [
        Response(
            store=store,
            survey=survey,
            channel="web",
            language=c.language,
            score=scores[c.band],
            band=c.band,
            comment=c.text,
            comment_language=c.language,
            created_at=now - timedelta(seconds=50 * index),
            updated_at=now - timedelta(seconds=50 * index),
        )  # fmt: skip
        for index, c in enumerate(comments)
    ]
    Response.objects.bulk_create(rows, batch_size=2000)
    return survey, user


def _print(results: dict, count: int) -> None:
    memory = results["memory"]
    print(f"\nThemes of {count:,} comments (five languages), in memory, median seconds:")
    for name, row in memory.items():
        rate = row["comments"] / row["median_s"] if row["median_s"] else 0
        print(f"  {name:<40} {row['median_s']:8.3f} s  {rate:>10,.0f} comments/s")
    for scope in ("latest 2,000", "all"):
        ratio = (
            memory[f"find_themes, {scope}"]["median_s"]
            / memory[f"split_words, {scope} (baseline)"]["median_s"]
        )
        print(f"  find_themes / split_words, {scope}: {ratio:.2f}x")
    page = results["page"]
    print(f"\nComments page over {page['answers']:,} answers with comments:")
    print(f"  first request (themes computed): {page['cold_s']:.3f} s")
    print(f"  next requests (themes cached):   {page['warm_median_s']:.3f} s median")


def _write_json(results: dict, args) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = ROOT / "var" / "bench" / f"themes-{stamp}.json"
    meta = {"python": platform.python_version(), "load": os.getloadavg(), "comments": args.comments}
    path.write_text(json.dumps({"meta": meta, **results}, indent=2))
    return path
