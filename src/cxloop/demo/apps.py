from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cxloop.demo"
    label = "demo"
    verbose_name = "Demo store generator"
