"""Moderators' triage of a case (a report or a safety flag): take it, then resolve or dismiss it."""

from __future__ import annotations

import django_rq
from django.db import transaction

from core import clock
from moderation import sanctions
from moderation.models import Report, SafetyFlag, Sanction


@transaction.atomic
def case_take(*, case: Report | SafetyFlag, by, take_over: bool = False) -> bool:
    """Claim a report or flag. Someone else's claim is a lock: taken over only when asked to."""
    case = type(case).objects.select_for_update().get(pk=case.pk)
    if case.status not in ("new", "in_review"):
        return False
    if case.assignee_id not in (None, by.pk) and not take_over:
        return False
    case.status, case.assignee = "in_review", by
    case.save(update_fields=["status", "assignee"])
    return True


@transaction.atomic
def case_close(
    *, case: Report | SafetyFlag, by, dismiss: bool = False, measure: str = "", reason: str = ""
) -> Sanction | None:
    """Resolve (or dismiss) a case; a measure is applied to the member first and linked to the case."""
    case = type(case).objects.select_for_update().get(pk=case.pk)
    sanction = None
    if measure:
        member_id = case.reported_id if isinstance(case, Report) else case.member_id
        link = {"report": case} if isinstance(case, Report) else {"flag": case}
        sanction = sanctions.sanction_apply(member_id=member_id, choice=measure, reason=reason, by=by, **link)
    case.status = "dismissed" if dismiss else "resolved"
    case.resolved_at, case.assignee = clock.now(), case.assignee or by
    case.save(update_fields=["status", "resolved_at", "assignee"])
    if isinstance(case, Report):  # the reporter hears that it was handled, not how
        transaction.on_commit(
            lambda: django_rq.get_queue("telegram").enqueue("moderation.tasks.report_closed_notify", case.pk)
        )
    return sanction
