"""Model fields of general use."""

from django.db import models

from . import encryption


class EncryptedTextField(models.TextField):
    """A TextField kept encrypted in the database (see `core.encryption`).

    The instance holds the plaintext; the column holds a Fernet token, made
    anew on every save. "" stays "" so an unset secret is visible as such.
    Lookups on the column are meaningless (every token differs): never
    filter on it.
    """

    description = "Text encrypted at rest"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encryption.encrypt(value)

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return encryption.decrypt(value)
