"""Writes of the accounts app: onboarding steps, profile edits, reachability, erasure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts import avatars, validators
from accounts.models import LaterTopic, Member, MemberTopic, Preferences, Topic
from accounts.notices import Notice
from core import clock, hooks
from core.pseudonym import pseudonymous_ref

TOPICS_MIN, TOPICS_MAX = 2, 5
# How long the bot keeps reading a member's next message as the answer it asked for.
AWAITING_TTL = dt.timedelta(minutes=30)
# How long the final "delete forever" button stays valid after the first confirmation.
ERASE_CONFIRM_TTL = dt.timedelta(minutes=15)
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


def _lock(member_id: int) -> Member:
    return Member.objects.select_for_update().get(pk=member_id)


# last_seen_at is refreshed at most this often, so most updates only read the member row.
SEEN_PRECISION = dt.timedelta(minutes=1)


@transaction.atomic
def member_touch(*, tg_id: int) -> Member:
    """The member writing to the bot (created on first contact); marks them seen and reachable."""
    now = clock.now()
    member = Member.objects.filter(tg_id=tg_id).first()
    if member is None:
        try:
            with transaction.atomic():
                member = Member.objects.create(
                    tg_id=tg_id, ref=pseudonymous_ref(tg_id), created_at=now, last_seen_at=now
                )
                Preferences.objects.create(member=member)
        except IntegrityError:  # the same member's other update created it a moment ago
            member = Member.objects.get(tg_id=tg_id)
        return member
    stale = member.last_seen_at is None or now - member.last_seen_at > SEEN_PRECISION
    if stale or member.unreachable_since is not None:
        Member.objects.filter(pk=member.pk).update(last_seen_at=now, unreachable_since=None)
        member.last_seen_at, member.unreachable_since = now, None
    return member


async def member_seen_talking(*, tg_id: int) -> bool:
    """The hot path of a chat message: True when an onboarded member awaits no input from us,
    so the message is theirs to relay. Marks them seen like member_touch (≤ 1 write a minute),
    on the event loop without a thread hop. False means "ask the full path" (nothing written)."""
    from core import asyncdb

    table = Member._meta.db_table
    row = await asyncdb.fetchone(
        f"SELECT id, onboarding_step, awaiting, last_seen_at, unreachable_since FROM {table} WHERE tg_id = %s",
        (tg_id,),
    )
    if row is None or row[1] != Member.Step.DONE or row[2]:
        return False
    now = clock.now()
    if row[3] is None or now - row[3] > SEEN_PRECISION or row[4] is not None:
        await asyncdb.execute(
            f"UPDATE {table} SET last_seen_at = %s, unreachable_since = NULL WHERE id = %s", (now, row[0])
        )
    return True


@transaction.atomic
def member_mark_unreachable(*, tg_id: int) -> None:
    """Telegram said 403: stop writing to this member until they write again."""
    Member.objects.filter(tg_id=tg_id, unreachable_since__isnull=True).update(unreachable_since=clock.now())


def _expect_step(member: Member, *steps: str) -> None:
    if member.onboarding_step not in steps:
        raise StaleAction(member.onboarding_step)


@transaction.atomic
def rules_accept(*, member_id: int) -> Member:
    member = _lock(member_id)
    _expect_step(member, Step.RULES)
    member.rules_accepted_at = clock.now()
    member.onboarding_step = Step.ADULT
    member.save(update_fields=["rules_accepted_at", "onboarding_step"])
    return member


@transaction.atomic
def adult_confirm(*, member_id: int) -> Member:
    member = _lock(member_id)
    _expect_step(member, Step.ADULT)
    member.adult_confirmed_at = clock.now()
    member.onboarding_step = Step.PSEUDONYM
    member.save(update_fields=["adult_confirmed_at", "onboarding_step"])
    return member


def adult_decline(*, member_id: int) -> Member:
    """An under-18 answer: nothing is recorded; the member stays at the 18+ question."""
    member = Member.objects.get(pk=member_id)
    _expect_step(member, Step.ADULT)
    return member


def _editing(member: Member, what: str) -> bool:
    return member.is_onboarded and member.awaiting == f"accounts:edit_{what}"


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
    member = _lock(member_id)
    if not (member.onboarding_step == Step.PSEUDONYM or _editing(member, "pseudonym")):
        raise StaleAction(member.onboarding_step)
    try:
        member.pseudonym = validators.clean_pseudonym(text)
    except validators.InvalidInput as exc:
        return Outcome(member, ok=False, reason=exc.reason)
    _finish_edit_or_advance(member, Step.PSEUDONYM, ["pseudonym"])
    return Outcome(member)


@transaction.atomic
def timezone_set(*, member_id: int, value: str) -> Outcome:
    member = _lock(member_id)
    if not (member.onboarding_step == Step.TIMEZONE or _editing(member, "timezone")):
        raise StaleAction(member.onboarding_step)
    try:
        member.timezone = validators.clean_timezone(value)
    except validators.InvalidInput as exc:
        return Outcome(member, ok=False, reason=exc.reason)
    _finish_edit_or_advance(member, Step.TIMEZONE, ["timezone"])
    return Outcome(member)


@transaction.atomic
def timezone_ask_other(*, member_id: int) -> Member:
    """The member wants to type a timezone; remembered so their text is read as one."""
    member = _lock(member_id)
    if not (member.onboarding_step == Step.TIMEZONE or _editing(member, "timezone")):
        raise StaleAction(member.onboarding_step)
    if member.is_onboarded:
        return _await(member, member.awaiting, {"timezone_typed": True})
    member.awaiting_context = {"timezone_typed": True}
    member.save(update_fields=["awaiting_context"])
    return member


@transaction.atomic
def country_set(*, member_id: int, value: str) -> Member:
    """The country whose crisis lines the member is shown (onboarding step or /profile)."""
    member = _lock(member_id)
    if not (member.onboarding_step == Step.COUNTRY or _editing(member, "country")):
        raise StaleAction(member.onboarding_step)
    if value not in COUNTRIES:
        raise StaleAction(value)
    member.country = value
    _finish_edit_or_advance(member, Step.COUNTRY, ["country"])
    return member


@transaction.atomic
def sensitivity_set(*, member_id: int, value: str) -> Member:
    """How hard the member's topics are for them right now (light / difficult / very hard)."""
    member = _lock(member_id)
    if not (member.onboarding_step == Step.SENSITIVITY or _editing(member, "sensitivity")):
        raise StaleAction(member.onboarding_step)
    if value not in Preferences.Sensitivity.values:
        raise StaleAction(value)
    Preferences.objects.update_or_create(member=member, defaults={"sensitivity": value})
    _finish_edit_or_advance(member, Step.SENSITIVITY, [])
    return member


@transaction.atomic
def safety_cards_seen(*, member_id: int, onboarding: bool) -> Member:
    """The member read the safe-communication cards to the end (onboarding, or again from /help)."""
    member = _lock(member_id)
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
    member = _lock(member_id)
    if not member.is_onboarded:
        raise StaleAction("avatar")
    member.avatar = avatars.avatar_next(member.ref, member.avatar)
    member.save(update_fields=["avatar"])
    return member


@transaction.atomic
def later_topic_toggle(*, member_id: int, topic_id: int, selected: bool | None = None) -> Outcome:
    """Put a topic on the member's co-list (topics for later) or take it off."""
    member = _lock(member_id)
    if not _editing(member, "colist"):
        raise StaleAction("colist")
    topic = Topic.objects.filter(pk=topic_id, is_active=True).first()
    if topic is None:
        raise StaleAction("topic")
    link = LaterTopic.objects.filter(member=member, topic=topic).first()
    if selected is None:
        selected = link is None
    if not selected:
        if link:
            link.delete()
    elif link is None:
        if member.later_topics.count() >= COLIST_MAX:
            return Outcome(member, ok=False, reason="colist_too_many")
        LaterTopic.objects.create(member=member, topic=topic)
    return Outcome(member)


@transaction.atomic
def colist_notify_toggle(*, member_id: int, on: bool | None) -> Member:
    member = _lock(member_id)
    if not _editing(member, "colist"):
        raise StaleAction("colist")
    preferences, _ = Preferences.objects.get_or_create(member=member)
    preferences.colist_opt_in = (not preferences.colist_opt_in) if on is None else on
    preferences.save(update_fields=["colist_opt_in"])
    return member


@transaction.atomic
def colist_confirm(*, member_id: int) -> Member:
    member = _lock(member_id)
    if not _editing(member, "colist"):
        raise StaleAction("colist")
    _finish_edit_or_advance(member, Step.DONE, [])
    return member


@transaction.atomic
def notices_unsubscribe(*, member_id: int, what: str) -> Member:
    """One tap under a digest ("digest") or a co-list notice ("colist"): no more of them."""
    member = _lock(member_id)
    field_name = {"digest": "digest_opt_in", "colist": "colist_opt_in"}[what]
    Preferences.objects.filter(member=member).update(**{field_name: False})
    return member


@transaction.atomic
def topic_toggle(*, member_id: int, topic_id: int, selected: bool | None = None) -> Outcome:
    """Select or unselect a topic; `selected` is what the tapped button asked for (None flips),
    so a double tap on the same button does not undo itself."""
    member = _lock(member_id)
    if not (member.onboarding_step == Step.TOPICS or _editing(member, "topics")):
        raise StaleAction(member.onboarding_step)
    topic = Topic.objects.filter(pk=topic_id, is_active=True).first()
    if topic is None:
        raise StaleAction("topic")
    link = MemberTopic.objects.filter(member=member, topic=topic).first()
    if selected is None:
        selected = link is None
    if not selected:
        if link:
            link.delete()
    elif link is None:
        if member.member_topics.count() >= TOPICS_MAX:
            return Outcome(member, ok=False, reason="topics_too_many")
        MemberTopic.objects.create(member=member, topic=topic)
    return Outcome(member)


@transaction.atomic
def topics_confirm(*, member_id: int) -> Outcome:
    member = _lock(member_id)
    if not (member.onboarding_step == Step.TOPICS or _editing(member, "topics")):
        raise StaleAction(member.onboarding_step)
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
    member = _lock(member_id)
    if not (member.onboarding_step == Step.EXPECTATIONS or _editing(member, "expectations")):
        raise StaleAction(member.onboarding_step)
    member.expectations = _toggle_list(member.expectations, value, Member.Expectation.values, selected)
    member.save(update_fields=["expectations"])
    return member


@transaction.atomic
def expectations_confirm(*, member_id: int) -> Outcome:
    member = _lock(member_id)
    if not (member.onboarding_step == Step.EXPECTATIONS or _editing(member, "expectations")):
        raise StaleAction(member.onboarding_step)
    if not member.expectations:
        return Outcome(member, ok=False, reason="expectations_none")
    _finish_edit_or_advance(member, Step.EXPECTATIONS, [])
    return Outcome(member)


@transaction.atomic
def availability_toggle(*, member_id: int, value: str, selected: bool | None = None) -> Member:
    member = _lock(member_id)
    if not (member.onboarding_step == Step.AVAILABILITY or _editing(member, "availability")):
        raise StaleAction(member.onboarding_step)
    member.availability = _toggle_list(member.availability, value, Member.Window.values, selected)
    member.save(update_fields=["availability"])
    return member


@transaction.atomic
def availability_confirm(*, member_id: int) -> Outcome:
    member = _lock(member_id)
    if not (member.onboarding_step == Step.AVAILABILITY or _editing(member, "availability")):
        raise StaleAction(member.onboarding_step)
    day_parts = {Member.Window.MORNING, Member.Window.DAY, Member.Window.EVENING, Member.Window.NIGHT}
    if not day_parts & set(member.availability):
        return Outcome(member, ok=False, reason="availability_none")
    _finish_edit_or_advance(member, Step.AVAILABILITY, [])
    return Outcome(member)


@transaction.atomic
def bio_set(*, member_id: int, text: str | None) -> Outcome:
    """Set the short bio; None skips it."""
    member = _lock(member_id)
    if not (member.onboarding_step == Step.BIO or _editing(member, "bio")):
        raise StaleAction(member.onboarding_step)
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
    member = _lock(member_id)
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
    return _await(_lock(member_id), what, context or {})


@transaction.atomic
def awaiting_clear(*, member_id: int) -> Member:
    member = _lock(member_id)
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
    member = _lock(member_id)
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


@transaction.atomic
def member_erase_confirmed(*, member_id: int, asked_for: int, asked_at: dt.datetime) -> str:
    """The second /delete confirmation: valid only for the profile it was asked for, and soon."""
    if asked_for != member_id or clock.now() - asked_at > ERASE_CONFIRM_TTL:
        raise StaleAction("delete")
    return member_erase(member_id=member_id)


@transaction.atomic
def member_erase(*, member_id: int) -> str:
    """Erase a member (/delete): only the pseudonymous ref stays, on aggregate rows."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from core.models import DeadLetterUpdate

    member = _lock(member_id)
    for hook in hooks.member_erased:
        hook(member)
    ref = member.ref
    MemberTopic.objects.filter(member=member).delete()
    LaterTopic.objects.filter(member=member).delete()
    Preferences.objects.filter(member=member).delete()
    DeadLetterUpdate.objects.filter(member_ref=ref).delete()
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Member), object_id=str(member.pk)
    ).update(object_repr=f"#{ref}", change_message="")
    Member.objects.filter(pk=member.pk).update(
        tg_id=None,
        pseudonym="",
        timezone="",
        country="",
        avatar="",
        safety_cards_seen_at=None,
        bio="",
        expectations=[],
        availability=[],
        awaiting="",
        awaiting_context={},
        awaiting_until=None,
        status=Member.Status.DELETED,
        onboarding_step=Step.RULES,
        coach_opt_in=False,
        rules_accepted_at=None,
        adult_confirmed_at=None,
        last_seen_at=None,
        unreachable_since=None,
        deleted_at=clock.now(),
    )
    return ref


# -- digest and co-list notices -------------------------------------------------------------------

DIGEST_WEEK = dt.timedelta(days=7)
# A digest is due when the last one is older than this (a late weekly run still sends one).
DIGEST_GAP = dt.timedelta(days=6)
COLIST_GAP = dt.timedelta(days=1)
# A search counts as "someone is looking now" for the co-list while it is this fresh.
COLIST_WINDOW = dt.timedelta(minutes=30)


def _reachable_onboarded():
    return Member.objects.filter(
        onboarding_step=Step.DONE, unreachable_since__isnull=True, tg_id__isnull=False
    ).exclude(status__in=[Member.Status.DELETED, Member.Status.BANNED])


@transaction.atomic
def digest_claim(*, limit: int) -> list[Notice]:
    """Claim members whose weekly digest is due (marking it sent) and count who joined for them:
    members onboarded this week who share a topic. Nobody is named; zero means no message."""
    now = clock.now()
    due = list(
        Preferences.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(digest_opt_in=True, member__in=_reachable_onboarded())
        .filter(Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lte=now - DIGEST_GAP))
        .select_related("member")
        .order_by("pk")[:limit]
    )
    Preferences.objects.filter(pk__in=[p.pk for p in due]).update(digest_sent_at=now)
    notices = []
    for preferences in due:
        member = preferences.member
        topic_ids = list(member.member_topics.values_list("topic_id", flat=True))
        count = (
            Member.objects.filter(
                onboarded_at__gte=now - DIGEST_WEEK,
                onboarded_at__lt=now,
                member_topics__topic_id__in=topic_ids,
            )
            .exclude(pk=member.pk)
            .exclude(status=Member.Status.DELETED)
            .distinct()
            .count()
        )
        if count:
            titles = list(
                Topic.objects.filter(pk__in=topic_ids).order_by("order").values_list("title", flat=True)
            )
            notices.append(
                Notice(member.pk, "accounts/digest", {"count": count, "topics": titles}, "accounts.digest")
            )
    return notices


@transaction.atomic
def digest_release(*, member_ids: list[int]) -> None:
    """A flood wait stopped the fan-out: these members' digests are due again."""
    Preferences.objects.filter(member_id__in=member_ids).update(digest_sent_at=None)


@transaction.atomic
def colist_claim(*, limit: int) -> list[Notice]:
    """Members to tell that someone with a topic from their co-list is searching now (opted in,
    reachable, not searching themselves, at most once a day); marks them notified."""
    from matching.models import SearchRequest

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
        .filter(colist_opt_in=True, member__in=_reachable_onboarded().exclude(pk__in=busy))
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
