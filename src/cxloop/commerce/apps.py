from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "cxloop.commerce"
    label = "commerce"
    verbose_name = "Store mirror"
