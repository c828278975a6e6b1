"""Domain errors of surveys; views and endpoints turn them into clear 4xx answers."""

from cxloop.core.errors import Conflict, DomainError, InvalidInput, NotFound


class SurveyClosed(Conflict):
    code = "survey_closed"


class LinkExpired(DomainError):
    status = 410
    code = "link_expired"


class UnknownLink(NotFound):
    code = "unknown_link"


class InvalidAnswer(InvalidInput):
    code = "invalid_answer"
