from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "cxloop.core"
    label = "core"
    verbose_name = "Stores and staff"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks, store_config  # noqa: F401 (checks registers the system checks)
        from .inputs import DbIdConverter
        from .statistics import after_migrate
        from .workers import connect_task_signals

        # `<id:...>` in every app's urls.py: a row id, 404 for one no row can have.
        register_converter(DbIdConverter, "id")
        connect_task_signals()
        store_config.connect()  # a saved store gets a new configuration version
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="cxloop.core.statistics")
