"""Next/previous pagination without a total count.

Counting a million customers on every page view is what makes list pages slow,
so a page fetches one row more than it shows to learn whether there is a next
page, and never counts.
"""

from dataclasses import dataclass

from cxloop.core.inputs import parse_int

PER_PAGE = 50
MAX_PAGE = 2000


@dataclass
class Page:
    items: list
    number: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)


def page_number(raw) -> int:
    """The page a ?page= value asks for: 1 unless it holds a number, at most MAX_PAGE."""
    number = parse_int(raw)
    if number is None:
        return 1
    return min(max(number, 1), MAX_PAGE)


def build_page(queryset, raw_number, *, per_page: int = PER_PAGE) -> Page:
    """One page of an ordered queryset, fetched with a single query."""
    number = page_number(raw_number)
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    return Page(items=rows[:per_page], number=number, per_page=per_page, has_next=len(rows) > per_page)
