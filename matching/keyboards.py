from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from core.messaging import button


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


def for_notice(notice):
    if notice.keyboard == "searching":
        return searching()
    if notice.keyboard == "proposal":
        return proposal(notice.keyboard_arg)
    if notice.keyboard == "widen":
        return widen(notice.keyboard_arg)
    return None
