from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "cxloop.helpdesk"
    label = "helpdesk"
    verbose_name = "Help desk"

    def ready(self):
        from cxloop.hooks.events import register_event

        from . import webhooks
        from .events import EVENTS

        webhooks.connect()

        for name, description in EVENTS.items():
            register_event(name, description)
