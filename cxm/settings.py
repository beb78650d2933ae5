"""CXM settings: every knob is read from the environment here, once, and documented in
docs/configuration.md and .env.example."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cxm.metrics.composite import parse_weights
from cxm.paths import data_dir
from cxm.trust.startup import checked_secret, rate_limits

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from exc


def installation_secret(data_dir: Path) -> str:
    """A per-installation secret, generated once and kept in the data directory.

    There is deliberately no built-in default: a key found in the repository would let
    anyone forge sessions on every installation.
    """
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


DATA_DIR = data_dir()
DEBUG = env_bool("CXM_DEBUG", False)
SECRET_KEY = (
    checked_secret(os.environ["CXM_SECRET_KEY"], debug=DEBUG)
    if os.environ.get("CXM_SECRET_KEY")
    else installation_secret(DATA_DIR)
)
ALLOWED_HOSTS = [h for h in env_str("CXM_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env_str("CXM_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("CXM_DATABASE_URL", f"sqlite:///{DATA_DIR / 'cxm.sqlite3'}"),
        conn_max_age=env_int("CXM_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker or an import writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    if "CXM_DB_CONN_MAX_AGE" not in os.environ:
        # An SQLite connection is a file to open and pragmas to run: opened for every request
        # it costs more than the request's own statements (bench/feedback_load.py). Each
        # server thread keeps its own.
        DATABASES["default"]["CONN_MAX_AGE"] = 60

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "cxm.org",
    "cxm.sales",
    "cxm.traffic",
    "cxm.rollups",
    "cxm.staff",
    "cxm.feedback",
    "cxm.devices",
    "cxm.imports",
    "cxm.reports",
    "cxm.dashboard",
    "cxm.api",
    "cxm.demo",
    "cxm.replication",
    "cxm.analytics",
    "cxm.speech",
    "cxm.emotions",
    "cxm.incidents",
    "cxm.trust",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cxm.dashboard.middleware.ChainLanguageMiddleware",
    # Before anything else that touches the database: a refused request costs one statement.
    "cxm.trust.throttle.RateLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cxm.trust.audit.AuditMiddleware",
    # A page's reads of visitor figures look up the traffic backlog once.
    "cxm.rollups.visitors.BacklogReadOnceMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cxm.urls"
WSGI_APPLICATION = "cxm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("CXM_SESSION_SECONDS", 12 * 3600)
# Login throttling (cxm/trust/throttle.py): failures per user name (×4 per IP) in the window.
AUTHENTICATION_BACKENDS = ["cxm.trust.throttle.ThrottledModelBackend"]
CXM_LOGIN_FAILURES = env_int("CXM_LOGIN_FAILURES", 5)
CXM_LOGIN_LOCKOUT_SECONDS = env_int("CXM_LOGIN_LOCKOUT_SECONDS", 15 * 60)
# Public endpoints (survey, review links, devices, imports, login) per device token or IP hash:
# {group: (requests, seconds)}; groups left out are not limited (cxm/trust/startup.py).
CXM_RATE_LIMITS = rate_limits(env_str("CXM_RATE_LIMITS", ""))
# Customers' contacts are removed this many days after their answer (0: kept for good;
# cxm/trust/personal.py).
CXM_CONTACT_RETENTION_DAYS = env_int("CXM_CONTACT_RETENTION_DAYS", 90)
# Behind a TLS-terminating proxy (docs/deployment.md): cookies only over HTTPS.
CXM_HTTPS = env_bool("CXM_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = CXM_HTTPS
if CXM_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("CXM_TIME_ZONE", "Europe/Moscow")

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise warns on every request while the folder is missing, even when it serves from
# the app folders (`cxm collectstatic` fills it for a production install).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
}
# Serve straight from the app folders: `cxm demo` works without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": env_str("CXM_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# How many records an import writes in one transaction.
CXM_IMPORT_BATCH = env_int("CXM_IMPORT_BATCH", 2000)

# Consultation button: presses of one seller this close together are one consultation.
CXM_CONSULTATION_REPEAT_SECONDS = env_int("CXM_CONSULTATION_REPEAT_SECONDS", 10)
# Sales-failure matching: a consultation not followed by its seller's sale within this many
# minutes (or before the seller's next consultation) is a failed one (сбой продаж).
CXM_CONSULTATION_SALE_MINUTES = env_int("CXM_CONSULTATION_SALE_MINUTES", 40)
# The composite seller KPI: components of the sellers report and their weights.
try:
    CXM_SELLER_KPI_WEIGHTS = parse_weights(
        env_str(
            "CXM_SELLER_KPI_WEIGHTS",
            "consultation_conversion:0.35,coverage:0.2,compliance:0.25,like_index:0.1,"
            "average_ticket:0.1",
        )
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"CXM_SELLER_KPI_WEIGHTS: {exc}") from exc

# Incident notifications (cxm/incidents): SMTP for e-mail, the Telegram Bot API, retries.
EMAIL_HOST = env_str("CXM_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("CXM_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("CXM_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("CXM_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CXM_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("CXM_EMAIL_FROM", "cxm@localhost")
CXM_TELEGRAM_BOT_TOKEN = env_str("CXM_TELEGRAM_BOT_TOKEN", "")
CXM_TELEGRAM_API_URL = env_str("CXM_TELEGRAM_API_URL", "https://api.telegram.org")
CXM_NOTIFY_TIMEOUT_SECONDS = env_int("CXM_NOTIFY_TIMEOUT_SECONDS", 10)
CXM_NOTIFY_MAX_ATTEMPTS = env_int("CXM_NOTIFY_MAX_ATTEMPTS", 5)
# The n-th retry waits this many seconds times 2^(n−1).
CXM_NOTIFY_BACKOFF_SECONDS = env_int("CXM_NOTIFY_BACKOFF_SECONDS", 60)
# How often the worker evaluates the rules, escalates and sends due digests.
CXM_ORGANIZER_TICK_SECONDS = env_int("CXM_ORGANIZER_TICK_SECONDS", 300)
# A task still "running" this long after it started lost its worker: it goes back to the queue.
CXM_TASK_LEASE_SECONDS = env_int("CXM_TASK_LEASE_SECONDS", 900)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every record passes the redaction filter: no tokens, passwords, e-mails or phones.
    "filters": {"redact": {"()": "cxm.trust.logs.RedactFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "cxm.trust.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # At the handler too: loggers with a level of their own (Django's `django` logger
            # is at INFO) would otherwise print below CXM_LOG_LEVEL.
            "level": env_str("CXM_LOG_LEVEL", "WARNING"),
            "filters": ["redact"],
            "formatter": env_str("CXM_LOG_FORMAT", "text"),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("CXM_LOG_LEVEL", "WARNING")},
}
