"""A segment query that cannot be used: what is wrong, where, and what would be right."""

from cxloop.core.errors import InvalidInput


class SegmentQueryError(InvalidInput):
    """422: the query is refused; `position` (0-based, in characters) points at the fault."""

    code = "invalid_segment_query"

    def __init__(self, message: str, *, position: int = 0, hint: str = ""):
        super().__init__(message, field="query")
        self.position = position
        self.hint = hint

    def as_dict(self) -> dict:
        body = super().as_dict()
        body["position"] = self.position
        body["hint"] = self.hint
        for error in body.get("errors", []):
            error.update(position=self.position, hint=self.hint)
        return body
