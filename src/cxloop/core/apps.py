from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cxloop.core"
    label = "core"
    verbose_name = "Stores and staff"

    def ready(self):
        from .workers import connect_task_signals

        connect_task_signals()
