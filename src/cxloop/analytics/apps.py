from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "cxloop.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self):
        from cxloop.commerce.personal_data import register_personal_data
        from cxloop.commerce.services.events import register_linked_listener
        from cxloop.commerce.services.orders import register_removed_listener

        from . import erasure

        # An erased customer (or store) leaves the warehouse at the next sync (analytics.sync).
        register_personal_data(
            "analytics", erase_person=erasure.erase_person, erase_store=erasure.erase_store
        )
        # A visitor identified later: their earlier events in the warehouse become theirs too.
        register_linked_listener(erasure.link_visitor)
        # A platform's deleted order leaves it too, and the rollups made of it (analytics.rollups).
        register_removed_listener(erasure.remove_order)
