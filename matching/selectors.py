"""Reads of the matching app: what a notice needs to be shown to a member."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from accounts.models import Member, MemberTopic, Topic
from accounts.selectors import member_card
from core.db import int_array
from matching.models import Proposal, SearchRequest
from moderation.models import Block, Report

# The card (sprint 2): three shared tags and a bio of at most 120 characters; the full bio
# stays in the partner's /profile.
CARD_TOPICS = 3
CARD_BIO_MAX = 120


def short_bio(bio: str, limit: int = CARD_BIO_MAX) -> str:
    """The bio cut to `limit` characters at a word boundary, with an ellipsis when cut."""
    bio = " ".join(bio.split())
    if len(bio) <= limit:
        return bio
    cut = bio[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:—-") + "…"


def preview_card(*, partner: Member, shared_topic_ids: list[int]) -> dict:
    """What a member may see of a proposed partner: never the Telegram account."""
    card = member_card(member=partner)
    shared = list(
        Topic.objects.filter(pk__in=shared_topic_ids)
        .order_by("order", "title")
        .values_list("title", flat=True)
    )
    return {
        "pseudonym": card["pseudonym"],
        "avatar": card["avatar"],
        "timezone": card["timezone"],
        "expectations": card["expectations"],
        "bio": short_bio(card["bio"] or ""),
        "shared_topics": shared[:CARD_TOPICS],
        "more_topics": max(len(shared) - CARD_TOPICS, 0),
    }


def notice_context(notices, members: dict) -> None:
    """accounts.notices.deliver's `prepare`: the partner's preview card on a proposal, the
    partner's pseudonym elsewhere (filled at sending time, after the round committed)."""
    for notice in notices:
        partner = members.get(notice.context.get("partner_id"))
        if partner is None:
            continue
        if notice.template == "matching/proposal":
            proposal = Proposal.objects.get(pk=notice.context["proposal_id"])
            notice.context["partner"] = preview_card(
                partner=partner, shared_topic_ids=proposal.shared_topic_ids
            )
            notice.context["minutes"] = 5
        else:
            notice.context["partner_pseudonym"] = partner.pseudonym


# Honest waiting: the estimate reads the last two weeks and says nothing from fewer than 5 searches.
ESTIMATE_WINDOW = dt.timedelta(days=14)
ESTIMATE_MIN_SAMPLES = 5


def wait_estimate(*, member_id: int, now: dt.datetime) -> dict:
    """Recent time to a first proposal for searches by members sharing a topic with this one:
    the median in minutes and how many searches it rests on, the share of finished searches that
    got a proposal; `minutes` is None when there are too few searches to say honestly."""
    search, member_topic = SearchRequest._meta.db_table, MemberTopic._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE s.first_proposal_at IS NOT NULL),"
            " count(*) FILTER (WHERE s.first_proposal_at IS NOT NULL OR s.status <> %(waiting)s),"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM s.first_proposal_at - s.created_at))"
            f" FROM {search} s WHERE s.created_at >= %(since)s AND s.created_at < %(now)s"
            f" AND EXISTS (SELECT 1 FROM {member_topic} theirs JOIN {member_topic} mine"
            " ON mine.topic_id = theirs.topic_id AND mine.member_id = %(member)s"
            " WHERE theirs.member_id = s.member_id)",
            {
                "waiting": SearchRequest.Status.WAITING,
                "since": now - ESTIMATE_WINDOW,
                "now": now,
                "member": member_id,
            },
        )
        samples, finished, median = cursor.fetchone()
    if samples < ESTIMATE_MIN_SAMPLES or median is None:
        return {"minutes": None, "samples": samples}
    return {
        "minutes": int(median // 60),
        "samples": samples,
        "found_percent": round(100 * samples / finished) if finished else 100,
    }


def waiting_count() -> int:
    return SearchRequest.objects.filter(status=SearchRequest.Status.WAITING).count()


def barred_pairs(*, member_ids: list[int]) -> set[tuple[int, int]]:
    """Pairs (lower id, higher id) never to be put together again, among pairs touching
    `member_ids`: a block either way, or a report a moderator has not dismissed as unfounded."""

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT blocker_id, blocked_id FROM {Block._meta.db_table}"
            " WHERE blocker_id = ANY(%(ids)s::bigint[]) OR blocked_id = ANY(%(ids)s::bigint[])"
            f" UNION SELECT reporter_id, reported_id FROM {Report._meta.db_table}"
            " WHERE (reporter_id = ANY(%(ids)s::bigint[]) OR reported_id = ANY(%(ids)s::bigint[]))"
            " AND status <> %(dismissed)s",
            {"ids": int_array(member_ids), "dismissed": Report.Status.DISMISSED},
        )
        return {(min(a, b), max(a, b)) for a, b in cursor.fetchall()}
