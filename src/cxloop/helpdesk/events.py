"""The help desk's outgoing webhook events (registered in apps.py, published by the services)."""

from django.utils.translation import gettext_lazy as _

CONVERSATION_CREATED = "conversation.created"
MESSAGE_CREATED = "message.created"
CONVERSATION_RESOLVED = "conversation.resolved"
RULE_FIRED = "rule.fired"

EVENTS = {
    CONVERSATION_CREATED: _("A customer started a help-desk conversation."),
    MESSAGE_CREATED: _("A message was added to a conversation (from the customer or a reply)."),
    CONVERSATION_RESOLVED: _("A conversation was resolved."),
    RULE_FIRED: _("An automation rule with the “Send the rule.fired webhook event” action fired."),
}
