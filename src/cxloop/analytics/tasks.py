"""Background entry points of analytics."""

import logging

from django.conf import settings
from django_tasks import task

from .sync import sync_warehouse
from .warehouse import WarehouseBusy, WarehouseMissing

logger = logging.getLogger(__name__)


@task()
def sync_warehouse_task() -> dict:
    """Periodic: copy what changed into the warehouse. A file held by a long report waits for the next run."""
    if settings.CXLOOP_ANALYTICS_ENGINE == "database":
        return {"skipped": "the reports read the database itself"}
    try:
        result = sync_warehouse()
    except WarehouseBusy:
        logger.info("Warehouse busy: this sync waits for the next run")
        return {"busy": True}
    return {"copied": result.copied, "erased": result.erased, "seconds": round(result.seconds, 3)}


@task()
def publish_warehouse_task() -> dict:
    """Periodic, with CXLOOP_ANALYTICS_ENGINE=spark: publish the warehouse's tables for Spark to read."""
    if settings.CXLOOP_ANALYTICS_ENGINE != "spark":
        return {"skipped": "the reports do not run on Spark"}
    from .publish import publish_warehouse

    try:
        manifest = publish_warehouse()
    except (WarehouseBusy, WarehouseMissing) as error:
        logger.info("Warehouse not publishable now (%s): the next run publishes", type(error).__name__)
        return {"busy": True}
    return {"set": manifest["set"], "rows": sum(manifest["rows"].values())}
