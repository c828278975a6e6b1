"""CSV export of survey responses, safe to open in a spreadsheet.

A text cell whose first character, or first after leading whitespace
(including no-break spaces), is one of = + - @ tab, carriage return or NUL
is prefixed with an apostrophe, so a spreadsheet shows it as text instead of
running it as a formula ("=HYPERLINK(...)" in a comment stays a comment).
The score column holds plain integers. The file is UTF-8 with a byte-order
mark, which spreadsheet apps need to read Persian, Polish and Chinese right,
and is produced row by row so a million responses never sit in memory.
"""

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cxloop.core.formats import store_zone
from cxloop.core.models import Store
from cxloop.core.names import person_name

from .models import Channel, Question, Response
from .question_results import answer_text
from .scoring import BAND_NAMES
from .texts import localized

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
BYTE_ORDER_MARK = "\ufeff"
CHUNK_ROWS = 500

_FIELDS = (
    "created_at", "survey__name", "survey__kind", "score", "band", "comment", "comment_language",
    "customer__email", "customer__first_name", "customer__last_name", "country", "channel",
)  # fmt: skip


def neutralize(value: str) -> str:
    """The text, prefixed with ' when a spreadsheet would read it as a formula."""
    if value[:1] in FORMULA_STARTS or value.lstrip()[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def header() -> list[str]:
    return [
        _("Date"), _("Survey"), _("Score"), _("Band"), _("Comment"), _("Comment language"),
        _("Customer email"), _("Customer name"), _("Country"), _("Channel"),
    ]  # fmt: skip


def build_rows(
    store: Store, responses: QuerySet[Response], questions: Sequence[Question] = ()
) -> Iterator[list]:
    """One list per response: text cells neutralised, the score an int (or "" when none).

    With a custom survey's `questions`, each row ends with one cell per
    question: the rating, the chosen answers' labels, or the written text.
    """
    tz = store_zone(store)
    channels = dict(Channel.choices)
    staff_language = get_language() or store.default_language
    for row in responses.values_list(*_FIELDS, "answers").iterator(chunk_size=2000):
        (created_at, survey, kind, score, band, comment, language, email, first, last, country, channel,
         answers) = row  # fmt: skip
        band_name = BAND_NAMES.get(kind, {}).get(band, "") if band else ""
        name = person_name(first, last)
        texts = [
            # ISO 8601 in store time with its offset: spreadsheets and scripts read it back exactly.
            created_at.astimezone(tz).replace(microsecond=0).isoformat(),
            survey,
            None,
            str(band_name),
            comment,
            language,
            email or "",
            name,
            country,
            str(channels.get(channel, channel)),
        ]
        answers = answers if isinstance(answers, dict) else {}
        for question in questions:
            texts.append(
                answer_text(
                    question,
                    answers.get(str(question.pk)),
                    language=staff_language,
                    store_language=store.default_language,
                )
            )
        cells = [neutralize(text) if isinstance(text, str) else text for text in texts]
        cells[2] = score if score is not None else ""
        yield cells


class _Line:
    """A file-like object csv.writer writes one line into, handed back as a string."""

    def write(self, text: str) -> str:
        return text


def stream_csv(rows: Iterable[list], *, head: list[str]) -> Iterator[str]:
    """The CSV text in chunks of rows: the byte-order mark and header first."""
    writer = csv.writer(_Line())
    yield BYTE_ORDER_MARK + writer.writerow([neutralize(cell) for cell in head])
    chunk = []
    for row in rows:
        chunk.append(writer.writerow(row))
        if len(chunk) >= CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def stream_responses_csv(
    store: Store, responses: QuerySet[Response], questions: Sequence[Question] = ()
) -> Iterator[str]:
    """The responses as CSV text, in chunks, oldest first; a column per custom question given."""
    ordered = responses.order_by("created_at", "pk")
    language = get_language() or store.default_language
    head = header() + [localized(q.texts, language, store.default_language) for q in questions]
    return stream_csv(build_rows(store, ordered, questions), head=head)
