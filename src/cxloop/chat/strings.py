"""The widget's words, translated here with Django's i18n and sent with `start` in the visitor's language.

A word not yet translated in a language's catalogue is sent in English (gettext's msgid).
"""

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def widget_strings(store_name: str) -> dict[str, str]:
    return {
        "title": _("Chat with %(store)s") % {"store": store_name},
        "close": _("Close the chat"),
        "placeholder": _("Type your message…"),
        "send": _("Send"),
        "you": _("You"),
        "staff": _("Staff"),
        "typing": _("Typing…"),
        "sending": _("Sending…"),
        "not_sent": _("Not sent yet; it will be sent when the connection is back."),
        "offline": _("We're away right now."),
        "opens_at": _("We'll answer from %(time)s."),
        "leave_email": _("Leave your email address and we'll answer you there."),
        "email": _("Email address"),
        "name": _("Your name"),
        "save": _("Save"),
        "saved": _("Thank you. We'll reply to this address."),
        "verify_sent": _("We sent you a link to confirm this address."),
        "suggested": _("These articles may answer your question:"),
        "answered": _("This answered my question"),
        "person": _("Talk to a person"),
        "glad": _("Glad it helped!"),
        "order_button": _("Where is my order?"),
        "order_number": _("Order number"),
        "order_email": _("Email used for the order"),
        "order_look": _("Check the order"),
        "order_status": _("Status"),
        "order_placed": _("Placed"),
        "order_items": _("Items"),
        "tracking": _("Track the parcel"),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "error": _("Something went wrong. Please try again."),
        "help_centre": _("Help centre"),
        "welcome": _("Hi! How can we help?"),
        "flow_details": _("Tell us more (optional)"),
        "attach": _("Send a photo or PDF"),
        "file_too_large": _("This file is too large: files up to %(limit)s can be sent.")
        % {"limit": filesizeformat(settings.CXLOOP_CHAT_MAX_FILE_BYTES)},
        "file_removed": _("removed"),
        "file_failed": _("The file could not be opened. Please try again."),
    }
