"""The API's error contract: the error schemas, and every status an operation can answer in its schema.

Every 4xx (and the 503 of a busy server) under /api/ answers one shape
(`core.errors.error_body`)::

    404 {"error": "not_found", "detail": "No such customer.", "field": null}
    422 {"error": "invalid", "detail": "limit: Input should be greater than or equal to 1",
         "field": "limit",
         "errors": [{"error": "greater_than_equal", "detail": "...", "field": "limit"}]}

`document_error_responses` adds the statuses the machinery around an
operation can answer to its OpenAPI entry, so endpoints declare only what
their own code raises (`response={200: SurveyOut, 409: ErrorOut}`):

    401        it takes credentials (its auth class's `error_statuses`: 403 too for the staff session)
    400        it is a POST, PUT or PATCH (a body that is not JSON, or not what its Content-Type says)
    404        it has a path parameter (another store's id, or none at all)
    411, 413   it is a POST, PUT or PATCH (core.middleware.BodySizeLimitMiddleware)
    422        it has any parameter or body (validation)
    429, 503   when declared, with their Retry-After header

A 405 (a method no operation of the path has) and a 404 for an address no
operation has are answered in the same shape (web/errors.py); they belong to
no operation, so docs/api.md names them.
"""

import re
from collections.abc import Iterable

from ninja import Field, Router, Schema
from ninja.constants import NOT_SET

from .errors import error_body


class ErrorOut(Schema):
    """The body of every error answer."""

    error: str = Field(description="A machine code: not_found, invalid, unauthorized, conflict, ...")
    detail: str = Field(description="A sentence naming the problem, for people.")
    field: str | None = Field(
        description="The input at fault (`customer_id`, `events[3].type`, `questions[0].kind`), or null."
    )


class InvalidOut(ErrorOut):
    """A 422: the first problem at the top level, every problem found in `errors`."""

    errors: list[ErrorOut] = Field(
        description="Every problem found, the first being the one named above. Codes of validation "
        "problems are pydantic's error types (missing, string_type, greater_than_equal, ...)."
    )


DESCRIPTIONS = {
    400: "The body is not valid JSON (or holds NaN, duplicate keys, NUL, ...), or not what its "
    "Content-Type says.",
    401: "No valid credentials for this operation.",
    403: "Signed in, but the role (or the CSRF token) does not allow this.",
    404: "Nothing with this id in this store (or no such address).",
    409: "The request conflicts with the current state.",
    410: "The link has expired.",
    411: "A chunked body the server could not read: send a Content-Length.",
    413: "The body is larger than the server takes.",
    422: "An input is invalid; `field` names it, `errors` lists every problem.",
    429: "Too many requests: retry after the seconds in Retry-After.",
    503: "The server is busy: retry after the seconds in Retry-After.",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
WRITE_METHODS = {"POST", "PUT", "PATCH"}

# pydantic names the member of a union that failed (`score` -> `int`, `str`) in the error's location;
# a client never sent such a name, so the field path leaves it out.
_UNION_MEMBER = re.compile(r"^(?:int|str|float|bool|none|bytes|[\w-]+\[.*\])$")


def field_path(loc: Iterable, *, body_param: str | None = None) -> str | None:
    """A pydantic error location as the client wrote it: ("body", "payload", "events", 3, "type") ->
    "events[3].type"; the source (body, query, path) and the view's own body parameter name go."""
    parts = list(loc)
    source = parts.pop(0) if parts else None
    if source == "body" and body_param and parts and parts[0] == body_param:
        parts.pop(0)
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not _UNION_MEMBER.match(str(part)):
            path += f".{part}" if path else str(part)
    return path or None


def invalid_body(errors: list[dict]) -> dict:
    """The 422 body for validation errors that carry `loc`, `msg`, `type` (and `field`, when known)."""
    problems = []
    for problem in errors:
        field = problem.get("field", field_path(problem.get("loc", ())))
        message = problem.get("msg", "invalid")
        detail = f"{field}: {message}" if field else message
        problems.append(error_body(problem.get("type", "invalid"), detail, field))
    if not problems:
        return error_body("invalid", "The request is invalid.", None, errors=[])
    first = problems[0]
    return error_body("invalid", first["detail"], first["field"], errors=problems)


def document_error_responses(routers: Iterable[Router], *, api_auth) -> None:
    """Add to each operation's responses the error statuses it can answer, with their schema.

    Runs on the routers before the API binds them (before `api.urls`), so the
    schema and the runtime see the same operations.
    """
    for router in routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                auth = _effective(operation.auth_param, router.auth, api_auth)
                for status in sorted(_statuses(operation, auth)):
                    if status not in operation.response_models:
                        model = InvalidOut if status == 422 else ErrorOut
                        operation.response_models[status] = operation._create_response_model(model)
                _describe(operation)


def _effective(*auth_params):
    for auth in auth_params:
        if auth is not NOT_SET:
            return auth
    return None


def _statuses(operation, auth) -> set[int]:
    sources = {model.__ninja_param_source__ for model in operation.models}
    statuses = set()
    for callback in auth if isinstance(auth, list | tuple) else [auth] if auth else []:
        statuses |= set(getattr(callback, "error_statuses", (401,)))
    if "path" in sources:
        statuses.add(404)
    if WRITE_METHODS & set(operation.methods):
        # 400: a body that is not JSON, or a form body Django's CSRF check cannot read.
        statuses |= {400, 411, 413}
    if sources:
        statuses.add(422)
    return statuses


def _describe(operation) -> None:
    """A sentence for each error status, and the Retry-After header of 429 and 503."""
    extra = dict(operation.openapi_extra or {})
    responses = {key: dict(value) for key, value in extra.get("responses", {}).items()}
    for status in operation.response_models:
        if status in DESCRIPTIONS:
            entry = responses.setdefault(status, {})
            entry.setdefault("description", DESCRIPTIONS[status])
            if status in (429, 503):
                entry.setdefault("headers", RETRY_AFTER)
    extra["responses"] = responses
    operation.openapi_extra = extra
