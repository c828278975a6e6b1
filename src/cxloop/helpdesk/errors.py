"""Domain errors of the help desk; views, endpoints and webhooks turn them into clear 4xx answers."""

from cxloop.core.errors import DomainError, NotFound


class MailRejected(DomainError):
    """The bytes could not be taken as a mail (helpdesk.mail.parse.MailRefused); nothing was stored."""

    status = 422
    code = "mail_refused"


class MailFlood(DomainError):
    """One sender wrote to one store more often than the flood limit allows; nothing was stored.

    `retry_after` is the number of seconds until the sender's window ends.
    """

    status = 429
    code = "too_many_mails"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class UnknownRecipient(NotFound):
    """A mail forwarded to an inbound address no store receives at."""

    code = "unknown_recipient"
