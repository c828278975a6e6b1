"""Stores (the tenants), staff memberships, API keys and webhook secrets."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .identity import generate_identity_secret
from .store_config import new_version as new_config_version

# The language customers of a country are asked in when their own is not known
# (ISO 3166-1 country code -> language code). A language cxloop does not ship
# (yet) is skipped, so the store's language applies. Editable per store.
DEFAULT_COUNTRY_LANGUAGES = {
    "PL": "pl",
    "LV": "lv",
    "IR": "fa",
    "AF": "fa",
    "CN": "zh-hans",
    "SG": "zh-hans",
    "TW": "zh-hant",
    "HK": "zh-hant",
    "MO": "zh-hant",
}


def default_country_languages() -> dict[str, str]:
    return dict(DEFAULT_COUNTRY_LANGUAGES)


class Store(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    currency = models.CharField(max_length=3)
    timezone = models.CharField(max_length=64, default="UTC")
    default_language = models.CharField(max_length=16, default="en")
    shop_domain = models.CharField(
        max_length=255, blank=True, help_text="The shop's myshopify.com domain, if any."
    )
    storefront_origins = models.TextField(
        blank=True,
        default="",
        help_text="Storefront origins (https://shop.example), one per line, allowed to frame the widget.",
    )
    support_email = models.EmailField(
        max_length=254, blank=True, help_text="Where customers' replies go (Reply-To of survey emails)."
    )
    country_languages = models.JSONField(
        default=default_country_languages,
        blank=True,
        help_text="Country code -> language code, for customers whose language is not known.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Signs storefront identities (core/identity.py). Kept readable, like a
    # WebhookSecret: cxloop computes the HMAC with it and shows it to owners and admins.
    identity_secret = models.CharField(max_length=80, default=generate_identity_secret)
    identity_secret_rotated_at = models.DateTimeField(null=True, blank=True)
    identity_mismatches = models.PositiveIntegerField(
        default=0, help_text="Storefront identify calls whose identity_hash did not match."
    )
    identity_mismatch_at = models.DateTimeField(null=True, blank=True)
    # Changes with every change of the store's configuration (core/store_config.py): random, never
    # a counter, so a rolled-back change can't hand its number to the next one.
    config_version = models.BigIntegerField(default=new_config_version, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def storefront_origin_list(self) -> list[str]:
        return self.storefront_origins.split()


class StoreScopedQuerySet(models.QuerySet):
    def for_store(self, store: Store) -> "StoreScopedQuerySet":
        return self.filter(store=store)


class StoreScopedModel(models.Model):
    """Base of every domain row: it belongs to exactly one store."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        AGENT = "agent", _("Agent")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "store"], name="membership_unique_user_store")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.store} ({self.role})"


class ApiKey(StoreScopedModel):
    """A per-store API key, looked up by its SHA-256. A secret key is shown once.

    Keys carry 256 bits of randomness, so a fast hash is the right tool here
    (a slow password hash would only slow every API call). A publishable key
    sits in every storefront page and can only send events, so it is also
    kept readable in `public_key`, for the snippets staff copy (docs/adr/0007).
    """

    class Kind(models.TextChoices):
        SECRET = "secret", _("Secret: the whole API")
        PUBLISHABLE = "publishable", _("Publishable: send events only (storefront)")

    PREFIX = "cxk_"
    PREFIXES = {Kind.SECRET: "cxk_", Kind.PUBLISHABLE: "cxpk_"}

    name = models.CharField(max_length=100, default="default")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SECRET)
    lookup = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    public_key = models.CharField(
        max_length=100, blank=True, help_text="The whole key, for publishable keys only (public by design)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}{self.lookup}… ({self.name})"

    @property
    def prefix(self) -> str:
        return self.PREFIXES[self.kind]

    @staticmethod
    def hash_key(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def generate(cls, kind: str = "secret") -> tuple[str, str]:
        """Return (raw key, lookup part): `cxk_<lookup>_<secret>`, or `cxpk_...` if publishable.

        A publishable key is meant to sit in a storefront page, visible to anyone:
        it can only send events, never read customer data.
        """
        lookup = secrets.token_hex(6)
        return f"{cls.PREFIXES[kind]}{lookup}_{secrets.token_urlsafe(32)}", lookup


class Platform(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    ECWID = "ecwid", "Ecwid"
    API = "api", "API"
    CSV = "csv", "CSV import"
    DEMO = "demo", "Demo"


class WebhookSecret(StoreScopedModel):
    """The shared secret a platform signs its webhooks with, per store.

    For Ecwid, `api_token` and `external_store_id` let cxloop fetch the order or
    customer an event points at.
    """

    platform = models.CharField(max_length=20, choices=Platform.choices)
    secret = models.CharField(max_length=500)
    api_token = models.CharField(max_length=500, blank=True)
    external_store_id = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "platform"], name="webhooksecret_unique")]

    def __str__(self) -> str:
        return f"{self.store} {self.platform} secret"


class WorkerHeartbeat(models.Model):
    """A running `cxloop worker`: it refreshes `last_seen_at` while it lives.

    A task row marked running by a worker whose heartbeat is older than the
    lease (settings.CXLOOP_WORKER_LEASE_SECONDS) belongs to a worker that
    stopped (kill -9, power loss, out of memory): `core.workers` queues it again.
    """

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Worker {self.worker_id} on {self.hostname} (pid {self.pid})"


class MemberInvitation(StoreScopedModel):
    """An email invitation to join a store with a role, redeemed once through a link.

    The link carries the row's id and a random nonce, signed (see
    `core.invitations`); only the nonce's SHA-256 is kept, so neither the
    database nor the signing key alone can make a working link. A link works
    until `expires_at`, once, and not after it was revoked or sent again.
    """

    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Membership.Role.choices)
    nonce_hash = models.CharField(max_length=64)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["store", "email"], name="invitation_store_email")]

    def __str__(self) -> str:
        return f"{self.email} → {self.store} ({self.role})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class AuditLog(StoreScopedModel):
    """Who changed a store's staff or credentials, what, when and from where.

    Written in the same transaction as the change it records. `actor` is the
    staff member (null for the command line, or once the account is gone);
    `actor_label` keeps their email, or "command line", for good.
    """

    class Action(models.TextChoices):
        MEMBER_INVITED = "member.invited", _("Invited a member")
        INVITATION_RESENT = "invitation.resent", _("Sent an invitation again")
        INVITATION_REVOKED = "invitation.revoked", _("Revoked an invitation")
        INVITATION_ACCEPTED = "invitation.accepted", _("Accepted an invitation")
        MEMBER_ADDED = "member.added", _("Added a member with a password")
        MEMBER_ROLE_CHANGED = "member.role_changed", _("Changed a member's role")
        MEMBER_REMOVED = "member.removed", _("Removed a member")
        API_KEY_CREATED = "api_key.created", _("Created an API key")
        API_KEY_REVOKED = "api_key.revoked", _("Revoked an API key")
        API_KEY_ROTATED = "api_key.rotated", _("Rotated an API key")
        WEBHOOK_SECRET_SET = "webhook_secret.set", _("Set a webhook secret")
        PLATFORM_CONNECTION_SET = "platform_connection.set", _("Connected the store's admin API")
        IDENTITY_SECRET_ROTATED = "identity_secret.rotated", _("Replaced the identity secret")
        STORE_CREATED = "store.created", _("Created the store")
        STORE_SETTINGS_CHANGED = "store.settings_changed", _("Changed the store's settings")

    COMMAND_LINE = "command line"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=40, choices=Action.choices)
    target = models.CharField(max_length=254)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["store", "-created_at", "-id"], name="auditlog_store_newest")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target}"


class OutboxMessage(models.Model):
    """An email as sent in development, kept so store owners can read it on the outbox page.

    Written by `cxloop.core.mail_outbox.OutboxBackend` from whichever process
    sends (web server or worker), hence a table and not memory. Not scoped to
    a store: the outbox shows the installation's mail, and only in development.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    from_email = models.CharField(max_length=254)
    to = models.TextField(help_text="Every recipient (to, cc, bcc), comma-separated.")
    subject = models.TextField()
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    raw = models.TextField(help_text="The whole message as it would go over SMTP.")

    class Meta:
        indexes = [models.Index(fields=["-created_at", "-id"], name="outbox_newest_first")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"
