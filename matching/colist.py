"""The co-list notice: members who saved a topic "for later" hear, at most once a day, that
someone with that topic is searching now (the job that sends it is accounts.tasks.colist_notify)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from accounts.models import LaterTopic, MemberTopic, Preferences
from accounts.notices import Notice
from accounts.selectors import reachable_onboarded
from core import clock
from matching.models import SearchRequest

COLIST_GAP = dt.timedelta(days=1)
# A search counts as "someone is looking now" for the co-list while it is this fresh.
COLIST_WINDOW = dt.timedelta(minutes=30)


@transaction.atomic
def colist_claim(*, limit: int) -> list[Notice]:
    """Members to tell that someone with a topic from their co-list is searching now (opted in,
    reachable, not searching themselves, at most once a day); marks them notified."""
    now = clock.now()
    searching = SearchRequest.objects.filter(
        status=SearchRequest.Status.WAITING, created_at__gte=now - COLIST_WINDOW
    )
    searchers_by_topic: dict[int, set[int]] = {}
    for topic_id, member_id in MemberTopic.objects.filter(member__searches__in=searching).values_list(
        "topic_id", "member_id"
    ):
        searchers_by_topic.setdefault(topic_id, set()).add(member_id)
    if not searchers_by_topic:
        return []
    busy = SearchRequest.objects.filter(
        status__in=[SearchRequest.Status.WAITING, SearchRequest.Status.PROPOSED]
    ).values("member_id")
    due = list(
        Preferences.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(colist_opt_in=True, member__in=reachable_onboarded().exclude(pk__in=busy))
        .filter(
            member__in=LaterTopic.objects.filter(topic_id__in=list(searchers_by_topic)).values("member_id")
        )
        .filter(Q(colist_notified_at__isnull=True) | Q(colist_notified_at__lte=now - COLIST_GAP))
        .select_related("member")
        .order_by("pk")[:limit]
    )
    notices = []
    for preferences in due:
        member = preferences.member
        titles = [
            later.topic.title
            for later in member.later_topics.select_related("topic").order_by("topic__order")
            if searchers_by_topic.get(later.topic_id, set()) - {member.pk}
        ]
        if titles:
            notices.append(
                Notice(member.pk, "accounts/colist_notice", {"topics": titles}, "accounts.colist_notice")
            )
    Preferences.objects.filter(member_id__in=[n.member_id for n in notices]).update(colist_notified_at=now)
    return notices


@transaction.atomic
def colist_release(*, member_ids: list[int]) -> None:
    Preferences.objects.filter(member_id__in=member_ids).update(colist_notified_at=None)
