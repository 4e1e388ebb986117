"""Staff roles: Moderators act on members and safety; Analysts only look and export.

Background jobs (/admin/rq/) are operators' business: only superusers act there.
"""

import datetime as dt
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from core import clock

PRODUCT_APPS = ("accounts", "matching", "chats", "tips", "moderation", "coach", "core")
MODERATORS, ANALYSTS = "Moderators", "Analysts"
# Reference data moderators may also create and delete.
MODERATOR_FULL_MODELS = {
    "moderation.hotline",
    "accounts.topic",
    "moderation.sanction",
    "moderation.sanctionreason",
    "moderation.alertchat",
}
# Custom permissions ("<app>.<codename>") only moderators hold.
MODERATOR_EXTRA_PERMISSIONS = {"tips.refund_tip"}


def is_moderator(user) -> bool:
    return user.is_superuser or user.groups.filter(name=MODERATORS).exists()


def moderator_users():
    """Staff who may hold a case (analysts never do)."""

    return User.objects.filter(Q(is_superuser=True) | Q(groups__name=MODERATORS), is_active=True).distinct()


def is_operator(user) -> bool:
    return user.is_active and user.is_superuser


def operators_only(view):
    """A staff view only operators may open (job queues: delete, requeue, stop, empty)."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not is_operator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


REAUTH_SESSION_KEY = "staff_reauth_at"


def recently_authenticated(request) -> bool:
    """Whether the staff member typed their password (login or confirmation) in the last minutes."""

    window = dt.timedelta(minutes=settings.STAFF_REAUTH_MINUTES)
    confirmed = request.session.get(REAUTH_SESSION_KEY)
    moments = [request.user.last_login, dt.datetime.fromisoformat(confirmed) if confirmed else None]
    return any(moment and clock.now() - moment < window for moment in moments)


def mark_reauthenticated(request) -> None:
    request.session[REAUTH_SESSION_KEY] = clock.now().isoformat()


def sync_role_permissions(app_config=None, **kwargs) -> None:
    """Give each role its permissions on every product model (run after every migrate)."""
    if app_config is not None and app_config.label not in PRODUCT_APPS:
        return
    moderators, _ = Group.objects.get_or_create(name=MODERATORS)
    analysts, _ = Group.objects.get_or_create(name=ANALYSTS)
    moderator_perms, analyst_perms = [], []
    for model in apps.get_models():
        if model._meta.app_label not in PRODUCT_APPS:
            continue
        label = model._meta.label_lower
        perms = {
            p.codename: p
            for p in Permission.objects.filter(
                content_type__app_label=model._meta.app_label, content_type__model=model._meta.model_name
            )
        }
        view = perms.get(f"view_{model._meta.model_name}")
        change = perms.get(f"change_{model._meta.model_name}")
        if view:
            analyst_perms.append(view)
            moderator_perms.append(view)
        if change:
            moderator_perms.append(change)
        if label in MODERATOR_FULL_MODELS:
            moderator_perms += [p for code, p in perms.items() if code.startswith(("add_", "delete_"))]
        app = model._meta.app_label
        moderator_perms += [p for code, p in perms.items() if f"{app}.{code}" in MODERATOR_EXTRA_PERMISSIONS]
    # The audit log across moderators: moderators read it, nobody edits it.
    moderator_perms += list(
        Permission.objects.filter(content_type__app_label="admin", codename="view_logentry")
    )
    moderators.permissions.set(moderator_perms)
    analysts.permissions.set(analyst_perms)
