"""The proposal card names the partner's timezone the way they chose it, not as an IANA name."""

import pytest

from tests.accounts.journeys import MemberJourney
from tests.matching.test_matching import make, run_round

pytestmark = pytest.mark.django_db(transaction=True)

ANNA, BORIS = 7120001, 7120002


async def test_the_card_shows_the_timezone_label_the_partner_tapped(webhook, telegram):
    await make(ANNA, pseudonym="Анна", timezone="Europe/Moscow")
    await make(BORIS, pseudonym="Борис", timezone="Europe/Minsk")
    for tg_id in (ANNA, BORIS):
        await MemberJourney(webhook, telegram, tg_id).command("find")
    await run_round()

    card_for_boris = telegram.last_to(BORIS).text
    assert "🕐 Москва, Петербург (UTC+3)" in card_for_boris
    assert "Europe/" not in card_for_boris
    assert "🕐 Минск (UTC+3)" in telegram.last_to(ANNA).text
