"""Secrets at rest: encrypted columns, key rotation, a clear error for a wrong key."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from cxloop.commerce.models import PlatformConnection
from cxloop.core import encryption
from cxloop.core.checks import check_encryption_key_format, check_encryption_keys_set
from cxloop.core.encryption import DecryptionError, decrypt, encrypt

TOKEN = "shpat_secret_0123456789abcdef"


def raw_column(model, pk, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def save_connection(store):
    return PlatformConnection.objects.create(
        store=store, platform="shopify", base_url="https://anna.myshopify.com", access_token=TOKEN
    )


def test_encrypt_and_decrypt_round_trip_with_a_new_token_each_time(settings):
    settings.CXLOOP_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    first, second = encrypt("zażółć"), encrypt("zażółć")

    assert first != second
    assert decrypt(first) == decrypt(second) == "zażółć"


def test_stored_column_holds_a_token_not_the_plaintext(store):
    row = save_connection(store)

    stored = raw_column(PlatformConnection, row.pk, "access_token")

    assert TOKEN not in stored
    assert stored.startswith("gAAAAA")
    assert PlatformConnection.objects.get(pk=row.pk).access_token == TOKEN


def test_empty_secret_stays_empty(store):
    row = save_connection(store)

    assert raw_column(PlatformConnection, row.pk, "consumer_key") == ""


def test_old_key_still_decrypts_after_a_new_key_is_put_first(store, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CXLOOP_ENCRYPTION_KEYS = [old]
    row = save_connection(store)
    # when
    settings.CXLOOP_ENCRYPTION_KEYS = [new, old]
    # then
    assert PlatformConnection.objects.get(pk=row.pk).access_token == TOKEN


def test_reencrypt_command_moves_every_secret_to_the_first_key(store, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.CXLOOP_ENCRYPTION_KEYS = [old]
    row = save_connection(store)
    settings.CXLOOP_ENCRYPTION_KEYS = [new, old]

    call_command("reencrypt_secrets", stdout=open("/dev/null", "w"))

    settings.CXLOOP_ENCRYPTION_KEYS = [new]  # the old key is gone
    assert PlatformConnection.objects.get(pk=row.pk).access_token == TOKEN
    stored = raw_column(PlatformConnection, row.pk, "access_token")
    assert Fernet(new.encode()).decrypt(stored.encode()) == TOKEN.encode()


def test_wrong_key_gives_a_clear_error(store, settings):
    settings.CXLOOP_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    row = save_connection(store)
    settings.CXLOOP_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(DecryptionError, match="could not be decrypted with any key in CXLOOP_ENCRYPTION"):
        PlatformConnection.objects.get(pk=row.pk)


def test_without_keys_tests_and_debug_use_a_key_derived_from_secret_key(settings):
    settings.CXLOOP_ENCRYPTION_KEYS = []
    token = encrypt("x")

    derived = encryption.derived_development_key(settings.SECRET_KEY)

    assert Fernet(derived.encode()).decrypt(token.encode()) == b"x"


def test_production_without_keys_refuses_to_store_secrets(settings):
    settings.CXLOOP_ENCRYPTION_KEYS = []
    settings.DEBUG = False
    settings.TESTING = False

    with pytest.raises(ImproperlyConfigured, match="CXLOOP_ENCRYPTION_KEYS is not set"):
        encrypt("x")


def test_a_malformed_key_is_an_error_naming_its_position_not_its_value(settings):
    settings.CXLOOP_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), "not-a-key"]

    [error] = check_encryption_key_format(None)

    assert error.id == "cxloop.E001"
    assert "Key number 2" in error.msg and "not-a-key" not in error.msg
    with pytest.raises(ImproperlyConfigured, match="Key number 2"):
        encrypt("x")


def test_deploy_check_warns_when_no_key_is_set(settings):
    settings.CXLOOP_ENCRYPTION_KEYS = []
    [warning] = check_encryption_keys_set(None)
    assert warning.id == "cxloop.W001"

    settings.CXLOOP_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert check_encryption_keys_set(None) == []
