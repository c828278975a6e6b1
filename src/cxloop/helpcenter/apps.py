from django.apps import AppConfig


class HelpcenterConfig(AppConfig):
    name = "cxloop.helpcenter"
    label = "helpcenter"
    verbose_name = "Help centre"

    def ready(self):
        from django.db.models.signals import post_migrate

        from cxloop.core.services import register_store_created_listener

        from .categories import give_default_categories

        post_migrate.connect(_check_search_index, sender=self, dispatch_uid="cxloop.helpcenter.search_index")
        register_store_created_listener(give_default_categories)  # a new store starts with the usual eight


def _check_search_index(sender, using="default", **kwargs):
    """After every migrate: the search triggers a table rebuild dropped are made again (search_index)."""
    import logging

    from django.db import connections

    from .search_index import restore

    if restore(connections[using]):
        logging.getLogger(__name__).warning("Help centre: search triggers were missing; restored and rebuilt")
