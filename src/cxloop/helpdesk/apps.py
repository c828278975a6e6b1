from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "cxloop.helpdesk"
    label = "helpdesk"
    verbose_name = "Help desk"

    def ready(self):
        from cxloop.commerce.personal_data import register_personal_data
        from cxloop.commerce.services import register_renamed_listener
        from cxloop.hooks.events import register_event
        from cxloop.surveys.services.followup import register_low_score_listener

        from . import webhooks
        from .events import EVENTS
        from .services import privacy
        from .services.indexing import reindex_customers, reindex_erased
        from .services.rules import run_low_score_rules

        webhooks.connect()
        # What arriving mail reads for every mail, kept while unchanged (core/store_config.py).
        from cxloop.core import store_config

        from .models import DeskSettings, Mailbox, Rule, SlaPolicy, Team

        store_config.watch(DeskSettings, Mailbox, Rule, SlaPolicy, Team)
        register_personal_data(
            "helpdesk",
            erase_person=privacy.erase_contact,
            erase_store=privacy.erase_store,
            export=privacy.build_contact_export,
        )

        for name, description in EVENTS.items():
            register_event(name, description)

        register_low_score_listener(run_low_score_rules)  # the "low survey score" rule trigger
        # An erased conversation is found by what it holds now ("[erased]"), never by the old words.
        privacy.register_erased_listener(reindex_erased)
        # A renamed customer is found by the new name, not the old one, in the conversations' search.
        register_renamed_listener(reindex_customers)

        from .segment_fields import register_helpdesk_fields

        register_helpdesk_fields()  # contacted_support, has_open_conversation in segment queries
