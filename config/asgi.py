"""ASGI entry point.

Telegram's webhook and the health probes go through a lean Django handler: the same URLconf and
django-ninja views, but only async-native middleware and no per-request thread hops (Django's
MiddlewareMixin middleware and the connection-closing signals each cost a hop to the sync
thread). Everything else (admin, metrics) takes the full middleware stack.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

django_application = get_asgi_application()

from core import hooks  # noqa: E402 - after Django is set up

# Dictionaries and weights (the safety detector's) load at process start, not in the first
# member's message (pymorphy3 alone takes about a second).
hooks.process_started()

from core.asgi import LeanASGIHandler, route_lean_paths  # noqa: E402 - needs Django set up

application = route_lean_paths(full=django_application, lean=LeanASGIHandler())
