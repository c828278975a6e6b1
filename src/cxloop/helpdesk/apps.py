from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "cxloop.helpdesk"
    label = "helpdesk"
    verbose_name = "Help desk"

    def ready(self):
        from cxloop.commerce.personal_data import register_personal_data
        from cxloop.hooks.events import register_event

        from . import webhooks
        from .events import EVENTS
        from .services import privacy

        webhooks.connect()
        register_personal_data(
            "helpdesk",
            erase_person=privacy.erase_contact,
            erase_store=privacy.erase_store,
            export=privacy.build_contact_export,
        )

        for name, description in EVENTS.items():
            register_event(name, description)
