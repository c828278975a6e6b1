"""Why an invitation was not sent: the reason codes stored in Invitation.skip_reason, named for staff."""

from django.utils.translation import gettext_lazy

SKIP_REASONS = {
    # Refused by the contact policy or the survey when inviting.
    "throttled": gettext_lazy("Asked too recently"),
    "no_consent": gettext_lazy("No email consent"),
    "suppressed": gettext_lazy("Unsubscribed or bounced"),
    "no_email": gettext_lazy("No email address"),
    "sampled_out": gettext_lazy("Not in the sample"),
    "erased": gettext_lazy("Data erased"),
    # Found when sending.
    "survey_closed": gettext_lazy("Survey closed before sending"),
    "expired": gettext_lazy("Link expired before sending"),
    "invalid_email": gettext_lazy("Email address not valid"),
    "message_error": gettext_lazy("Message could not be built"),
    "recipient_refused": gettext_lazy("Mail server refused the address"),
    "smtp_error": gettext_lazy("Mail server unreachable after retries"),
    "interrupted": gettext_lazy("Sending was interrupted"),
}


def skip_reason_label(reason: str) -> str:
    return str(SKIP_REASONS.get(reason, reason))
