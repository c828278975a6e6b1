from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HooksConfig(AppConfig):
    name = "cxloop.hooks"
    label = "hooks"
    verbose_name = "Outgoing webhooks"

    def ready(self):
        from .events import PING, register_event

        register_event(PING, _("A test event, sent from the webhooks page or the API."))
