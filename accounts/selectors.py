"""Reads of the accounts app."""

from __future__ import annotations

from django.apps import apps

from accounts import avatars
from accounts.keyboards import timezone_label
from accounts.models import LaterTopic, Member, Preferences, Topic
from core.messaging import button

# The country a timezone suggests in onboarding (the member can always pick another).
COUNTRY_BY_TIMEZONE = {
    "Europe/Moscow": "RU",
    "Europe/Kaliningrad": "RU",
    "Europe/Samara": "RU",
    "Europe/Volgograd": "RU",
    "Asia/Yekaterinburg": "RU",
    "Asia/Omsk": "RU",
    "Asia/Novosibirsk": "RU",
    "Asia/Krasnoyarsk": "RU",
    "Asia/Irkutsk": "RU",
    "Asia/Yakutsk": "RU",
    "Asia/Vladivostok": "RU",
    "Asia/Magadan": "RU",
    "Asia/Kamchatka": "RU",
    "Europe/Minsk": "BY",
    "Asia/Almaty": "KZ",
    "Asia/Qostanay": "KZ",
    "Asia/Aqtobe": "KZ",
    "Asia/Aqtau": "KZ",
    "Europe/Kyiv": "UA",
    "Europe/Kiev": "UA",
    "Asia/Tashkent": "UZ",
    "Asia/Samarkand": "UZ",
    "Asia/Yerevan": "AM",
    "Asia/Tbilisi": "GE",
}


def country_suggested(timezone: str) -> str:
    """The country a member in `timezone` most likely lives in ("" when we cannot tell)."""
    return COUNTRY_BY_TIMEZONE.get(timezone, "")


def country_label(code: str) -> str:
    return button(f"accounts.country.{code}") if code else "—"


def topics_active() -> list[Topic]:
    return list(Topic.objects.filter(is_active=True).order_by("order", "title"))


def member_topic_ids(*, member: Member) -> set[int]:
    return set(member.member_topics.values_list("topic_id", flat=True))


def timezone_display(name: str) -> str:
    """A timezone as a member reads it: the onboarding label they tapped, else «UTC+5»."""

    return timezone_label(name)


def member_card(*, member: Member) -> dict:
    """What the member sees of their own profile (and what a partner may see of it)."""
    preferences = Preferences.objects.filter(member=member).first()
    return {
        "pseudonym": member.pseudonym,
        "timezone": timezone_display(member.timezone),
        "bio": member.bio,
        "topics": [
            mt.topic.title for mt in member.member_topics.select_related("topic").order_by("topic__order")
        ],
        "expectations": [Member.Expectation(v).label for v in member.expectations],
        "availability": [Member.Window(v).label for v in member.availability],
        "protect_content": bool(preferences and preferences.protect_content),
        "coach_opt_in": member.coach_opt_in,
        "avatar": member.avatar or avatars.avatar_for(member.ref),
        "country": country_label(member.country),
        "sensitivity": (
            Preferences.Sensitivity(preferences.sensitivity).label
            if preferences and preferences.sensitivity
            else ""
        ),
        "later_topics": [
            lt.topic.title for lt in member.later_topics.select_related("topic").order_by("topic__order")
        ],
        "colist_opt_in": bool(preferences and preferences.colist_opt_in),
        "digest_opt_in": bool(preferences and preferences.digest_opt_in),
    }


def member_view(*, member: Member) -> dict:
    """What answering the member needs besides the member row: the topic keyboard when they are
    choosing topics, their card once onboarded (read in the same database hop as the update)."""
    view: dict = {}
    if member.onboarding_step == Member.Step.TOPICS or member.awaiting == "accounts:edit_topics":
        view["topics"] = topics_active()
        view["selected"] = member_topic_ids(member=member)
    if member.awaiting == "accounts:edit_colist":
        view["topics"] = topics_active()
        view["later"] = set(LaterTopic.objects.filter(member=member).values_list("topic_id", flat=True))
    if member.onboarding_step == Member.Step.COUNTRY or member.awaiting == "accounts:edit_country":
        view["suggested"] = country_suggested(member.timezone)
    if member.onboarding_step == Member.Step.SENSITIVITY or member.awaiting == "accounts:edit_sensitivity":
        preferences = Preferences.objects.filter(member=member).first()
        view["sensitivity"] = preferences.sensitivity if preferences else ""
    if member.is_onboarded:
        view["card"] = member_card(member=member)
    return view


# Apps whose rows may point at a member; /mydata lists them.
_RECORD_APPS = ("matching", "chats", "tips", "moderation", "coach")
_RECORDS_PER_KIND = 500


def _own_fields(row) -> dict:
    """A row's own values, without links to other rows (which could describe another member)."""
    return {f.name: f.value_from_object(row) for f in row._meta.concrete_fields if not f.is_relation}


def member_data_export(*, member: Member) -> dict:
    """Everything stored about a member (/mydata)."""

    data = {
        "ref": member.ref,
        "telegram_id": member.tg_id,
        "pseudonym": member.pseudonym,
        "timezone": member.timezone,
        "country": member.country,
        "avatar": member.avatar,
        "later_topics": [lt.topic.slug for lt in member.later_topics.select_related("topic")],
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
        "safety_cards_seen_at": member.safety_cards_seen_at,
        "created_at": member.created_at,
        "onboarded_at": member.onboarded_at,
        "last_seen_at": member.last_seen_at,
        "unreachable_since": member.unreachable_since,
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
            "digest_sent_at": preferences.digest_sent_at,
            "colist_opt_in": preferences.colist_opt_in,
            "colist_notified_at": preferences.colist_notified_at,
        }
    # Rows of other apps that point at the member. Rows about the member alone (their searches)
    # are shown in full; rows shared with another member (matches, chats, ratings, reports) are
    # counted, so the export never reveals what someone else did.
    records: dict[str, list[dict] | dict[str, int]] = {}
    for model in apps.get_models():
        if model._meta.app_label not in _RECORD_APPS:
            continue
        links = [f for f in model._meta.concrete_fields if f.is_relation and f.related_model is Member]
        label = model._meta.label_lower
        if len(links) == 1:
            rows = model.objects.filter(**{links[0].name: member}).order_by("pk")
            found = [_own_fields(row) for row in rows[:_RECORDS_PER_KIND]]
            if found:
                records[label] = found
            continue
        counts = {f.name: model.objects.filter(**{f.name: member}).count() for f in links}
        if any(counts.values()):
            records[label] = {role: n for role, n in counts.items() if n}
    data["records"] = records
    return data


def reachable_onboarded():
    """Members a batched notice may go to: onboarded, reachable, neither erased nor banned."""
    return Member.objects.filter(
        onboarding_step=Member.Step.DONE, unreachable_since__isnull=True, tg_id__isnull=False
    ).exclude(status__in=[Member.Status.DELETED, Member.Status.BANNED])
