from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "cxloop.flows"
    label = "flows"
    verbose_name = "Flows and messaging"
