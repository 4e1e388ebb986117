"""Reads of the matching app: what a notice needs to be shown to a member."""

from __future__ import annotations

from django.db import connection

from accounts.models import Member, Topic
from accounts.selectors import member_card
from matching.models import Proposal, SearchRequest

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


def waiting_count() -> int:
    return SearchRequest.objects.filter(status=SearchRequest.Status.WAITING).count()


def barred_pairs(*, member_ids: list[int]) -> set[tuple[int, int]]:
    """Pairs (lower id, higher id) never to be put together again, among pairs touching
    `member_ids`: a block either way, or a report a moderator has not dismissed as unfounded."""
    from moderation.models import Block, Report

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT blocker_id, blocked_id FROM {Block._meta.db_table}"
            " WHERE blocker_id = ANY(%s) OR blocked_id = ANY(%s)"
            f" UNION SELECT reporter_id, reported_id FROM {Report._meta.db_table}"
            " WHERE (reporter_id = ANY(%s) OR reported_id = ANY(%s)) AND status <> %s",
            (member_ids, member_ids, member_ids, member_ids, Report.Status.DISMISSED),
        )
        return {(min(a, b), max(a, b)) for a, b in cursor.fetchall()}
