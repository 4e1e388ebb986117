"""Production: every secret must come from the environment; a missing one stops start-up in one line."""

import os
import socket
from pathlib import Path

import environ

# Checked before base is imported: base starts the embedded PostgreSQL/Redis for an unset
# DATABASE_URL/REDIS_URL, which production must never do.
environ.Env.read_env(Path(__file__).resolve().parent.parent.parent / ".env", overwrite=False)
_REQUIRED = (
    "DJANGO_SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "PUBLIC_BASE_URL",
    "PSEUDONYM_SECRET",
    "DJANGO_ALLOWED_HOSTS",
)
_missing = [name for name in _REQUIRED if not os.environ.get(name, "").strip()]
if _missing:
    # SystemExit prints this one line to stderr and exits 1, without a traceback.
    raise SystemExit(f"Missing required environment variable(s): {', '.join(_missing)} (see .env.example)")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")


def _own_hosts() -> list[str]:
    """This machine's (container's) own name and addresses.

    Prometheus scrapes every web replica by its IP address (DNS discovery of the compose service)
    and Django checks the Host header, so each replica also accepts its own addresses.
    """
    try:
        name, aliases, addresses = socket.gethostbyname_ex(socket.gethostname())
    except OSError:
        return []
    return [name, *aliases, *addresses]


ALLOWED_HOSTS = [*env.list("DJANGO_ALLOWED_HOSTS"), *_own_hosts()]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Admin static files are collected into the image at build time and served by WhiteNoise.
STATIC_ROOT = BASE_DIR / "staticfiles"  # noqa: F405
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
