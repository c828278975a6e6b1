"""Domain errors, and the one shape every JSON error answer takes.

Views and endpoints turn domain errors into clear 4xx answers. Under /api/
and /webhooks/ every error answer is one JSON object (docs/api.md):

    {"error": "not_found", "detail": "No such customer.", "field": null}

`error` is a machine code, `detail` a sentence naming the problem, `field`
the path of the input at fault (`customer_id`, `events[3].type`) or null. A
422 also lists every problem found in `errors`, each of the same shape; the
first is the one the top level names.
"""


def error_body(code: str, detail: str, field: str | None = None, **extra) -> dict:
    """The JSON body of an error answer: `{"error", "detail", "field"}` and any `extra` keys."""
    return {"error": code, "detail": detail, "field": field, **extra}


class DomainError(Exception):
    """A request that cannot be carried out; `status` is the HTTP answer."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_dict(self) -> dict:
        body = error_body(self.code, self.message, self.field or None)
        if self.status == 422:
            body["errors"] = [dict(body)]
        return body


class InvalidInput(DomainError):
    status = 422
    code = "invalid"


class MalformedBody(DomainError):
    status = 400
    code = "malformed_body"


class BodyTooLarge(DomainError):
    status = 413
    code = "body_too_large"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Gone(DomainError):
    status = 410
    code = "gone"


class RateLimited(DomainError):
    """Too many requests in a rate-limit window; `retry_after` is the seconds until it ends.

    The body (`as_dict`) includes `retry_after`; an endpoint sends it as the
    Retry-After header as well.
    """

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None, code: str | None = None):
        super().__init__(message, field=field, code=code)
        self.retry_after = retry_after

    def as_dict(self) -> dict:
        return {**super().as_dict(), "retry_after": self.retry_after}
