import os

from .base import *  # noqa: F403
from .base import REDIS_URL as _BASE_REDIS_URL
from .base import env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"
TELEGRAM_BOT_TOKEN = "123456:TEST-token"
TELEGRAM_BOT_USERNAME = "ty_ne_odin_test_bot"
TELEGRAM_WEBHOOK_SECRET = "test-webhook-secret"
# Pointed at the fake Bot API by the tests' fixture.
TELEGRAM_API_BASE_URL = env("TELEGRAM_API_BASE_URL", default="http://127.0.0.1:9")
PSEUDONYM_SECRET = "test-pseudonym-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TELEGRAM_MAX_INLINE_RETRY_AFTER = 1

DATABASES["default"]["OPTIONS"]["pool"]["timeout"] = 2.0  # noqa: F405

# Parallel test runs (several developers or helpers on one machine) each take their own database
# and Redis db: TEST_DB_SUFFIX=alice TEST_REDIS_DB=3 make test.
_suffix = env("TEST_DB_SUFFIX", default="")
DATABASES["default"]["TEST"] = {"NAME": f"test_tno{'_' + _suffix if _suffix else ''}"}  # noqa: F405
_redis_db = env.int("TEST_REDIS_DB", default=1)
# pytest-xdist: pytest-django gives each worker its own database; give each its own Redis db too
# (every test flushes its db). gw0 → base+1, gw1 → base+2, …
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # set by pytest-xdist, not by people
if _xdist_worker.startswith("gw"):
    _redis_db += 1 + int(_xdist_worker[2:])
REDIS_URL = (
    _BASE_REDIS_URL.rsplit("db=", 1)[0] + f"db={_redis_db}"
    if "db=" in _BASE_REDIS_URL
    else _BASE_REDIS_URL.rstrip("/") + f"/{_redis_db}"
)
for _queue in RQ_QUEUES.values():  # noqa: F405
    _queue["URL"] = REDIS_URL
