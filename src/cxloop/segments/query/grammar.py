"""Read a segment query's text into its tree (query.ast), or say where and why it cannot be read.

    tree = parse("amount_spent > 100 AND last_order_date < -90d")

The syntax is the one Shopify merchants know from customer segments:
conditions `field operator value` joined by AND and OR (AND binds tighter;
parentheses group), with the operators = != > >= < <=, CONTAINS, NOT
CONTAINS, BETWEEN a AND b, IS NULL and IS NOT NULL. Values are 'text' or
"text", numbers, dates (2024-03-01), dates relative to today (-90d, -2w,
-3m, -1y, today, yesterday) and true / false. A few fields take arguments:
`products_viewed(id: '8123', since: -7d) = true`. Keywords are
case-insensitive; field names are lower case.

The parser is lark's LALR(1) with the tree built while parsing, so however deep
the parentheses go, nothing recurses; limits on the length, the number of
conditions and the depth keep every query small (MAX_*). Field names and
values are checked against the catalogue afterwards (query.fields).
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .ast import Condition, Group, Literal, Node, RelativeDate
from .errors import SegmentQueryError

MAX_LENGTH = 4000
MAX_TERMS = 50
MAX_DEPTH = 8
MAX_STRING = 200
MAX_NUMBER = Decimal("1e12")
MAX_RELATIVE = {"d": 36_600, "w": 5_230, "m": 1_200, "y": 100}

GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: atom (_AND atom)*
?atom: condition
     | LPAR or_expr _RPAR -> group

condition: subject OP value                  -> compare
         | subject CONTAINS value            -> contains
         | subject NOT CONTAINS value        -> not_contains
         | subject BETWEEN value _AND value  -> between
         | subject IS NULL                   -> is_null
         | subject IS NOT NULL               -> is_not_null

subject: NAME
       | NAME LPAR [argument (_COMMA argument)*] _RPAR
argument: NAME _COLON value

?value: STRING | NUMBER | DATE | RELATIVE | TODAY | YESTERDAY | TRUE | FALSE

_OR: "OR"i
_AND: "AND"i
CONTAINS: "CONTAINS"i
NOT: "NOT"i
BETWEEN: "BETWEEN"i
IS: "IS"i
NULL: "NULL"i
TODAY: "today"i
YESTERDAY: "yesterday"i
TRUE: "true"i
FALSE: "false"i
NAME: /[a-z_][a-z0-9_]*/i
OP: "!=" | ">=" | "<=" | "=" | ">" | "<"
LPAR: "("
_RPAR: ")"
_COMMA: ","
_COLON: ":"
STRING: /'(?:[^'\\]|\\.)*'/ | /"(?:[^"\\]|\\.)*"/
DATE.3: /\d{4}-\d{2}-\d{2}(?![0-9a-z_])/i
RELATIVE.2: /-?\d+[dwmy](?![0-9a-z_])/i
NUMBER.1: /-?\d+(\.\d+)?(?![0-9a-z_])/i

%import common.WS
%ignore WS
"""

TOKEN_WORDS = {
    "NAME": "a field name",
    "OP": "=, !=, >, >=, < or <=",
    "STRING": "a 'quoted text'",
    "NUMBER": "a number",
    "DATE": "a date like 2024-03-01",
    "RELATIVE": "a relative date like -90d",
    "LPAR": "(",
    "_RPAR": ")",
    "_AND": "AND",
    "_OR": "OR",
    "CONTAINS": "CONTAINS",
    "BETWEEN": "BETWEEN",
    "IS": "IS",
    "NOT": "NOT",
    "NULL": "NULL",
    "TODAY": "today",
    "YESTERDAY": "yesterday",
    "TRUE": "true",
    "FALSE": "false",
    "_COMMA": ",",
    "_COLON": ":",
}


class _Build(Transformer):
    """Called by the LALR parser as it reduces: builds query.ast nodes bottom-up, counting terms and depth."""

    def compare(self, children):
        subject, operator, value = children
        return _condition(subject, str(operator), (value,))

    def contains(self, children):
        subject, _keyword, value = children
        return _condition(subject, "CONTAINS", (value,))

    def not_contains(self, children):
        subject, _not, _contains, value = children
        return _condition(subject, "NOT CONTAINS", (value,))

    def between(self, children):
        subject, _keyword, low, high = children
        return _condition(subject, "BETWEEN", (low, high))

    def is_null(self, children):
        return _condition(children[0], "IS NULL", ())

    def is_not_null(self, children):
        return _condition(children[0], "IS NOT NULL", ())

    def subject(self, children):
        name = children[0]
        arguments = tuple(child for child in children[2:] if child is not None)
        return name, arguments

    def argument(self, children):
        name, value = children
        return str(name), _literal(value)

    def and_expr(self, children):
        return _group("AND", children)

    def or_expr(self, children):
        return _group("OR", children)

    def group(self, children):
        parenthesis, inner = children
        if isinstance(inner, Group):
            return _checked(
                Group(inner.kind, inner.parts, parenthesis.start_pos, inner.terms, inner.depth + 1)
            )
        return inner


def _condition(subject, operator: str, values) -> Condition:
    name, arguments = subject
    return Condition(
        field=str(name),
        operator=operator,
        values=tuple(_literal(value) for value in values),
        position=name.start_pos,
        arguments=arguments,
    )


def _group(kind: str, parts) -> Group:
    terms = sum(part.terms for part in parts)
    depth = 1 + max(part.depth for part in parts)
    position = min(part.position for part in parts)
    return _checked(Group(kind, tuple(parts), position, terms, depth))


def _checked(group: Group) -> Group:
    if group.terms > MAX_TERMS:
        raise SegmentQueryError(
            _("A segment can have at most %(limit)d conditions.") % {"limit": MAX_TERMS},
            position=group.position,
            hint=_("Split it into two segments, or use BETWEEN and CONTAINS instead of many conditions."),
        )
    if group.depth > MAX_DEPTH:
        raise SegmentQueryError(
            _("Conditions can be nested at most %(limit)d levels deep.") % {"limit": MAX_DEPTH},
            position=group.position,
            hint=_("Remove the parentheses that are not needed."),
        )
    return group


def _literal(token: Token) -> Literal:
    kind, text, position = token.type, str(token), token.start_pos
    if kind == "STRING":
        value = re.sub(r"\\(.)", r"\1", text[1:-1])
        if len(value) > MAX_STRING:
            raise SegmentQueryError(
                _("A text value can be at most %(limit)d characters long.") % {"limit": MAX_STRING},
                position=position,
            )
        return Literal(value, position, text)
    if kind == "NUMBER":
        try:
            number = Decimal(text)
        except InvalidOperation:  # the pattern admits only digits; kept for safety
            raise SegmentQueryError(_("This is not a number."), position=position) from None
        if abs(number) >= MAX_NUMBER:
            raise SegmentQueryError(
                _("This number is too large: use a number below 1,000,000,000,000."), position=position
            )
        return Literal(number, position, text)
    if kind == "DATE":
        try:
            return Literal(date.fromisoformat(text), position, text)
        except ValueError:
            raise SegmentQueryError(
                _("%(text)s is not a date of the calendar.") % {"text": text},
                position=position,
                hint=_("Write dates as year-month-day, like 2024-03-01."),
            ) from None
    if kind == "RELATIVE":
        amount, unit = abs(int(text[:-1])), text[-1].lower()
        if amount > MAX_RELATIVE[unit]:
            raise SegmentQueryError(_("This date is too far back."), position=position)
        return Literal(RelativeDate(amount, unit), position, text)
    if kind == "TODAY":
        return Literal(RelativeDate(0, "d"), position, text)
    if kind == "YESTERDAY":
        return Literal(RelativeDate(1, "d"), position, text)
    if kind in ("TRUE", "FALSE"):
        return Literal(kind == "TRUE", position, text)
    raise SegmentQueryError(_("A value was expected here."), position=position)  # pragma: no cover


_parser = Lark(GRAMMAR, parser="lalr", transformer=_Build(), maybe_placeholders=True)


def parse(text: str) -> Node:
    """The query's tree; SegmentQueryError (422) with a position and a hint when it cannot be read."""
    if not text.strip():
        raise SegmentQueryError(
            _("The segment has no conditions yet."), hint=_("Start with a field, like amount_spent > 100.")
        )
    if len(text) > MAX_LENGTH:
        raise SegmentQueryError(
            _("A segment query can be at most %(limit)d characters long.") % {"limit": MAX_LENGTH},
            position=MAX_LENGTH,
        )
    if "\x00" in text:
        raise SegmentQueryError(_("The query holds a NUL character."), position=text.index("\x00"))
    try:
        return _parser.parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None


def _syntax_error(text: str, error: UnexpectedInput) -> SegmentQueryError:
    if isinstance(error, UnexpectedEOF):
        return SegmentQueryError(
            _("The query ends too early."), position=len(text), hint=_expected(error.expected)
        )
    position = max(0, getattr(error, "pos_in_stream", None) or 0)
    if isinstance(error, UnexpectedCharacters):
        character = text[position : position + 1]
        if character in "'\"":
            return SegmentQueryError(
                _("This text has no closing quote."), position=position, hint=_("End it with %s.") % character
            )
        return SegmentQueryError(
            _("Unexpected character %(char)r.") % {"char": character},
            position=position,
            hint=_expected(error.allowed),
        )
    if isinstance(error, UnexpectedToken):
        if error.token.type == "$END":
            return SegmentQueryError(
                _("The query ends too early."), position=len(text), hint=_expected(error.expected)
            )
        return SegmentQueryError(
            _("Unexpected %(word)s.") % {"word": repr(str(error.token))[:60]},
            position=error.token.start_pos or position,
            hint=_expected(error.expected),
        )
    return SegmentQueryError(_("The query cannot be read here."), position=position)  # pragma: no cover


def _expected(terminals) -> str:
    words = sorted({TOKEN_WORDS.get(name, name.strip("_")) for name in terminals or () if name != "$END"})
    if not words:
        return ""
    return _("Expected %(words)s.") % {"words": ", ".join(words[:8])}
