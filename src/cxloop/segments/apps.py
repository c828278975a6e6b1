from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "cxloop.segments"
    label = "segments"
    verbose_name = "Segments"

    def ready(self):
        from cxloop.commerce.personal_data import register_personal_data
        from cxloop.core import store_config

        from .models import Segment
        from .services import members, predictions

        store_config.watch(Segment)  # the desk's VIP segment is part of its kept settings

        register_personal_data(
            "segments",
            erase_person=predictions.erase_person,
            erase_store=predictions.erase_store,
            export=predictions.export_person,
        )
        register_personal_data(  # an erased customer leaves every segment at once, never to come back
            "segment_members",
            erase_person=members.erase_person,
            erase_store=members.erase_store,
            export=members.export_person,
        )

        from .query.builtins import register_builtin_fields

        register_builtin_fields()
