from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "cxloop.helpdesk"
    label = "helpdesk"
    verbose_name = "Help desk"

    def ready(self):
        from cxloop.hooks.events import register_event
        from cxloop.surveys.services.followup import register_low_score_listener

        from . import webhooks
        from .events import EVENTS
        from .services.rules import run_low_score_rules

        webhooks.connect()

        for name, description in EVENTS.items():
            register_event(name, description)

        register_low_score_listener(run_low_score_rules)  # the "low survey score" rule trigger
