"""Settings shared by every environment, read from the environment with django-environ."""

from pathlib import Path

import environ

from config import embedded

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-secret-key-change-me-0123456789")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django_prometheus",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "config.apps.RQConfig",
    "config.apps.AxesConfig",
    "core",
    "accounts",
    "matching",
    "chats",
    "tips",
    "moderation",
    "coach",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The admin's CSS and JS in every environment (`make run` has DEBUG off too).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.AdminContentSecurityPolicyMiddleware",
    "core.middleware.StaffTimezoneMiddleware",
    # Admin login brute force: after AXES_FAILURE_LIMIT wrong passwords the user+IP (or IP) is locked out.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("STAFF_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
# Per account and address, and per address alone: trying many usernames from one address is locked too.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
# Only staff have sessions: one lasts a working day; a ban asks for the password again when the
# login is older than STAFF_REAUTH_MINUTES.
SESSION_COOKIE_AGE = env.int("STAFF_SESSION_HOURS", default=10) * 3600
STAFF_REAUTH_MINUTES = env.int("STAFF_REAUTH_MINUTES", default=15)
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

# The webhook and health probes run through core.asgi.LeanASGIHandler with only these
# (async-native) middleware; see config/asgi.py.
LEAN_MIDDLEWARE = ["core.middleware.RequestIdMiddleware"]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The embedded PostgreSQL is used when DATABASE_URL is unset (see config/embedded.py).
DATABASE_URL = env("DATABASE_URL", default="") or embedded.postgres_url()
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"].setdefault("OPTIONS", {})
for _key in ("host", "port"):  # a unix-socket URL carries these as query parameters
    if _key in DATABASES["default"]["OPTIONS"]:
        DATABASES["default"][_key.upper()] = str(DATABASES["default"]["OPTIONS"].pop(_key))
DATABASES["default"]["OPTIONS"]["pool"] = {
    "min_size": env.int("DATABASE_POOL_MIN", default=1),
    "max_size": env.int("DATABASE_POOL_MAX", default=12),
    "timeout": env.float("DATABASE_POOL_TIMEOUT", default=5.0),
}
DATABASES["default"]["CONN_MAX_AGE"] = 0

REDIS_URL = env("REDIS_URL", default="") or embedded.redis_url()

RQ_QUEUES = {
    "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300},
    "telegram": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600},
}
RQ_SHOW_ADMIN_LINK = True
RQ = {"WORKER_CLASS": "core.worker.Worker"}
# How often a worker retries jobs abandoned by a dead worker and claims a dead scheduler's lock.
RQ_MAINTENANCE_SECONDS = env.int("RQ_MAINTENANCE_SECONDS", default=60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ru"
TIME_ZONE = "UTC"
# Staff pages show times in this zone (members mostly live in it); the header says which it is.
STAFF_TIME_ZONE = env("STAFF_TIME_ZONE", default="Europe/Moscow")
# The launch KPI `avg_tip ≥ threshold` (seed 000 leaves the threshold to the team), in Stars.
KPI_AVG_TIP_TARGET = env.int("KPI_AVG_TIP_TARGET", default=10)
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served straight from the apps' static folders: no collectstatic step before `make run` or tests.
# Production serves the collected, hashed copies instead (see production.py).
WHITENOISE_USE_FINDERS = True

# Telegram
TELEGRAM_BOT_TOKEN = env("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_BOT_USERNAME = env("TELEGRAM_BOT_USERNAME", default="ty_ne_odin_bot")
TELEGRAM_WEBHOOK_SECRET = env("TELEGRAM_WEBHOOK_SECRET", default="")
TELEGRAM_API_BASE_URL = env("TELEGRAM_API_BASE_URL", default="https://api.telegram.org").rstrip("/")
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="").rstrip("/")
PSEUDONYM_SECRET = env("PSEUDONYM_SECRET", default="dev-only-pseudonym-secret")
# How long a Telegram flood answer (429) may be waited out inside a webhook request.
# How long a new conversation lasts before its timer ends it (24–72 h; both may extend to 72 h).
CHAT_DEFAULT_HOURS = env.int("CHAT_DEFAULT_HOURS", default=24)
TELEGRAM_MAX_INLINE_RETRY_AFTER = env.int("TELEGRAM_MAX_INLINE_RETRY_AFTER", default=3)
WEBHOOK_RETRY_AFTER_SECONDS = env.int("WEBHOOK_RETRY_AFTER_SECONDS", default=5)
# Updates one web process handles at once before it answers 503 "busy" (see core/api.py).
WEBHOOK_MAX_IN_FLIGHT = env.int("WEBHOOK_MAX_IN_FLIGHT", default=48)
# AI coach: an OpenAI-compatible /chat/completions API (unset: offline Russian rules only).
COACH_OPENAI_BASE_URL = env("COACH_OPENAI_BASE_URL", default="").rstrip("/")
COACH_OPENAI_API_KEY = env("COACH_OPENAI_API_KEY", default="")
COACH_OPENAI_MODEL = env("COACH_OPENAI_MODEL", default="gpt-4o-mini")
COACH_OPENAI_TIMEOUT = env.float("COACH_OPENAI_TIMEOUT", default=4.0)
PROCESSED_UPDATE_RETENTION_DAYS = 7
DEAD_LETTER_RETENTION_DAYS = 14

SECURE_REDIRECT_EXEMPT = [r"^telegram/webhook$", r"^health", r"^metrics$"]
APPEND_SLASH = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
    },
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # httpx logs every request URL at INFO, and the Bot API URL carries the token
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "aiohttp": {"level": "WARNING"},  # the Bot API's transport (config.telegram)
        "telegram": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
        "rq.worker": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
