"""Work on every encrypted column at once (key rotation)."""

from django.apps import apps
from django.db import transaction

from .fields import EncryptedTextField


def reencrypt_all_secrets() -> int:
    """Encrypt every non-empty EncryptedTextField value again with the first key.

    Loading decrypts with whichever configured key opens the value, saving
    encrypts with the first: so after this, older keys can be removed. One
    transaction per model; raises DecryptionError, changing nothing in that
    model, if a value opens with none of the keys.
    """
    count = 0
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if not names:
            continue
        with transaction.atomic():
            rows = list(model._base_manager.select_for_update().values_list("pk", *names))
            for pk, *values in rows:
                plain = {name: value for name, value in zip(names, values, strict=True) if value}
                if plain:
                    model._base_manager.filter(pk=pk).update(**plain)
                    count += len(plain)
    return count
