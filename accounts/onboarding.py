"""Onboarding steps and /profile edits: each step is left only through its own service, and
every button is checked against the member's state by one guard (`_member_at`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from accounts import avatars, validators
from accounts.models import LaterTopic, Member, MemberTopic, Preferences, Topic
from core import clock

TOPICS_MIN, TOPICS_MAX = 2, 5
# How long the bot keeps reading a member's next message as the answer it asked for.
AWAITING_TTL = dt.timedelta(minutes=30)
Step = Member.Step


# The onboarding order; each step is left only through its own service.
STEP_ORDER = [
    Step.RULES,
    Step.ADULT,
    Step.PSEUDONYM,
    Step.TIMEZONE,
    Step.COUNTRY,
    Step.TOPICS,
    Step.EXPECTATIONS,
    Step.SENSITIVITY,
    Step.AVAILABILITY,
    Step.BIO,
    Step.SAFETY,
    Step.DONE,
]
# Countries with their own crisis lines; ZZ: anywhere else (international resources).
COUNTRIES = ("RU", "BY", "KZ", "UA", "UZ", "AM", "GE", "ZZ")
COLIST_MAX = 5


@dataclass
class Outcome:
    """What a service did, for the handler to tell the member."""

    member: Member
    ok: bool = True
    reason: str = ""  # template key of the explanation when not ok
    extra: dict = field(default_factory=dict)


class StaleAction(Exception):
    """A button that no longer applies to the member's state."""


def _next_step(step: str) -> str:
    return STEP_ORDER[STEP_ORDER.index(step) + 1]


def lock_member(member_id: int) -> Member:
    return Member.objects.select_for_update().get(pk=member_id)


@transaction.atomic
def rules_accept(*, member_id: int) -> Member:
    member = _member_at(member_id, step=Step.RULES)
    member.rules_accepted_at = clock.now()
    member.onboarding_step = Step.ADULT
    member.save(update_fields=["rules_accepted_at", "onboarding_step"])
    return member


@transaction.atomic
def adult_confirm(*, member_id: int) -> Member:
    member = _member_at(member_id, step=Step.ADULT)
    member.adult_confirmed_at = clock.now()
    member.onboarding_step = Step.PSEUDONYM
    member.save(update_fields=["adult_confirmed_at", "onboarding_step"])
    return member


def adult_decline(*, member_id: int) -> Member:
    """An under-18 answer: nothing is recorded; the member stays at the 18+ question."""
    member = Member.objects.get(pk=member_id)
    if member.onboarding_step != Step.ADULT:
        raise StaleAction(member.onboarding_step)
    return member


def _editing(member: Member, what: str) -> bool:
    return member.is_onboarded and member.awaiting == f"accounts:edit_{what}"


def _member_at(member_id: int, *, step: str | None = None, editing: str | None = None) -> Member:
    """The member, locked, while at onboarding `step` or editing `editing` in /profile; a button
    for any other state is stale (StaleAction)."""
    member = lock_member(member_id)
    if (step is not None and member.onboarding_step == step) or (editing and _editing(member, editing)):
        return member
    raise StaleAction(member.onboarding_step if step is not None else editing)


def _finish_edit_or_advance(member: Member, step: str, fields: list[str]) -> None:
    if member.is_onboarded:
        member.awaiting, member.awaiting_context, member.awaiting_until = "", {}, None
        fields += ["awaiting", "awaiting_context", "awaiting_until"]
    else:
        member.onboarding_step = _next_step(step)
        fields.append("onboarding_step")
        if member.onboarding_step == Step.DONE:
            member.onboarded_at = clock.now()
            fields.append("onboarded_at")
            if not member.avatar:
                member.avatar = avatars.avatar_for(member.ref)
                fields.append("avatar")
    member.save(update_fields=fields)


@transaction.atomic
def pseudonym_set(*, member_id: int, text: str) -> Outcome:
    member = _member_at(member_id, step=Step.PSEUDONYM, editing="pseudonym")
    try:
        member.pseudonym = validators.clean_pseudonym(text)
    except validators.InvalidInput as exc:
        return Outcome(member, ok=False, reason=exc.reason)
    _finish_edit_or_advance(member, Step.PSEUDONYM, ["pseudonym"])
    return Outcome(member)


@transaction.atomic
def timezone_set(*, member_id: int, value: str) -> Outcome:
    member = _member_at(member_id, step=Step.TIMEZONE, editing="timezone")
    try:
        member.timezone = validators.clean_timezone(value)
    except validators.InvalidInput as exc:
        return Outcome(member, ok=False, reason=exc.reason)
    _finish_edit_or_advance(member, Step.TIMEZONE, ["timezone"])
    return Outcome(member)


@transaction.atomic
def timezone_ask_other(*, member_id: int) -> Member:
    """The member wants to type a timezone; remembered so their text is read as one."""
    member = _member_at(member_id, step=Step.TIMEZONE, editing="timezone")
    if member.is_onboarded:
        return _await(member, member.awaiting, {"timezone_typed": True})
    member.awaiting_context = {"timezone_typed": True}
    member.save(update_fields=["awaiting_context"])
    return member


@transaction.atomic
def country_set(*, member_id: int, value: str) -> Member:
    """The country whose crisis lines the member is shown (onboarding step or /profile)."""
    member = _member_at(member_id, step=Step.COUNTRY, editing="country")
    if value not in COUNTRIES:
        raise StaleAction(value)
    member.country = value
    _finish_edit_or_advance(member, Step.COUNTRY, ["country"])
    return member


@transaction.atomic
def sensitivity_set(*, member_id: int, value: str) -> Member:
    """How hard the member's topics are for them right now (light / difficult / very hard)."""
    member = _member_at(member_id, step=Step.SENSITIVITY, editing="sensitivity")
    if value not in Preferences.Sensitivity.values:
        raise StaleAction(value)
    Preferences.objects.update_or_create(member=member, defaults={"sensitivity": value})
    _finish_edit_or_advance(member, Step.SENSITIVITY, [])
    return member


@transaction.atomic
def safety_cards_seen(*, member_id: int, onboarding: bool) -> Member:
    """The member read the safe-communication cards to the end (onboarding, or again from /help)."""
    member = lock_member(member_id)
    if onboarding and member.onboarding_step != Step.SAFETY:
        raise StaleAction(member.onboarding_step)
    fields = []
    if member.safety_cards_seen_at is None or onboarding:
        member.safety_cards_seen_at = clock.now()
        fields.append("safety_cards_seen_at")
    if onboarding:
        _finish_edit_or_advance(member, Step.SAFETY, fields)
    elif fields:
        member.save(update_fields=fields)
    return member


@transaction.atomic
def avatar_regenerate(*, member_id: int) -> Member:
    member = lock_member(member_id)
    if not member.is_onboarded:
        raise StaleAction("avatar")
    member.avatar = avatars.avatar_next(member.ref, member.avatar)
    member.save(update_fields=["avatar"])
    return member


@transaction.atomic
def later_topic_toggle(*, member_id: int, topic_id: int, selected: bool | None = None) -> Outcome:
    """Put a topic on the member's co-list (topics for later) or take it off."""
    member = _member_at(member_id, editing="colist")
    return _topic_toggle(member, LaterTopic, topic_id, selected, limit=COLIST_MAX, too_many="colist_too_many")


@transaction.atomic
def colist_notify_toggle(*, member_id: int, on: bool | None) -> Member:
    member = _member_at(member_id, editing="colist")
    preferences, _ = Preferences.objects.get_or_create(member=member)
    preferences.colist_opt_in = (not preferences.colist_opt_in) if on is None else on
    preferences.save(update_fields=["colist_opt_in"])
    return member


@transaction.atomic
def colist_confirm(*, member_id: int) -> Member:
    member = _member_at(member_id, editing="colist")
    _finish_edit_or_advance(member, Step.DONE, [])
    return member


@transaction.atomic
def notices_unsubscribe(*, member_id: int, what: str) -> Member:
    """One tap under a digest ("digest") or a co-list notice ("colist"): no more of them."""
    member = lock_member(member_id)
    field_name = {"digest": "digest_opt_in", "colist": "colist_opt_in"}[what]
    Preferences.objects.filter(member=member).update(**{field_name: False})
    return member


@transaction.atomic
def topic_toggle(*, member_id: int, topic_id: int, selected: bool | None = None) -> Outcome:
    """Select or unselect a topic; `selected` is what the tapped button asked for (None flips),
    so a double tap on the same button does not undo itself."""
    member = _member_at(member_id, step=Step.TOPICS, editing="topics")
    return _topic_toggle(
        member, MemberTopic, topic_id, selected, limit=TOPICS_MAX, too_many="topics_too_many"
    )


def _topic_toggle(
    member: Member, link_model, topic_id: int, selected: bool | None, *, limit: int, too_many: str
):
    """Add or remove one topic of a member's list (their topics or their co-list), within `limit`."""
    topic = Topic.objects.filter(pk=topic_id, is_active=True).first()
    if topic is None:
        raise StaleAction("topic")
    links = link_model.objects.filter(member=member)
    link = links.filter(topic=topic).first()
    if selected is None:
        selected = link is None
    if not selected:
        if link:
            link.delete()
    elif link is None:
        if links.count() >= limit:
            return Outcome(member, ok=False, reason=too_many)
        link_model.objects.create(member=member, topic=topic)
    return Outcome(member)


@transaction.atomic
def topics_confirm(*, member_id: int) -> Outcome:
    member = _member_at(member_id, step=Step.TOPICS, editing="topics")
    if member.member_topics.count() < TOPICS_MIN:
        return Outcome(member, ok=False, reason="topics_too_few")
    _finish_edit_or_advance(member, Step.TOPICS, [])
    return Outcome(member)


def _toggle_list(values: list[str], value: str, allowed, selected: bool | None) -> list[str]:
    if value not in allowed:
        raise StaleAction(value)
    if selected is None:
        selected = value not in values
    rest = [v for v in values if v != value]
    return [*rest, value] if selected else rest


@transaction.atomic
def expectation_toggle(*, member_id: int, value: str, selected: bool | None = None) -> Member:
    member = _member_at(member_id, step=Step.EXPECTATIONS, editing="expectations")
    member.expectations = _toggle_list(member.expectations, value, Member.Expectation.values, selected)
    member.save(update_fields=["expectations"])
    return member


@transaction.atomic
def expectations_confirm(*, member_id: int) -> Outcome:
    member = _member_at(member_id, step=Step.EXPECTATIONS, editing="expectations")
    if not member.expectations:
        return Outcome(member, ok=False, reason="expectations_none")
    _finish_edit_or_advance(member, Step.EXPECTATIONS, [])
    return Outcome(member)


@transaction.atomic
def availability_toggle(*, member_id: int, value: str, selected: bool | None = None) -> Member:
    member = _member_at(member_id, step=Step.AVAILABILITY, editing="availability")
    member.availability = _toggle_list(member.availability, value, Member.Window.values, selected)
    member.save(update_fields=["availability"])
    return member


@transaction.atomic
def availability_confirm(*, member_id: int) -> Outcome:
    member = _member_at(member_id, step=Step.AVAILABILITY, editing="availability")
    day_parts = {Member.Window.MORNING, Member.Window.DAY, Member.Window.EVENING, Member.Window.NIGHT}
    if not day_parts & set(member.availability):
        return Outcome(member, ok=False, reason="availability_none")
    _finish_edit_or_advance(member, Step.AVAILABILITY, [])
    return Outcome(member)


@transaction.atomic
def bio_set(*, member_id: int, text: str | None) -> Outcome:
    """Set the short bio; None skips it."""
    member = _member_at(member_id, step=Step.BIO, editing="bio")
    try:
        member.bio = "" if text is None else validators.clean_bio(text)
    except validators.InvalidInput as exc:
        return Outcome(member, ok=False, reason=exc.reason)
    _finish_edit_or_advance(member, Step.BIO, ["bio"])
    return Outcome(member)


EDITABLE = (
    "pseudonym",
    "timezone",
    "country",
    "topics",
    "expectations",
    "sensitivity",
    "availability",
    "bio",
    "colist",
)


@transaction.atomic
def profile_edit_start(*, member_id: int, what: str) -> Member:
    member = lock_member(member_id)
    if not member.is_onboarded or what not in EDITABLE:
        raise StaleAction(what)
    return _await(member, f"accounts:edit_{what}", {})


def _await(member: Member, what: str, context: dict) -> Member:
    member.awaiting = what
    member.awaiting_context = context
    member.awaiting_until = clock.now() + AWAITING_TTL if what else None
    member.save(update_fields=["awaiting", "awaiting_context", "awaiting_until"])
    return member


@transaction.atomic
def awaiting_set(*, member_id: int, what: str, context: dict | None = None) -> Member:
    """Read the member's next message as `what` ("<app>:<what>") for the next AWAITING_TTL."""
    return _await(lock_member(member_id), what, context or {})


@transaction.atomic
def awaiting_clear(*, member_id: int) -> Member:
    member = lock_member(member_id)
    if member.awaiting or member.awaiting_context or member.awaiting_until:
        _await(member, "", {})
    return member


def awaiting_now(member: Member) -> str:
    """What the member's next message answers ("" when nothing, or the wait has lapsed)."""
    if member.awaiting_until is not None and member.awaiting_until <= clock.now():
        return ""
    return member.awaiting


PREFERENCES = ("protect_content", "digest_opt_in")


@transaction.atomic
def preference_toggle(*, member_id: int, what: str, on: bool | None = None) -> Member:
    """Switch a setting to `on` (what the tapped button showed; None flips it)."""
    member = lock_member(member_id)
    if not member.is_onboarded:
        raise StaleAction(what)
    if what == "coach":
        member.coach_opt_in = (not member.coach_opt_in) if on is None else on
        member.save(update_fields=["coach_opt_in"])
    elif what in PREFERENCES:
        preferences, _ = Preferences.objects.get_or_create(member=member)
        setattr(preferences, what, (not getattr(preferences, what)) if on is None else on)
        preferences.save(update_fields=[what])
    else:
        raise StaleAction(what)
    return member
