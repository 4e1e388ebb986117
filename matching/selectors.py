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


def notices_for_delivery(notices) -> list[tuple[int, object]]:
    """(chat id, notice with its context filled in) for reachable members, in order."""
    ids = {n.member_id for n in notices} | {
        n.context.get("partner_id") for n in notices if n.context.get("partner_id")
    }
    members = {m.pk: m for m in Member.objects.filter(pk__in=ids)}
    out = []
    for notice in notices:
        member = members.get(notice.member_id)
        if member is None or not member.is_reachable or member.tg_id is None:
            continue
        if notice.template == "matching/proposal":
            proposal = Proposal.objects.get(pk=notice.context["proposal_id"])
            notice.context["partner"] = preview_card(
                partner=members[notice.context["partner_id"]], shared_topic_ids=proposal.shared_topic_ids
            )
            notice.context["minutes"] = 5
        elif notice.context.get("partner_id"):
            notice.context["partner_pseudonym"] = members[notice.context["partner_id"]].pseudonym
        out.append((member.tg_id, notice))
    return out


def waiting_count() -> int:
    return SearchRequest.objects.filter(status=SearchRequest.Status.WAITING).count()
