from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from core.messaging import button
from matching.models import ProposalRejection


def searching() -> Markup:
    return Markup([[Button(button("matching.stop"), callback_data="matching:stop:0")]])


def proposal(proposal_id: int) -> Markup:
    return Markup(
        [
            [
                Button(button("matching.accept"), callback_data=f"matching:accept:{proposal_id}"),
                Button(button("matching.decline"), callback_data=f"matching:decline:{proposal_id}"),
            ]
        ]
    )


def widen(search_id: int) -> Markup:
    return Markup([[Button(button("matching.widen"), callback_data=f"matching:widen:{search_id}")]])


def declined(proposal_id: int) -> Markup:
    """After «Пропустить»: an optional one-tap «почему?» for the reject log, and stop."""

    rows = [
        [Button(button(f"matching.why.{why}"), callback_data=f"matching:why:{proposal_id}:{why}")]
        for why in ProposalRejection.Why.values
        if why
    ]
    return Markup([*rows, *searching().inline_keyboard])


def still_searching() -> Markup:
    """After 30 minutes without a candidate: widen the topics, the co-list, or stop."""
    return Markup(
        [
            [Button(button("matching.add_topic"), callback_data="accounts:edit:topics")],
            [Button(button("matching.colist"), callback_data="accounts:edit:colist")],
            *searching().inline_keyboard,
        ]
    )
