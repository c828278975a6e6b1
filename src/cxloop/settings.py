"""Settings, read from the environment.

The defaults run the demo on an embedded SQLite database with no other
service. Production differs only by its environment variables:

    SECRET_KEY       required when DEBUG is off
    DEBUG            "1" for development (default "0"; `make demo` sets it)
    ALLOWED_HOSTS    comma-separated host names
    DATABASE_URL     e.g. postgres://user@host:5432/cxloop (default: SQLite in var/)
    EMAIL_URL-like   EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
                     EMAIL_USE_TLS, DEFAULT_FROM_EMAIL, EMAIL_BACKEND
    CXLOOP_PUBLIC_URL  the address customers use, for links in emails
    CXLOOP_HTTPS     "1" when served over TLS (secure cookies, HSTS, redirect)
    CXLOOP_DEV_OUTBOX  "1" to keep sent mail and show it on /outbox/ (on with DEBUG)
    CXLOOP_REDIS_URL  e.g. redis://127.0.0.1:6379/0: keep the shared cache (rate-limit
                     counters) in Redis instead of a database table (pip install "cxloop[redis]")
    CXLOOP_HELPDESK_INBOUND_DOMAIN  domain of the help desk's inbound and reply addresses
    CXLOOP_HELPDESK_FLOOD_LIMIT  mails one sender may send one store in 10 minutes (20)
    ANYMAIL_WEBHOOK_SECRET  "user:password" for the inbound webhooks of Postmark, SendGrid, Amazon SES
    MAILGUN_WEBHOOK_SIGNING_KEY  Mailgun's webhook signing key (its inbound webhook)
    CXLOOP_SES_TOPIC_ARNS  comma-separated SNS topic ARNs whose SES inbound mail is taken (set it)
    CXLOOP_HELPDESK_PURGE_SECONDS  how often attachments past a store's retention are purged (3600)
    CXLOOP_ENCRYPTION_KEYS  comma-separated Fernet keys for secrets stored in the database
                     (platform tokens, mailbox passwords); the first encrypts, all decrypt
    CXLOOP_WEBHOOKS_ALLOW_PRIVATE  "1" to let outgoing webhooks reach private addresses (on with DEBUG)
    CXLOOP_WEBHOOK_DELIVERIES_KEEP_DAYS  days a finished webhook delivery stays in the log (30)
    CXLOOP_HELP_SEARCHES_KEEP_DAYS  days the help centre keeps what customers searched for (400)
    CXLOOP_SEGMENT_REFRESH_SECONDS  how often the worker brings every segment's member rows up to date (900)
    CXLOOP_SEGMENT_REFRESH_CHUNK  customers a member refresh settles per transaction (20000)
    CXLOOP_SEGMENT_CHANGES_KEEP_DAYS  days a segment's entered/left changes are kept (180)
    CXLOOP_IMAP_ALLOW_PRIVATE  "1" to let support mailboxes be read from private addresses (on with DEBUG)
    CXLOOP_IMAP_POLL_SECONDS  how often the worker reads every support mailbox (60)
    CXLOOP_CHAT_SOCKET_ORIGIN  where the chat widget opens its socket, e.g. wss://chat.example.com
                     (default: this server's own origin); docs/chat.md
    CXLOOP_CHAT_CONNECTS_PER_MINUTE  new chat sockets one address may open a minute (120)
    CXLOOP_CHAT_MAX_FILE_BYTES  the largest file a shopper may send in the chat (10485760: 10 MB)
    CXLOOP_CHAT_FILES_PER_HOUR  files one chat visitor may send an hour (20)
    CXLOOP_CHAT_WRITER  who stores chat messages: thread (default), or a writer process (process)
    CXLOOP_REPLY_MAX_FILE_BYTES  the largest file staff may attach to a reply or note (10485760: 10 MB)
    CXLOOP_REPLY_MAX_TOTAL_BYTES  the most one reply or note may carry in all (26214400: 25 MB)
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("CXLOOP_VAR_DIR", Path.cwd() / "var"))


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = _flag("DEBUG")
TESTING = _flag("CXLOOP_TESTING")
INSECURE_DEV_KEY = "dev-only-insecure-key-do-not-use-in-production-cxloop-0000000000"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (50+ random characters) or DEBUG=1 for development."
        )
    SECRET_KEY = INSECURE_DEV_KEY

ALLOWED_HOSTS = _list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = _list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    # Serves Swagger UI's files from /static/ninja/ (no CDN, so the project's CSP holds).
    "ninja",
    "cxloop.core",
    "cxloop.commerce",
    "cxloop.flows",
    "cxloop.surveys",
    "cxloop.helpdesk",
    "cxloop.helpcenter",
    "cxloop.chat",
    "cxloop.segments",
    "cxloop.analytics",
    "cxloop.hooks",
    "cxloop.web",
    "cxloop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cxloop.core.middleware.EventsCorsMiddleware",
    "cxloop.core.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cxloop.core.middleware.CurrentStoreMiddleware",
    "cxloop.core.middleware.SecurityHeadersMiddleware",
    # With DEBUG on too, a missing page is the product's 404, not Django's list of URL patterns.
    "cxloop.web.errors.NotFoundPageMiddleware",
    # A 405 under /api/ and /webhooks/ in the API's JSON error shape.
    "cxloop.web.errors.MachineMethodNotAllowedMiddleware",
]

ROOT_URLCONF = "cxloop.urls"
WSGI_APPLICATION = "cxloop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "cxloop.core.context_processors.current_store",
                "cxloop.core.context_processors.calendar",
            ],
        },
    }
]

# Database: SQLite in WAL mode with synchronous=FULL, so an acknowledged
# delivery survives a crash of the process (and of the OS, where fsync holds).
SQLITE_PATH = VAR_DIR / "cxloop.sqlite3"
# The analytics warehouse (DuckDB), kept by the worker from the database above (analytics.sync).
CXLOOP_WAREHOUSE_PATH = Path(
    os.environ.get(
        "CXLOOP_WAREHOUSE_PATH",
        # Each test process its own file, as its own test database: DuckDB lets one process write it.
        VAR_DIR / (f"test-analytics-{os.getpid()}.duckdb" if TESTING else "analytics.duckdb"),
    )
)
# Where the reports' numbers are computed: "warehouse" (the DuckDB copy, the default) or "database"
# (straight on the PostgreSQL database, for small installs that run no sync; docs/analytics.md).
# "spark": the warehouse's tables published as Parquet (analytics.publish) and read by a Spark cluster.
CXLOOP_ANALYTICS_ENGINE = os.environ.get("CXLOOP_ANALYTICS_ENGINE", "warehouse")
if CXLOOP_ANALYTICS_ENGINE not in ("warehouse", "database", "spark"):
    raise ImproperlyConfigured(
        f"CXLOOP_ANALYTICS_ENGINE={CXLOOP_ANALYTICS_ENGINE!r}: choose warehouse, database or spark."
    )
# With "spark": the cluster (a master URL; local[*] runs Spark inside the web process) and the folder
# every executor can read where the worker publishes the tables, every CXLOOP_SPARK_PUBLISH_SECONDS.
CXLOOP_SPARK_MASTER = os.environ.get("CXLOOP_SPARK_MASTER", "local[*]")
CXLOOP_SPARK_TABLES = Path(os.environ.get("CXLOOP_SPARK_TABLES", VAR_DIR / "warehouse-parquet"))
# Rows the sync reads and commits at once.
CXLOOP_WAREHOUSE_CHUNK = int(os.environ.get("CXLOOP_WAREHOUSE_CHUNK", "50000"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=600
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with writers queueing for SQLite's one write lock
    # (core/sqlite/turns.py): a long job lets waiting writers in between its
    # batches, and a web write waits its turn (up to write_wait_seconds)
    # instead of failing with "database is locked".
    DATABASES["default"]["ENGINE"] = "cxloop.core.sqlite"
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else 600
    # Reads through a memory map of the file (SQLite's mmap_size) instead of a read() per page missed:
    # a segment count that looks up 100,000 customers by id, 150 -> 100 ms at a million. The pages are
    # the OS's page cache, shared by every process; writes go through the journal as before.
    SQLITE_MMAP_BYTES = int(os.environ.get("CXLOOP_SQLITE_MMAP_BYTES", str(1 << 30)))
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; "
            "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536; "
            f"PRAGMA mmap_size={SQLITE_MMAP_BYTES};"
        ),
        "transaction_mode": "IMMEDIATE",
        "write_wait_seconds": 30,
    }
    # Tests use a file (not :memory:) so that concurrent writers behave as in
    # production: WAL, busy_timeout and IMMEDIATE transactions, not shared-cache locks.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache every worker process shares: rate-limit counters must count across
# gunicorn workers, so no per-process memory cache. A database table by default
# (created by `cxloop migrate`; SQLite and PostgreSQL alike), Redis when
# CXLOOP_REDIS_URL is set.
CXLOOP_REDIS_URL = os.environ.get("CXLOOP_REDIS_URL", "")
if CXLOOP_REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CXLOOP_REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cxloop_cache",
            # The table is culled past this many rows; live counters must not be.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# The chat's push between processes (docs/chat.md): Redis when several processes serve, the
# in-memory layer when one does (the demo). The database is the record either way.
if CXLOOP_REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "cxloop.chat.layers.RedisChannelLayer",  # a pool that waits for a connection
            "CONFIG": {
                "hosts": [CXLOOP_REDIS_URL],
                "prefix": os.environ.get("CXLOOP_CHAT_PREFIX", "cxchat"),
                "capacity": 1000,
            },
        }
    }
else:
    # An agent's feed may take a burst of a store's messages: 1,000 waiting events, not Channels' 100.
    # Channels' in-memory layer, cleaning expired entries once a second rather than on every send.
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "cxloop.chat.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}
    }
# Where the widget opens its socket: "" is this server's own origin (the demo, or a proxy that
# sends /chat/ws/ to the chat server); else e.g. wss://chat.example.com.
CXLOOP_CHAT_SOCKET_ORIGIN = os.environ.get("CXLOOP_CHAT_SOCKET_ORIGIN", "")
ASGI_APPLICATION = "cxloop.asgi.application"
# New chat sockets one address may open a minute (a shop's visitors behind one NAT share it).
CXLOOP_CHAT_CONNECTS_PER_MINUTE = int(os.environ.get("CXLOOP_CHAT_CONNECTS_PER_MINUTE", "120"))
# Who stores the chat's messages: "thread" (the process's database thread) or "process" (a writer
# process of each chat server process, on another core: chat/writer_process.py, docs/chat.md).
CXLOOP_CHAT_WRITER = os.environ.get("CXLOOP_CHAT_WRITER", "thread")
if CXLOOP_CHAT_WRITER not in ("thread", "process"):
    raise ImproperlyConfigured("CXLOOP_CHAT_WRITER: thread or process")
# Files a shopper sends in the chat (images and PDFs, chat/attachments.py): the largest one, and
# how many one visitor may send an hour.
CXLOOP_CHAT_MAX_FILE_BYTES = int(os.environ.get("CXLOOP_CHAT_MAX_FILE_BYTES", str(10 * 1024 * 1024)))
CXLOOP_CHAT_FILES_PER_HOUR = int(os.environ.get("CXLOOP_CHAT_FILES_PER_HOUR", "20"))
# Files staff attach to a reply or a note (images and PDFs, helpdesk/services/staff_files.py): the
# largest one, and the most one message carries. Sent by email they grow by a third (base64): 25 MB
# of files is a mail of about 34 MB, which some mail servers refuse (the reply then says why).
CXLOOP_REPLY_MAX_FILE_BYTES = int(os.environ.get("CXLOOP_REPLY_MAX_FILE_BYTES", str(10 * 1024 * 1024)))
CXLOOP_REPLY_MAX_TOTAL_BYTES = int(os.environ.get("CXLOOP_REPLY_MAX_TOTAL_BYTES", str(25 * 1024 * 1024)))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:overview"
LOGOUT_REDIRECT_URL = "web:login"
# A password-reset link works once (the token covers the password hash and last login) and for a day.
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("pl", "Polski"),
    ("lv", "Latviešu"),
    ("fa", "فارسی"),
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_ROOT = VAR_DIR / "media"

# Request bodies: the JSON API and webhooks accept up to 1 MB (413 above);
# CSV uploads have their own limit on the upload page.
CXLOOP_MAX_BODY_BYTES = 1_000_000
CXLOOP_MAX_UPLOAD_BYTES = 200_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A provider's inbound webhook carries a whole mail (helpdesk/webhooks.py). Django's own
# DATA_UPLOAD_MAX_MEMORY_SIZE still bounds a body read whole, so this is the most it takes.
CXLOOP_HELPDESK_MAX_WEBHOOK_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The JSON API's `@paginate` reads ?limit= and ?offset= bounded to what SQL can take (core/inputs.py).
NINJA_PAGINATION_CLASS = "cxloop.core.inputs.LimitOffsetPagination"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("CXLOOP_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# The development outbox (/outbox/, store owners only): every message sent is kept in
# the database and listed there. On with DEBUG, or with CXLOOP_DEV_OUTBOX=1;
# the page is a 404 otherwise. Never turn it on in production.
CXLOOP_DEV_OUTBOX = _flag("CXLOOP_DEV_OUTBOX", "1" if DEBUG else "0")
# The outbox keeps the newest KEEP messages, none older than KEEP_DAYS (pruned as it is written).
CXLOOP_OUTBOX_KEEP = int(os.environ.get("CXLOOP_OUTBOX_KEEP", "500"))
CXLOOP_OUTBOX_KEEP_DAYS = int(os.environ.get("CXLOOP_OUTBOX_KEEP_DAYS", "14"))
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "cxloop.core.mail_outbox.OutboxBackend"
    if (DEBUG or CXLOOP_DEV_OUTBOX)
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cxloop <noreply@localhost>")
# Seconds one SMTP read or write may take: a hung mail server must not hold a worker forever.
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "30"))
# Where customers reach this installation: the base of survey and unsubscribe links in emails.
CXLOOP_PUBLIC_URL = os.environ.get("CXLOOP_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Help desk mail: each store receives at <store-slug>@ this domain (forwarded by a provider's
# inbound webhook), and replies come back to reply+<token>@ it (helpdesk/addresses.py).
CXLOOP_HELPDESK_INBOUND_DOMAIN = os.environ.get("CXLOOP_HELPDESK_INBOUND_DOMAIN", "in.cxloop.localhost")
# Inbound mail: more than this many mails from one sender to one store in 10 minutes are refused.
CXLOOP_HELPDESK_FLOOD_LIMIT = int(os.environ.get("CXLOOP_HELPDESK_FLOOD_LIMIT", "20"))
CXLOOP_HELPDESK_MAX_MAIL_BYTES = int(os.environ.get("CXLOOP_HELPDESK_MAX_MAIL_BYTES", str(30 * 1024 * 1024)))
CXLOOP_HELPDESK_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("CXLOOP_HELPDESK_MAX_ATTACHMENT_BYTES", str(20 * 1024 * 1024))
)
# Providers' inbound webhooks (django-anymail) at /webhooks/inbound/<provider>/ (docs/helpdesk.md).
# ANYMAIL_WEBHOOK_SECRET "user:password" (comma-separated for rotation): HTTP basic auth that Postmark,
# SendGrid and Amazon SES (SNS) put in the webhook URL; MAILGUN_WEBHOOK_SIGNING_KEY: Mailgun's
# HMAC signing key. A provider whose secret is not set is refused (never an unauthenticated inbox).
ANYMAIL = {
    "WEBHOOK_SECRET": _list("ANYMAIL_WEBHOOK_SECRET"),
    "MAILGUN_WEBHOOK_SIGNING_KEY": os.environ.get("MAILGUN_WEBHOOK_SIGNING_KEY", ""),
    # SES: confirm the SNS subscription in the SNS console (auto-confirming would need boto3).
    "AMAZON_SES_AUTO_CONFIRM_SNS_SUBSCRIPTIONS": False,
}
# Amazon SES inbound (helpdesk/sns.py): each SNS message's signature is checked against the certificate
# at its SigningCertURL, which must match this pattern; CXLOOP_SES_TOPIC_ARNS lists the topics taken
# (comma-separated; empty takes any topic, which any AWS account can make: set it).
CXLOOP_SES_VERIFY_SIGNATURES = _flag("CXLOOP_SES_VERIFY_SIGNATURES", "1")
CXLOOP_SES_SIGNING_CERT_URL = os.environ.get(
    "CXLOOP_SES_SIGNING_CERT_URL", r"https://sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[^?#]+\.pem"
)
CXLOOP_SES_TOPIC_ARNS = _list("CXLOOP_SES_TOPIC_ARNS")

# Security headers. Behind TLS (CXLOOP_HTTPS=1) cookies are Secure and HSTS is on.
HTTPS = _flag("CXLOOP_HTTPS", "0" if (DEBUG or TESTING) else "1")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The one framable page: a survey's web link in widget mode (?embed=1), which
# the storefront snippet shows in an iframe. Space-separated storefront origins;
# any by default, since cxloop does not know every domain a store sells on.
CXLOOP_WIDGET_FRAME_ANCESTORS = os.environ.get("CXLOOP_WIDGET_FRAME_ANCESTORS", "*").strip() or "*"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and _flag("CXLOOP_SSL_REDIRECT", "1")
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Behind a reverse proxy, the client address is the last one it appends to X-Forwarded-For.
CXLOOP_BEHIND_PROXY = _flag("CXLOOP_BEHIND_PROXY")
if CXLOOP_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health check answers on plain HTTP for load balancers.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.security.DisallowedHost": {"level": "ERROR"}},
}

# Secrets at rest (core.encryption): the first key encrypts, every key decrypts. Unset,
# DEBUG and the tests derive a key from SECRET_KEY; production must set it (check --deploy).
CXLOOP_ENCRYPTION_KEYS = _list("CXLOOP_ENCRYPTION_KEYS")
# Store actions (commerce.actions): HTTP timeout per platform call, and how often and how
# long a rate-limited call (429 / THROTTLED) is retried after the wait the platform asks for.
CXLOOP_ACTIONS_TIMEOUT_SECONDS = float(os.environ.get("CXLOOP_ACTIONS_TIMEOUT_SECONDS", "30"))
CXLOOP_ACTIONS_RATE_LIMIT_RETRIES = int(os.environ.get("CXLOOP_ACTIONS_RATE_LIMIT_RETRIES", "3"))
CXLOOP_ACTIONS_MAX_RETRY_WAIT_SECONDS = float(os.environ.get("CXLOOP_ACTIONS_MAX_RETRY_WAIT_SECONDS", "10"))
# Outgoing webhooks go to public addresses only (hooks/addresses.py); DEBUG and tests may also
# deliver to this machine and the private network (http://127.0.0.1 receivers).
CXLOOP_WEBHOOKS_ALLOW_PRIVATE = _flag("CXLOOP_WEBHOOKS_ALLOW_PRIVATE", "1" if (DEBUG or TESTING) else "0")
# Delivered and failed webhook deliveries stay in the delivery log this many days.
CXLOOP_HELP_SEARCHES_KEEP_DAYS = int(os.environ.get("CXLOOP_HELP_SEARCHES_KEEP_DAYS", "400"))
CXLOOP_WEBHOOK_DELIVERIES_KEEP_DAYS = int(os.environ.get("CXLOOP_WEBHOOK_DELIVERIES_KEEP_DAYS", "30"))
# Segments' member rows (segments.services.members): the worker refreshes every segment this often,
# CHUNK customers a transaction; a segment's entered/left changes are kept KEEP_DAYS days.
CXLOOP_SEGMENT_REFRESH_CHUNK = int(os.environ.get("CXLOOP_SEGMENT_REFRESH_CHUNK", "20000"))
CXLOOP_SEGMENT_CHANGES_KEEP_DAYS = int(os.environ.get("CXLOOP_SEGMENT_CHANGES_KEEP_DAYS", "180"))

# Ecwid: the REST API base (a local fake in tests).
ECWID_API_BASE = os.environ.get("ECWID_API_BASE", "https://app.ecwid.com/api/v3")

# Tasks the worker enqueues on a timer: dotted path -> interval in seconds.
CXLOOP_PERIODIC_TASKS: dict[str, int] = {
    "cxloop.commerce.tasks.mark_abandoned_checkouts_task": 300,
    "cxloop.commerce.tasks.requeue_stuck_deliveries_task": 60,
    "cxloop.commerce.tasks.requeue_stranded_imports_task": 60,
    "cxloop.surveys.tasks.schedule_order_invitations_task": 300,
    "cxloop.surveys.tasks.requeue_stranded_sends_task": 60,
    "cxloop.hooks.tasks.requeue_stranded_deliveries_task": 60,
    "cxloop.hooks.tasks.prune_deliveries_task": 3600,
    "cxloop.helpdesk.contact.tasks.requeue_stranded_acknowledgements_task": 60,
    "cxloop.core.tasks.prune_finished_tasks_task": 3600,
    "cxloop.core.tasks.refresh_statistics_task": 86400,
    "cxloop.helpcenter.tasks.prune_searches_task": 86400,
    "cxloop.segments.tasks.refresh_all_predictions_task": 86400,
    "cxloop.segments.tasks.refresh_all_segment_members_task": int(
        os.environ.get("CXLOOP_SEGMENT_REFRESH_SECONDS", "900")
    ),
    "cxloop.segments.tasks.prune_segment_changes_task": 86400,
    "cxloop.analytics.tasks.sync_warehouse_task": int(os.environ.get("CXLOOP_WAREHOUSE_SYNC_SECONDS", "30")),
    "cxloop.analytics.tasks.publish_warehouse_task": int(
        os.environ.get("CXLOOP_SPARK_PUBLISH_SECONDS", "300")
    ),
    "cxloop.helpdesk.tasks.poll_mailboxes_task": int(os.environ.get("CXLOOP_IMAP_POLL_SECONDS", "60")),
    "cxloop.helpdesk.tasks.requeue_stranded_replies_task": 60,
    "cxloop.helpdesk.tasks.wake_snoozed_conversations_task": 60,
    "cxloop.helpdesk.tasks.fire_idle_rules_task": 300,
    "cxloop.helpdesk.tasks.fire_sla_rules_task": 60,
    "cxloop.helpdesk.tasks.record_sla_breaches_task": 60,
    "cxloop.helpdesk.tasks.purge_expired_attachments_task": int(
        os.environ.get("CXLOOP_HELPDESK_PURGE_SECONDS", "3600")
    ),
    "cxloop.helpdesk.tasks.sweep_orphan_files_task": int(
        os.environ.get("CXLOOP_HELPDESK_ORPHAN_SWEEP_SECONDS", "86400")
    ),
}
# Attachments purged per transaction by the retention sweep (DeskSettings.attachment_retention_months).
CXLOOP_HELPDESK_PURGE_BATCH = int(os.environ.get("CXLOOP_HELPDESK_PURGE_BATCH", "200"))
# Crash recovery (core.workers): each `cxloop worker` refreshes its heartbeat row every
# HEARTBEAT seconds; a task still marked running by a worker silent for LEASE seconds is
# queued again. Work committed whose task never reached the queue (the process died in
# between) is queued by the sweeps above once it has waited STRANDED_AFTER seconds.
CXLOOP_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("CXLOOP_WORKER_HEARTBEAT_SECONDS", "10"))
CXLOOP_WORKER_LEASE_SECONDS = float(os.environ.get("CXLOOP_WORKER_LEASE_SECONDS", "60"))
CXLOOP_STRANDED_AFTER_SECONDS = float(os.environ.get("CXLOOP_STRANDED_AFTER_SECONDS", "60"))
# A task whose worker died under it this many times is marked failed, not run again.
CXLOOP_TASK_MAX_ATTEMPTS = int(os.environ.get("CXLOOP_TASK_MAX_ATTEMPTS", "5"))
# Finished task rows are deleted after this many days (the sweeps read the queue's table).
CXLOOP_TASK_RESULTS_KEEP_DAYS = int(os.environ.get("CXLOOP_TASK_RESULTS_KEEP_DAYS", "14"))
# Support mailboxes (helpdesk.services.mailboxes): a poll holds a mailbox this long (renewed as it
# reads; a crashed poll lets go after it), and waits this long for an answer from the IMAP server.
CXLOOP_IMAP_LEASE_SECONDS = float(os.environ.get("CXLOOP_IMAP_LEASE_SECONDS", "300"))
CXLOOP_IMAP_TIMEOUT_SECONDS = float(os.environ.get("CXLOOP_IMAP_TIMEOUT_SECONDS", "30"))
# `cxloop watch_mailboxes` (IMAP IDLE): the longest one IDLE waits before the folder is searched again.
CXLOOP_IMAP_IDLE_SECONDS = float(os.environ.get("CXLOOP_IMAP_IDLE_SECONDS", "240"))
# A mailbox's server must have a public address, as for webhooks: an owner's "Test connection"
# must not probe the private network. A self-hosted mail server on the LAN needs this set to 1.
CXLOOP_IMAP_ALLOW_PRIVATE = _flag("CXLOOP_IMAP_ALLOW_PRIVATE", "1" if (DEBUG or TESTING) else "0")
# The function that stores one email read from a mailbox: receive_email(*, store, raw, external_id,
# recipient). Tests of mailbox reading on their own may name a simpler one.
CXLOOP_HELPDESK_RECEIVE_EMAIL = os.environ.get(
    "CXLOOP_HELPDESK_RECEIVE_EMAIL", "cxloop.helpdesk.services.inbound.receive_email"
)
# An open cart with no order after this long counts as abandoned.
CXLOOP_ABANDONED_AFTER_MINUTES = int(os.environ.get("CXLOOP_ABANDONED_AFTER_MINUTES", "60"))
