"""What the bot shows a member about themselves: the question of each onboarding step or profile
field, the profile card and the safe-communication cards. One table holds every question, so a
step asked during onboarding and the same field edited from /profile cannot drift apart."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from accounts import keyboards, onboarding, validators
from accounts.models import Member
from core.messaging import edit, reply

Step = Member.Step
LIMITS = {"min": validators.PSEUDONYM_MIN, "max": validators.PSEUDONYM_MAX}
TOPIC_LIMITS = {"min": onboarding.TOPICS_MIN, "max": onboarding.TOPICS_MAX}


async def _pseudonym(bot, chat_id: int, member: Member, view: dict, editing: bool) -> None:
    markup = keyboards.cancel_edit() if editing else None
    await reply(bot, chat_id, "accounts/ask_pseudonym", LIMITS, reply_markup=markup)


async def _timezone(bot, chat_id: int, member: Member, view: dict, editing: bool) -> None:
    await reply(bot, chat_id, "accounts/ask_timezone", reply_markup=keyboards.timezones(editing=editing))


async def _country(bot, chat_id: int, member: Member, view: dict, editing: bool) -> None:
    suggested = view.get("suggested", "")
    markup = keyboards.countries(suggested, editing=editing)
    await reply(bot, chat_id, "accounts/ask_country", {"suggested": suggested}, reply_markup=markup)


async def _topics(bot, chat_id: int, member: Member, view: dict, editing: bool) -> None:
    markup = keyboards.topics(view["topics"], view["selected"])
    await reply(bot, chat_id, "accounts/ask_topics", TOPIC_LIMITS, reply_markup=markup)


async def _sensitivity(bot, chat_id: int, member: Member, view: dict, editing: bool) -> None:
    markup = keyboards.sensitivity(view.get("sensitivity", ""), editing=editing)
    await reply(bot, chat_id, "accounts/ask_sensitivity", reply_markup=markup)


async def _safety(bot, chat_id: int, member: Member, view: dict, editing: bool) -> None:
    await send_safety_card(bot, chat_id, 1, onboarding=not editing)


async def _expectations(bot, chat_id: int, member: Member, view: dict, editing: bool) -> None:
    markup = keyboards.expectations(member.expectations)
    await reply(bot, chat_id, "accounts/ask_expectations", reply_markup=markup)


async def _availability(bot, chat_id: int, member: Member, view: dict, editing: bool) -> None:
    markup = keyboards.availability(member.availability)
    await reply(bot, chat_id, "accounts/ask_availability", reply_markup=markup)


async def _bio(bot, chat_id: int, member: Member, view: dict, editing: bool) -> None:
    context = {"editing": True} if editing else None
    await reply(bot, chat_id, "accounts/ask_bio", context, reply_markup=keyboards.bio(editing=editing))


async def _colist(bot, chat_id: int, member: Member, view: dict, editing: bool) -> None:
    markup = colist_markup(view)
    await reply(bot, chat_id, "accounts/ask_colist", {"max": onboarding.COLIST_MAX}, reply_markup=markup)


async def _rules(bot, chat_id: int, member: Member, view: dict, editing: bool) -> None:
    await reply(bot, chat_id, "accounts/rules", reply_markup=keyboards.rules())


async def _adult(bot, chat_id: int, member: Member, view: dict, editing: bool) -> None:
    await reply(bot, chat_id, "accounts/ask_adult", reply_markup=keyboards.adult())


Question = Callable[[object, int, Member, dict, bool], Awaitable[None]]
# The question for each onboarding step and each profile field edited from /profile.
QUESTIONS: dict[str, Question] = {
    Step.RULES: _rules,
    Step.ADULT: _adult,
    Step.PSEUDONYM: _pseudonym,
    Step.TIMEZONE: _timezone,
    Step.COUNTRY: _country,
    Step.TOPICS: _topics,
    Step.SENSITIVITY: _sensitivity,
    Step.SAFETY: _safety,
    Step.EXPECTATIONS: _expectations,
    Step.AVAILABILITY: _availability,
    Step.BIO: _bio,
    "colist": _colist,
}


def colist_markup(view: dict):
    return keyboards.colist(view["topics"], view["later"], view["card"]["colist_opt_in"])


async def ask_step(bot, chat_id: int, member: Member, view: dict) -> None:
    """Ask what the member's onboarding step needs (or show the summary card when done)."""
    question = QUESTIONS.get(member.onboarding_step)
    if question is None:
        await reply(
            bot, chat_id, "accounts/summary", {"card": view["card"]}, reply_markup=keyboards.summary()
        )
    else:
        await question(bot, chat_id, member, view, False)


async def ask_edit(bot, chat_id: int, member: Member, view: dict, what: str) -> None:
    """Ask for the new value of a profile field (the profile again for an unknown one)."""
    question = QUESTIONS.get(what) if what in onboarding.EDITABLE else None
    if question is None:
        await show_profile(bot, chat_id, view)
    else:
        await question(bot, chat_id, member, view, True)


def editing(member: Member) -> str:
    """The profile field the member is editing ("" when none)."""
    awaiting = onboarding.awaiting_now(member)
    return awaiting.removeprefix("accounts:edit_") if awaiting.startswith("accounts:edit_") else ""


async def ask_again(bot, chat_id: int, member: Member, view: dict) -> None:
    """Repeat the question the member is at: an onboarding step, a field being edited, or the profile."""
    if not member.is_onboarded:
        await ask_step(bot, chat_id, member, view)
    elif what := editing(member):
        await ask_edit(bot, chat_id, member, view, what)
    else:
        await show_profile(bot, chat_id, view)


async def after_step(bot, chat_id: int, member: Member, view: dict, *, was_onboarded: bool) -> None:
    """A step or an edit was saved: go on to the next question, or back to the profile."""
    if was_onboarded:
        await reply(bot, chat_id, "accounts/saved_long")
        await show_profile(bot, chat_id, view)
        return
    if member.is_onboarded:
        await reply(bot, chat_id, "accounts/onboarding_done")
    await ask_step(bot, chat_id, member, view)


async def send_safety_card(
    bot, chat_id: int, number: int, *, onboarding: bool, message_id: int | None = None
) -> None:
    """One of the safe-communication cards; Next/Back edit the same message."""
    markup = keyboards.safety_card(number, onboarding=onboarding)
    if message_id:
        await edit(bot, chat_id, message_id, "accounts/safety_card", {"number": number}, reply_markup=markup)
    else:
        await reply(bot, chat_id, "accounts/safety_card", {"number": number}, reply_markup=markup)


async def show_profile(bot, chat_id: int, view: dict, *, message_id: int | None = None) -> None:
    card = view["card"]
    markup = keyboards.profile(card)
    if message_id:
        await edit(bot, chat_id, message_id, "accounts/profile", {"card": card}, reply_markup=markup)
    else:
        await reply(bot, chat_id, "accounts/profile", {"card": card}, reply_markup=markup)
