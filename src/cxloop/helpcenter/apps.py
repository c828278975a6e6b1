from django.apps import AppConfig


class HelpcenterConfig(AppConfig):
    name = "cxloop.helpcenter"
    label = "helpcenter"
    verbose_name = "Help centre"
