from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "cxloop.commerce"
    label = "commerce"
    verbose_name = "Store mirror"

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(_check_tag_triggers, sender=self, dispatch_uid="cxloop.commerce.tag_index")


def _check_tag_triggers(sender, using="default", **kwargs):
    """After every migrate: the tag triggers a table rebuild dropped are made again (tag_index)."""
    import logging

    from django.db import connections

    from .tag_index import restore

    if restore(connections[using]):
        logging.getLogger(__name__).warning("Customers: tag triggers were missing; restored and rows remade")
