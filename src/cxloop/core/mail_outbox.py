"""The development outbox: an email backend that keeps every message in the database.

The demo (`DEBUG=1`, no `EMAIL_BACKEND`) uses it, so a newcomer reads the
survey invitations and password-reset mails on the staff outbox page
(`/outbox/`) instead of digging them out of the server log. It also prints each
message, as Django's console backend does. Both the web server and the worker
send mail, so messages go to a table that both share.

The table is pruned as it is written: it keeps the newest
settings.CXLOOP_OUTBOX_KEEP messages (500), none older than
settings.CXLOOP_OUTBOX_KEEP_DAYS (14), so a demo left running does not grow for ever.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.utils import timezone

from .models import OutboxMessage


def _parts(message) -> tuple[str, str]:
    """The text and HTML bodies of an EmailMessage (or EmailMultiAlternatives)."""
    text, html = "", ""
    if getattr(message, "content_subtype", "plain") == "html":
        html = message.body
    else:
        text = message.body
    for content, mimetype in getattr(message, "alternatives", None) or []:
        if mimetype == "text/html" and not html:
            html = content
        elif mimetype == "text/plain" and not text:
            text = content
    return str(text), str(html)


class OutboxBackend(ConsoleBackend):
    """Print each message like the console backend, and keep it as an `OutboxMessage`."""

    def send_messages(self, email_messages):
        if not email_messages:
            return 0
        sent = super().send_messages(email_messages)
        for message in email_messages:
            if not message.recipients():
                continue
            text, html = _parts(message)
            OutboxMessage.objects.create(
                from_email=message.from_email or "",
                to=", ".join(message.recipients()),
                subject=str(message.subject),
                text_body=text,
                html_body=html,
                raw=message.message().as_string(),
            )
        prune_outbox()
        return sent


def prune_outbox(*, now: datetime | None = None) -> int:
    """Delete the messages beyond the newest CXLOOP_OUTBOX_KEEP or older than CXLOOP_OUTBOX_KEEP_DAYS."""
    now = now or timezone.now()
    keep = settings.CXLOOP_OUTBOX_KEEP
    deleted, _ = OutboxMessage.objects.filter(
        created_at__lt=now - timedelta(days=settings.CXLOOP_OUTBOX_KEEP_DAYS)
    ).delete()
    # Ids grow with time, so the newest messages are those with the highest ids.
    beyond = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True)[keep : keep + 1]
    if beyond:
        deleted += OutboxMessage.objects.filter(pk__lte=beyond[0]).delete()[0]
    return deleted
