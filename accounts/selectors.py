"""Reads of the accounts app."""

from __future__ import annotations

from accounts.models import Member, Preferences, Topic


def topics_active() -> list[Topic]:
    return list(Topic.objects.filter(is_active=True).order_by("order", "title"))


def member_topic_ids(*, member: Member) -> set[int]:
    return set(member.member_topics.values_list("topic_id", flat=True))


def member_card(*, member: Member) -> dict:
    """What the member sees of their own profile (and what a partner may see of it)."""
    preferences = Preferences.objects.filter(member=member).first()
    return {
        "pseudonym": member.pseudonym,
        "timezone": member.timezone,
        "bio": member.bio,
        "topics": [
            mt.topic.title for mt in member.member_topics.select_related("topic").order_by("topic__order")
        ],
        "expectations": [Member.Expectation(v).label for v in member.expectations],
        "availability": [Member.Window(v).label for v in member.availability],
        "protect_content": bool(preferences and preferences.protect_content),
        "coach_opt_in": member.coach_opt_in,
    }


def member_data_export(*, member: Member) -> dict:
    """Everything stored about a member (/mydata)."""
    from django.apps import apps

    data = {
        "ref": member.ref,
        "telegram_id": member.tg_id,
        "pseudonym": member.pseudonym,
        "timezone": member.timezone,
        "bio": member.bio,
        "expectations": member.expectations,
        "availability": member.availability,
        "topics": [mt.topic.slug for mt in member.member_topics.select_related("topic")],
        "status": member.status,
        "muted_until": member.muted_until,
        "banned_until": member.banned_until,
        "onboarding_step": member.onboarding_step,
        "rules_accepted_at": member.rules_accepted_at,
        "adult_confirmed_at": member.adult_confirmed_at,
        "created_at": member.created_at,
        "last_seen_at": member.last_seen_at,
        "helpfulness": member.helpfulness,
        "ratings_count": member.ratings_count,
        "coach_opt_in": member.coach_opt_in,
    }
    preferences = Preferences.objects.filter(member=member).first()
    if preferences:
        data["preferences"] = {
            "protect_content": preferences.protect_content,
            "sensitivity": preferences.sensitivity,
            "digest_opt_in": preferences.digest_opt_in,
        }
    # Rows of other apps that point at the member, as counts (never other members' data).
    counts = {}
    for model in apps.get_models():
        if model is Member or model._meta.app_label not in {
            "matching",
            "chats",
            "tips",
            "moderation",
            "coach",
        }:
            continue
        for field in model._meta.get_fields():
            if getattr(field, "related_model", None) is Member and field.many_to_one:
                n = model.objects.filter(**{field.name: member}).count()
                if n:
                    counts[f"{model._meta.label_lower}.{field.name}"] = n
    data["records"] = counts
    return data
