from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HooksConfig(AppConfig):
    name = "cxloop.hooks"
    label = "hooks"
    verbose_name = "Outgoing webhooks"

    def ready(self):
        from cxloop.core import store_config

        from .events import PING, register_event
        from .models import WebhookEndpoint

        store_config.watch(WebhookEndpoint)  # the endpoints are read once while unchanged

        register_event(PING, _("A test event, sent from the webhooks page or the API."))
