"""Hypothesis strategies for requests a client might send: from the API's OpenAPI schema, or by hand.

Values follow the schema's shape but lean on the edges where servers break:
integers past 64 bits and below zero, dates at year 1 and 9999 with far
time-zone offsets, strings with NUL, right-to-left marks, non-ASCII digits
and SQL, and now and then a value of the wrong type. Real values of the test
store (`known`: ids, tokens, emails) are mixed in, so requests also reach
past "not found".

    strategies = OpenApiStrategies(api.get_openapi_schema(), known=Known(names={"survey_id": 7}))
    for path, method, operation in strategies.operations():
        for request in strategies.sweep(path, operation):   # one edge value at a time
            ...                                             # Request(path, query, body)

        @given(strategies.request(path, operation))         # generated requests
        def check(request): ...
"""

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta, timezone
from urllib.parse import quote

from hypothesis import strategies as st

EDGE_INTS = [
    0, 1, -1, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 10**30,
]  # fmt: skip
EDGE_DATES = ["0001-01-01", "1899-12-31", "1900-01-01", "1970-01-01", "2999-12-31", "3000-01-01",
              "9999-12-30", "9999-12-31"]  # fmt: skip
EDGE_DATETIMES = [
    "0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59", "9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59.999999Z",
    "1970-01-01T00:00:00Z", "2999-12-31T23:59:59-23:59", "99999999999", "-1",
]  # fmt: skip
ODD_STRINGS = [
    "", " ", "\x00", "a\x00b", "%", "%00", "\u202e", "\u0661\u0662", "１２", "1e309", "NaN", "-0", "+1",
    "1_000", "0x10", "' OR 1=1 --", "<script>", "../../etc", "\ud7ff", "😀", "x" * 300,
    "9" * 25, "-" + "9" * 25,
]  # fmt: skip


# The few values the edge sweep tries for each integer or date, one at a time.
SWEEP_INTS = [0, -1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30]
SWEEP_DATETIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59"]
SWEEP_DATES = ["0001-01-01", "9999-12-31", "9999-12-30"]
SWEEP_TEXTS = ["a\x00", "\u0661"]  # in a URL only: JSON bodies with NUL are refused whole


@dataclass
class Known:
    """Real values of the test store, tried beside the invented ones; `names` by parameter or field name."""

    ints: list[int] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    names: dict[str, object] = field(default_factory=dict)


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    body: object  # a JSON value, or NO_BODY


NO_BODY = object()
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def edge_ints(known: Known | None = None) -> st.SearchStrategy[int]:
    choices = st.sampled_from(EDGE_INTS) | st.integers(min_value=-(2**70), max_value=2**70)
    if known and known.ints:
        choices = st.sampled_from(known.ints) | choices
    return choices


def edge_strings(known: Known | None = None) -> st.SearchStrategy[str]:
    dates = st.sampled_from(EDGE_DATES + EDGE_DATETIMES) | _datetimes() | st.dates().map(date.isoformat)
    choices = st.sampled_from(ODD_STRINGS) | st.text(max_size=40) | dates | edge_ints().map(str)
    if known and known.strings:
        choices = st.sampled_from(known.strings) | choices
    return choices


def _datetimes() -> st.SearchStrategy[str]:
    offsets = st.sampled_from(
        [UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=12, minutes=59))]
    )
    return st.builds(lambda moment, tz: moment.replace(tzinfo=tz).isoformat(), st.datetimes(), offsets)


def any_json(known: Known | None = None, keys: list[str] | None = None) -> st.SearchStrategy:
    """Any JSON value; objects take their keys from `keys` when given."""
    key = st.sampled_from(keys) | st.text(max_size=10) if keys else st.text(max_size=10)
    scalars = st.none() | st.booleans() | edge_ints(known) | st.floats(allow_nan=False) | edge_strings(known)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(key, inner, max_size=6),
        max_leaves=12,
    )


class OpenApiStrategies:
    """Requests for each operation of an OpenAPI 3 document, as hypothesis strategies."""

    def __init__(self, schema: dict, *, known: Known | None = None):
        self.schema = schema
        self.known = known or Known()

    def operations(self) -> list[tuple[str, str, dict]]:
        """Every (path, METHOD, operation) of the document, in a stable order."""
        return [
            (path, method.upper(), operation)
            for path, methods in sorted(self.schema["paths"].items())
            for method, operation in sorted(methods.items())
            if method in HTTP_METHODS
        ]

    def request(self, path: str, operation: dict) -> st.SearchStrategy[Request]:
        parameters = operation.get("parameters", [])
        in_path = {
            p["name"]: self._named(p["name"], _as_text) | self.path_value(p.get("schema", {}))
            for p in parameters
            if p["in"] == "path"
        }
        in_query = {
            p["name"]: st.none()
            | st.lists(self._named(p["name"], _as_text) | self.query_value(p.get("schema", {})), max_size=2)
            for p in parameters
            if p["in"] == "query"
        }
        return st.builds(
            lambda values, query, body: Request(
                path=re.sub(r"\{(\w+)\}", lambda m: quote(values[m.group(1)], safe=""), path),
                query={name: value for name, value in query.items() if value is not None},
                body=body,
            ),
            st.fixed_dictionaries(in_path),
            st.fixed_dictionaries(in_query),
            self.body(operation),
        )

    def _named(self, name: str, convert=lambda value: value) -> st.SearchStrategy:
        if name in self.known.names:
            return st.just(convert(self.known.names[name]))
        return st.nothing()

    def path_value(self, schema: dict) -> st.SearchStrategy[str]:
        return self.value(schema).map(_as_text) | edge_strings(self.known).filter(
            lambda s: s and "/" not in s
        )

    def query_value(self, schema: dict) -> st.SearchStrategy[str]:
        return self.value(schema).map(_as_text) | edge_strings(self.known)

    def body(self, operation: dict) -> st.SearchStrategy:
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            return st.just(NO_BODY)
        return self.value(content["application/json"].get("schema", {}))

    def value(self, schema: dict) -> st.SearchStrategy:
        """A value of this JSON schema, edge values included; one time in four of any type."""
        shaped = self._shaped(self._resolve(schema))
        return st.one_of(shaped, shaped, shaped, any_json(self.known, self._keys(schema)))

    def _shaped(self, schema: dict) -> st.SearchStrategy:
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                return st.one_of([self.value(sub) for sub in schema[combinator]])
        if "allOf" in schema:
            return self.value(schema["allOf"][0])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        kind = schema.get("type")
        if kind == "integer":
            low, high = schema.get("minimum"), schema.get("maximum")
            return edge_ints(self.known) | st.integers(min_value=low, max_value=high)
        if kind == "number":
            return st.floats(allow_nan=False) | edge_ints(self.known)
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        if kind == "string":
            return self._string(schema)
        if kind == "array":
            return st.lists(
                self.value(schema.get("items", {})), max_size=min(schema.get("maxItems", 4), 4) + 1
            )
        if kind == "object" or "properties" in schema:
            return self._object(schema)
        return any_json(self.known, self._keys(schema))

    def _string(self, schema: dict) -> st.SearchStrategy[str]:
        formats = {
            "date-time": st.sampled_from(EDGE_DATETIMES) | _datetimes(),
            "date": st.sampled_from(EDGE_DATES) | st.dates().map(date.isoformat),
        }
        shaped = formats.get(schema.get("format"), st.text(max_size=schema.get("maxLength", 60)))
        return shaped | edge_strings(self.known)

    def _object(self, schema: dict) -> st.SearchStrategy[dict]:
        properties = {
            name: self._named(name) | self.value(sub) for name, sub in schema.get("properties", {}).items()
        }
        required = set(schema.get("required", []))
        extra = schema.get("additionalProperties")
        shaped = st.fixed_dictionaries(
            {name: value for name, value in properties.items() if name in required},
            optional={name: value for name, value in properties.items() if name not in required},
        )
        if isinstance(extra, dict) or (extra is not False and not properties):
            values = (
                self.value(extra) if isinstance(extra, dict) else any_json(self.known, self._keys(schema))
            )
            more = st.dictionaries(
                st.sampled_from(self._keys(schema)) | st.text(max_size=8), values, max_size=4
            )
            shaped = st.builds(lambda fixed, added: {**added, **fixed}, shaped, more)
        return shaped

    def sweep(self, path: str, operation: dict) -> list[Request]:
        """Requests that each put one edge value in one integer or date parameter or body field.

        The rest of the request is as plain as the schema allows (known values by
        name, else the smallest valid), so the edge value is what the server meets.
        """
        parameters = operation.get("parameters", [])
        path_values = {p["name"]: _as_text(self._plain(p["name"], p.get("schema", {}))) for p in parameters
                       if p["in"] == "path"}  # fmt: skip
        content = operation.get("requestBody", {}).get("content", {})
        body_schema = (
            self._resolve(content["application/json"]["schema"]) if "application/json" in content else None
        )
        body = self._plain("", body_schema) if body_schema is not None else NO_BODY

        def build(values: dict, query: dict, payload) -> Request:
            return Request(
                path=re.sub(r"\{(\w+)\}", lambda m: quote(values[m.group(1)], safe=""), path),
                query=query,
                body=payload,
            )

        requests = []
        for parameter in parameters:
            name = parameter["name"]
            for edge in self._edges(parameter.get("schema", {})) + SWEEP_TEXTS:
                if parameter["in"] == "path":
                    requests.append(build({**path_values, name: _as_text(edge)}, {}, body))
                elif parameter["in"] == "query":
                    requests.append(build(path_values, {name: [_as_text(edge)]}, body))
        for name, sub in (body_schema or {}).get("properties", {}).items():
            for edge in self._edges(sub):
                requests.append(build(path_values, {}, {**body, name: edge}))
            for edge in self._edges(self._items(sub)):
                requests.append(build(path_values, {}, {**body, name: [edge]}))
        return requests

    def _items(self, schema: dict) -> dict:
        """The schema of an array's items (of the array choice of an anyOf), or {}."""
        schema = self._resolve(schema)
        for choice in [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]:
            choice = self._resolve(choice)
            if choice.get("type") == "array":
                return choice.get("items", {})
        return {}

    def _edges(self, schema: dict) -> list:
        schema = self._resolve(schema)
        kinds = [self._resolve(sub) for sub in schema.get("anyOf", schema.get("oneOf", [schema]))]
        edges = []
        for kind in kinds:
            if kind.get("type") == "integer":
                edges += SWEEP_INTS
            elif kind.get("format") == "date-time":
                edges += SWEEP_DATETIMES
            elif kind.get("format") == "date":
                edges += SWEEP_DATES
        return edges

    def _plain(self, name: str, schema: dict):
        """The plainest valid value: a known one by name, else the first choice or the smallest."""
        if name in self.known.names:
            return self.known.names[name]
        schema = self._resolve(schema)
        if "properties" in schema:
            # An object whose oneOf only says which fields are required ("either ids or emails"):
            # the first choice's required fields with the object's own.
            choice = (schema.get("anyOf") or schema.get("oneOf") or [{}])[0]
            properties = schema["properties"]
            required = dict.fromkeys([*schema.get("required", []), *choice.get("required", [])])
            return {key: self._plain(key, properties[key]) for key in required}
        if "anyOf" in schema or "oneOf" in schema:
            return self._plain(name, (schema.get("anyOf") or schema.get("oneOf"))[0])
        if "default" in schema:
            return schema["default"]
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            properties = schema.get("properties", {})
            return {key: self._plain(key, properties[key]) for key in schema.get("required", [])}
        return {"integer": schema.get("minimum", 1), "number": 1, "boolean": False, "array": [],
                "string": "x" * schema.get("minLength", 1), "null": None}.get(kind)  # fmt: skip

    def _resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            *_, section, name = schema["$ref"].split("/")
            schema = self.schema["components"][section][name]
        if isinstance(schema.get("type"), list):
            # `{"type": ["string", "integer"]}` is the same as an anyOf of each type.
            rest = {key: value for key, value in schema.items() if key != "type"}
            schema = {"anyOf": [{**rest, "type": kind} for kind in schema["type"]]}
        return schema

    def _keys(self, schema: dict) -> list[str]:
        """Names an object of this schema may hold: its properties and the words its description names."""
        schema = self._resolve(schema)
        words = re.findall(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z]{4,}\b", schema.get("description", ""))
        return sorted(set(schema.get("properties", {})) | set(words)) or ["id"]


def _as_text(value) -> str:
    """A JSON value as it would travel in a URL: numbers and words as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value)


def encode_body(body) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()
