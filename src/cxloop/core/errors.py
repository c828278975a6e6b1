"""Domain errors. Views and endpoints turn them into clear 4xx answers."""


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
        body = {"error": self.code, "detail": self.message}
        if self.field:
            body["field"] = self.field
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
