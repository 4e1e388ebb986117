"""Reads of the matching app: what a notice needs to be shown to a member."""

from __future__ import annotations

from accounts.models import Member, Topic
from accounts.selectors import member_card
from matching.models import Proposal, SearchRequest


def preview_card(*, partner: Member, shared_topic_ids: list[int]) -> dict:
    """What a member may see of a proposed partner: never the Telegram account."""
    card = member_card(member=partner)
    return {
        "pseudonym": card["pseudonym"],
        "avatar": card["avatar"],
        "timezone": card["timezone"],
        "expectations": card["expectations"],
        "bio": card["bio"],
        "shared_topics": list(Topic.objects.filter(pk__in=shared_topic_ids).values_list("title", flat=True)),
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
