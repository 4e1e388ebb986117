"""The opt-in loneliness check: three questions at joining and on day 30, 60 and 90, in the bot.

The items are those of the Three-Item Loneliness Scale (Hughes, Waite, Hawkley, Cacioppo, 2004,
Research on Aging 26(6):655–672): lack of companionship, feeling left out, feeling isolated;
answers «почти никогда / иногда / часто» score 1 / 2 / 3, the sum 3–9 (higher is lonelier).
The Russian wording (templates/bot/accounts/loneliness_question.html) follows the three matching
items of the published Russian form of the revised UCLA Loneliness Scale («Шкала одиночества
UCLA-R», as given at psytests.org/ipl/uclar: «Я испытываю недостаток в дружеском общении»,
«Я чувствую себя покинутым», «Я чувствую себя изолированным от других людей»), asked as
«как часто…» the way Hughes et al. ask them and rephrased to be gender-neutral. It is not a
separately validated Russian three-item form: figures are for trends within this service.

Every offer is a row (wave, offered_at): a member is asked at most once a week, never twice for
a wave, never after «больше не спрашивать», never in the middle of a conversation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from accounts.models import LonelinessCheck, Member, Preferences
from accounts.notices import Notice
from chats.models import ChatSession
from core import clock

ITEMS = ("companionship", "left_out", "isolated")
ANSWERS = (1, 2, 3)
WAVE_SPAN = dt.timedelta(days=30)  # a wave is offered until the next one is due
AT_MOST_EVERY = dt.timedelta(days=7)


@dataclass(frozen=True)
class CheckState:
    """Where a member is in one check: "question" (with its number), "done", "skipped", "never" or
    "stale"; `repeated` when the tap had already been taken into account."""

    status: str
    check_id: int = 0
    question: int = 0
    repeated: bool = False


def _next_question(check: LonelinessCheck) -> int:
    return next((n for n, item in enumerate(ITEMS, start=1) if getattr(check, item) is None), 0)


def _state(check: LonelinessCheck, *, repeated: bool = False) -> CheckState:
    if check.skipped_at is not None:
        return CheckState("skipped", check.pk, repeated=repeated)
    if check.answered_at is not None:
        return CheckState("done", check.pk, repeated=repeated)
    return CheckState("question", check.pk, _next_question(check), repeated)


def _check(member_id: int, check_id: int) -> LonelinessCheck | None:
    return LonelinessCheck.objects.select_for_update().filter(pk=check_id, member_id=member_id).first()


@transaction.atomic
def loneliness_begin(*, member_id: int, check_id: int) -> CheckState:
    """«Ответить»: the first unanswered question (a second tap shows the same one)."""
    check = _check(member_id, check_id)
    return _state(check) if check else CheckState("stale")


@transaction.atomic
def loneliness_answer(*, member_id: int, check_id: int, question: int, value: int) -> CheckState:
    """Keep one answer (1–3) and move on; a tap on an already answered question changes nothing
    and shows where the member is; the third answer completes the score."""
    check = _check(member_id, check_id)
    if check is None or value not in ANSWERS or not 1 <= question <= len(ITEMS):
        return CheckState("stale")
    if check.skipped_at or check.answered_at or question != _next_question(check):
        return _state(check, repeated=True)
    setattr(check, ITEMS[question - 1], value)
    fields = [ITEMS[question - 1]]
    if question == len(ITEMS):
        check.score = sum(getattr(check, item) for item in ITEMS)
        check.answered_at = clock.now()
        fields += ["score", "answered_at"]
    check.save(update_fields=fields)
    return _state(check)


@transaction.atomic
def loneliness_skip(*, member_id: int, check_id: int, never: bool = False) -> CheckState:
    """«Пропустить» this wave (nothing half-answered is kept); `never`: no further waves either."""
    check = _check(member_id, check_id)
    if check is None:
        return CheckState("stale")
    if never:
        Preferences.objects.filter(member_id=member_id).update(loneliness_opt_out=True)
    if check.answered_at is not None:
        return CheckState("never" if never else "done", check.pk, repeated=not never)
    if check.skipped_at is None:
        check.skipped_at = clock.now()
        for item in ITEMS:
            setattr(check, item, None)
        check.save(update_fields=["skipped_at", *ITEMS])
        return CheckState("never" if never else "skipped", check.pk)
    return CheckState("never" if never else "skipped", check.pk, repeated=not never)


def _due_wave(onboarded_at: dt.datetime, now: dt.datetime) -> int | None:
    """The latest wave that is due for someone who joined at `onboarded_at` (None after day 120)."""
    days = (now - onboarded_at).days
    waves = [w for w in LonelinessCheck.WAVES if w <= days < w + WAVE_SPAN.days]
    return waves[-1] if waves else None


@transaction.atomic
def loneliness_claim(*, limit: int) -> list[Notice]:
    """Members whose next wave is due (onboarded, reachable, not opted out, not asked this week,
    not in a conversation): a check row each (claiming the offer) and the offer notice."""

    now = clock.now()
    talking = ChatSession.objects.filter(status=ChatSession.Status.ACTIVE)
    recently_asked = LonelinessCheck.objects.filter(offered_at__gt=now - AT_MOST_EVERY).values("member_id")
    candidates = (
        Member.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            onboarding_step=Member.Step.DONE,
            onboarded_at__isnull=False,
            onboarded_at__gt=now - dt.timedelta(days=LonelinessCheck.WAVES[-1]) - WAVE_SPAN,
            unreachable_since__isnull=True,
            tg_id__isnull=False,
            preferences__loneliness_opt_out=False,
        )
        .exclude(status__in=[Member.Status.DELETED, Member.Status.BANNED])
        .exclude(pk__in=recently_asked)
        .exclude(Q(pk__in=talking.values("member_a_id")) | Q(pk__in=talking.values("member_b_id")))
        .order_by("onboarded_at")
    )
    notices: list[Notice] = []
    for member in candidates[: limit * 4]:
        wave = _due_wave(member.onboarded_at, now)
        if wave is None or LonelinessCheck.objects.filter(member=member, wave=wave).exists():
            continue
        check = LonelinessCheck.objects.create(member=member, wave=wave, offered_at=now)
        notices.append(
            Notice(
                member.pk,
                "accounts/loneliness_offer",
                {"wave": wave},
                keyboard="accounts.loneliness_offer",
                keyboard_arg=check.pk,
            )
        )
        if len(notices) == limit:
            break
    return notices


@transaction.atomic
def loneliness_release(*, member_ids: list[int]) -> None:
    """A flood wait kept these offers unsent: forget them, so the next run offers them again."""
    LonelinessCheck.objects.filter(
        member_id__in=member_ids,
        answered_at__isnull=True,
        skipped_at__isnull=True,
        companionship__isnull=True,
    ).filter(offered_at__gte=clock.now() - dt.timedelta(hours=1)).delete()
