"""System checks (`cxloop check --deploy`) for settings a production install must get right."""

from django.conf import settings
from django.core import checks

from . import encryption


@checks.register(checks.Tags.security)
def check_encryption_key_format(app_configs, **kwargs):
    return [checks.Error(problem, id="cxloop.E001") for problem in encryption.check_keys()]


@checks.register(checks.Tags.security, deploy=True)
def check_encryption_keys_set(app_configs, **kwargs):
    if encryption.has_configured_keys():
        return []
    return [
        checks.Warning(
            "CXLOOP_ENCRYPTION_KEYS is not set: platform tokens and mailbox passwords cannot be "
            "stored"
            + (" (with DEBUG on they are encrypted with a key derived from SECRET_KEY, "
               "which is unsuitable for production)." if settings.DEBUG else "."),
            hint="Set CXLOOP_ENCRYPTION_KEYS to a key made by `cxloop generate_encryption_key`.",
            id="cxloop.W001",
        )
    ]  # fmt: skip
