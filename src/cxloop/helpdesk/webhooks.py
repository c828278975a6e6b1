"""Mail forwarded by a provider's inbound webhook (django-anymail): Mailgun, Postmark, SendGrid, Amazon SES.

    POST /webhooks/inbound/mailgun/mime/  Mailgun route "store and notify" / forward (MIME or parsed fields)
    POST /webhooks/inbound/postmark/    Postmark inbound stream ("include raw email content")
    POST /webhooks/inbound/sendgrid/    SendGrid Inbound Parse ("POST the raw, full MIME message")
    POST /webhooks/inbound/amazon-ses/  Amazon SES receipt rule -> SNS action (UTF-8 or Base64 content)

anymail checks each provider's signature (Mailgun: HMAC-SHA256 of timestamp
and token under MAILGUN_WEBHOOK_SIGNING_KEY; the others: the HTTP basic auth
ANYMAIL_WEBHOOK_SECRET put in the webhook URL; for Amazon SES cxloop also
checks the SNS message signature and topic, sns.py) and sends its `inbound`
signal; `take_inbound` finds the store from the recipients and calls
`services.inbound_group.receive` with the raw MIME: `services.inbound.receive_email`,
in one transaction with the other requests' mails that arrive at the same time.

Answers (every error the project's JSON `{error, detail, field}`):

- 200: the mail is stored (or was stored before: a provider's retry).
- 404 unknown_recipient: no store receives mail at any of its recipients.
  Never dropped silently: the provider keeps it in its log and bounces or
  retries it, and a warning is logged here.
- 422 mail_refused: the bytes are not a mail cxloop can read (the reason is named).
- 429 too_many_mails (Retry-After): the sender's flood limit; the provider retries later.
- 403: the signature or credentials are wrong, or this provider's secret is not
  configured (an inbound webhook never runs unauthenticated).
- 400: the provider's payload could not be read.
- 503 signature_unverifiable (Retry-After): SES only, SNS's signing certificate could not be
  fetched; SNS delivers again later (it does not retry a 4xx).

Recipients tried, in order: the envelope recipient, To, Cc, Delivered-To. A
`<store-slug>@<CXLOOP_HELPDESK_INBOUND_DOMAIN>` address names the store; a
valid `reply+<token>@...` address names its conversation's store.
"""

import logging

from anymail.exceptions import AnymailError, AnymailWebhookValidationFailure
from anymail.signals import inbound
from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from django.conf import settings
from django.http import JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cxloop.core.errors import DomainError, error_body
from cxloop.core.models import Store

from . import addresses
from .errors import MailFlood, MailRejected, UnknownRecipient
from .mail.headers import address_list, raw_headers
from .services import inbound_group
from .services.inbound import conversation_for_reply_address, delivered_to
from .sns import SnsCertUnavailable, SnsSignatureInvalid, verify_sns_message

logger = logging.getLogger(__name__)


def store_for_recipient(address: str) -> Store | None:
    """The store a recipient address delivers to: `<slug>@<inbound domain>` or a valid reply address."""
    address = (address or "").strip().lower()
    local, _at, domain = address.rpartition("@")
    if not local or domain != addresses.inbound_domain().lower():
        return None
    if local.startswith("reply+"):
        conversation = conversation_for_reply_address(None, address)
        return conversation.store if conversation is not None else None
    return Store.objects.filter(slug=local).first()


def take_inbound(sender, event, esp_name, **kwargs):
    """anymail's `inbound` signal: store the forwarded mail for the store it was sent to."""
    message = event.message
    try:
        raw = message.as_bytes()
    except Exception as error:  # a message the provider parsed but the standard library cannot write back
        raise MailRejected(
            _("The forwarded message could not be read as an email (%(error)s).")
            % {"error": type(error).__name__}
        ) from None
    recipients = [message.envelope_recipient or ""]
    for header in ("to", "cc"):
        # Read raw and parsed by our own header code: the standard library's parser (behind
        # anymail's `message.to`) raises on some malformed address lists.
        recipients.extend(address for _name, address in address_list(raw_headers(message, header)))
    recipients.extend(delivered_to(raw))
    for recipient in recipients:
        store = store_for_recipient(recipient)
        if store is not None:
            inbound_group.receive(store=store, raw=raw, recipient=recipient)
            return
    logger.warning(
        "Help desk: %s forwarded a mail to no store's address (recipients %s); answered 404",
        esp_name,
        ", ".join(r for r in recipients if r)[:500],
    )
    raise UnknownRecipient(
        _("No store receives mail at %(addresses)s.")
        % {"addresses": ", ".join(r for r in recipients if r)[:500] or _("these recipients")}
    )


def connect() -> None:
    inbound.connect(take_inbound, dispatch_uid="cxloop.helpdesk.inbound")


class UnreadablePayload(AnymailError):
    """The provider's post could not be parsed (answered 400, as anymail's own parse errors are)."""


class ParsedSafely:
    """A provider view whose parsing of the post raises only AnymailError.

    The standard library's mail parser, which anymail calls, raises IndexError and the like on some
    malformed headers (a Content-Type of `;0*`): that reached the provider as a 500, which it retries
    for days. Errors after parsing (storing the mail) are not caught here: a 5xx there is right."""

    def parse_events(self, request):
        try:
            return super().parse_events(request)
        except AnymailError:
            raise
        except Exception as error:
            raise UnreadablePayload(f"{type(error).__name__}: {error}") from error


class PostmarkInbound(ParsedSafely, PostmarkInboundWebhookView):
    pass


class SendGridInbound(ParsedSafely, SendGridInboundWebhookView):
    pass


class MailgunInbound(ParsedSafely, MailgunInboundWebhookView):
    """Mailgun's requests are signed: its signing key is their proof, without the basic auth of the others."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.basic_auth = []


class AmazonSESInbound(ParsedSafely, AmazonSESInboundWebhookView):
    """SNS posts SES's mail: besides the basic auth, its message signature and topic are checked."""

    def validate_request(self, request):
        if not settings.CXLOOP_SES_VERIFY_SIGNATURES:
            return
        try:
            verify_sns_message(self._parse_sns_message(request))
        except SnsSignatureInvalid as error:
            raise AnymailWebhookValidationFailure(f"SNS signature: {error}") from None


def _configured(provider: str) -> bool:
    options = getattr(settings, "ANYMAIL", {})
    if provider == "mailgun":
        return bool(options.get("MAILGUN_WEBHOOK_SIGNING_KEY"))
    return bool(options.get("WEBHOOK_SECRET"))


def _inbound_view(provider: str, view_class):
    view = view_class.as_view()

    @csrf_exempt
    def receive(request, *args, **kwargs):
        if not _configured(provider):
            detail = _("This server takes no inbound mail from %(provider)s: its webhook secret is not set.")
            return JsonResponse(error_body("forbidden", detail % {"provider": provider}), status=403)
        try:
            return view(request, *args, **kwargs)
        except AnymailWebhookValidationFailure as error:
            logger.warning("Help desk: %s inbound webhook refused: %s", provider, str(error)[:300])
            detail = _("The webhook's signature or credentials are not valid.")
            return JsonResponse(error_body("forbidden", detail), status=403)
        except SnsCertUnavailable as error:
            logger.warning("Help desk: SES inbound not verified now: %s", error)
            detail = _("The message's signature could not be checked now; send it again later.")
            response = JsonResponse(error_body("signature_unverifiable", detail), status=503)
            response["Retry-After"] = "60"
            return response
        except DomainError as error:
            response = JsonResponse(error.as_dict(), status=error.status)
            if isinstance(error, MailFlood):
                response["Retry-After"] = str(error.retry_after)
            return response
        except AnymailError as error:
            detail = _("The provider's payload could not be read: %(error)s") % {"error": str(error)[:300]}
            return JsonResponse(error_body("bad_request", detail), status=400)

    return receive


urlpatterns = [
    # Mailgun posts the raw MIME (body-mime) to a URL ending in "mime", parsed fields to any other.
    re_path(
        r"^mailgun/(?:mime/)?$", _inbound_view("mailgun", MailgunInbound), name="helpdesk-inbound-mailgun"
    ),
    path("postmark/", _inbound_view("postmark", PostmarkInbound), name="helpdesk-inbound-postmark"),
    path("sendgrid/", _inbound_view("sendgrid", SendGridInbound), name="helpdesk-inbound-sendgrid"),
    path(
        "amazon-ses/",
        _inbound_view("amazon-ses", AmazonSESInbound),
        name="helpdesk-inbound-amazon-ses",
    ),
]
