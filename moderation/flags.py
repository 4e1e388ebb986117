"""Safety flags for moderators and the alerts that page them: opened by the detector (crisis,
toxicity), by repeated reports (never by one member's word about another alone), and by a member
who says they need help now."""

from __future__ import annotations

import datetime as dt

import django_rq
from django.db import transaction
from rq import Retry

from core import clock
from moderation import metrics
from moderation.models import Report, SafetyFlag

# Only reports from this many *different* members within the window raise a flag for moderators,
# and still no automatic measure: people decide.
REPORTERS_TO_FLAG = 2
REPORTERS_WINDOW = dt.timedelta(days=7)
# A job whose worker died (kill -9, OOM) is found abandoned by rq and run again.
ALERT_RETRY = Retry(max=3, interval=[10, 60, 300])


def flag_open(*, member_id: int, session_id: int | None, kind: str, severity: int, details: str):
    """A new flag, or the open one of the same kind for the same session (no pile of duplicates)."""
    existing = (
        SafetyFlag.objects.select_for_update()
        .filter(member_id=member_id, kind=kind, session_id=session_id, status__in=SafetyFlag.OPEN)
        .first()
    )
    if existing is not None:
        return existing, False
    flag = SafetyFlag.objects.create(
        member_id=member_id, session_id=session_id, kind=kind, severity=severity, details=details[:200]
    )
    metrics.safety_flags_total.labels(kind).inc()
    return flag, True


def flag_repeated_reports(*, reported_id: int) -> None:
    """Reports from REPORTERS_TO_FLAG different members within the window (dismissed ones aside): one
    open «repeated reports» flag for moderators, its details kept current. Nothing else happens."""
    reporters = (
        Report.objects.filter(reported_id=reported_id, created_at__gte=clock.now() - REPORTERS_WINDOW)
        .exclude(status=Report.Status.DISMISSED)
        .values("reporter_id")
        .distinct()
        .count()
    )
    if reporters < REPORTERS_TO_FLAG:
        return
    details = f"Жалобы от {reporters} разных участников за {REPORTERS_WINDOW.days} дней"
    # In the queue, not paged (pages are for danger); HIGH would mean "in crisis" to matching.
    flag, created = flag_open(
        member_id=reported_id,
        session_id=None,
        kind=SafetyFlag.Kind.REPORTS,
        severity=SafetyFlag.Severity.MEDIUM,
        details=details,
    )
    if not created and flag.details != details:
        flag.details = details
        flag.save(update_fields=["details"])


def alert_on_commit(kind: str, object_id: int) -> None:
    transaction.on_commit(
        lambda: django_rq.get_queue("telegram").enqueue(
            "moderation.tasks.alert_moderators", kind, object_id, retry=ALERT_RETRY
        )
    )


ASKED_FOR_HELP = "Участник сам нажал «Мне нужна помощь сейчас»"


def _crisis_flag_open(member_id: int, session_id: int | None, details: str):
    return flag_open(
        member_id=member_id,
        session_id=session_id,
        kind=SafetyFlag.Kind.CRISIS,
        severity=SafetyFlag.Severity.HIGH,
        details=details,
    )


@transaction.atomic
def crisis_help_asked(*, member_id: int, session_id: int | None) -> None:
    """A member tapped «Мне нужна помощь сейчас» on a crisis step: a high-risk flag and a page,
    whichever tier asked (a gentle question too: their own word outweighs any detector's score).
    An open crisis flag of the chat says so and pages again, once."""
    flag, created = _crisis_flag_open(member_id, session_id, ASKED_FOR_HELP)
    if not created:
        if ASKED_FOR_HELP in flag.details:
            return
        flag.details = f"{ASKED_FOR_HELP}. {flag.details}"[:200]
        flag.alerted_at = None
        flag.save(update_fields=["details", "alerted_at"])
    alert_on_commit("flag", flag.pk)


@transaction.atomic
def crisis_flag(*, member_id: int, session_id: int | None) -> bool:
    """Crisis language in a chat: a high-risk flag (one per session) and moderators alerted."""
    flag, created = _crisis_flag_open(
        member_id, session_id, "Кризисные слова в разговоре (текст не хранится)"
    )
    if created:
        alert_on_commit("flag", flag.pk)
    return created
