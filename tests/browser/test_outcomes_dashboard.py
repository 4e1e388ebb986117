"""The dashboard's outcomes, as an analyst reads them in Chromium: on a laptop and on a phone."""

import datetime as dt

import pytest

from accounts.models import LonelinessCheck, Member
from chats.models import MoodCheck
from core import clock
from tests.accounts.factories import MemberFactory
from tests.chats.factories import conversation

pytestmark = pytest.mark.django_db(transaction=True)


def items(score: int) -> tuple[int, int, int]:
    """Three answers of 1–3 that add up to `score` (3–9)."""
    first = min(3, score - 2)
    second = min(3, score - first - 1)
    return first, second, score - first - second


def arrange() -> str:
    """Six chats with moods before and after (four felt better), a cohort answering at 0 and 30 days."""
    joined = clock.now() - dt.timedelta(days=40)
    for n, (before, after) in enumerate(((2, 4), (3, 3), (1, 3), (2, 2), (4, 5), (3, 4))):
        a, b = (MemberFactory(created_at=joined, onboarded_at=joined) for _ in range(2))
        session = conversation(
            a, b, arm="strict" if n % 2 else "soft", started_at=clock.now() - dt.timedelta(hours=n + 1)
        )
        MoodCheck.objects.create(session=session, member=a, phase="before", score=before)
        MoodCheck.objects.create(session=session, member=a, phase="after", score=after)
    for member, (first, later) in zip(
        Member.objects.order_by("pk")[:4], ((8, 6), (7, 7), (9, 6), (6, 5)), strict=True
    ):
        member.last_seen_at = clock.now()
        member.save(update_fields=["last_seen_at"])
        for wave, score in ((0, first), (30, later)):
            LonelinessCheck.objects.create(
                member=member, wave=wave, offered_at=joined + dt.timedelta(days=wave),
                answered_at=joined + dt.timedelta(days=wave, minutes=5), score=score,
                companionship=items(score)[0], left_out=items(score)[1], isolated=items(score)[2],
            )  # fmt: skip
    since = (joined - dt.timedelta(days=1)).date().isoformat()
    return f"/admin/kpi/?from={since}&to={clock.now().date().isoformat()}"


@pytest.mark.parametrize("width", [1366, 390])
def test_outcomes_read_on_a_laptop_and_a_phone_with_the_cohort_curve_drawn(as_staff, width):
    url = arrange()
    analyst = as_staff("analyst", "Analysts", width=width, height=900)
    analyst.open(url)
    page = analyst.page
    section = page.get_by_text("Помогает ли разговор").first
    section.scroll_into_view_if_needed()
    analyst.shot(f"kpi-outcomes-{width}")
    assert section.is_visible()
    better = page.locator("tr", has_text="Все разговоры").first
    assert "66,7 %" in better.inner_text()  # 4 of 6 felt better after the chat
    curve = page.locator(".loneliness-chart polyline, svg.loneliness-chart polyline").first
    assert curve.count() == 1 and curve.bounding_box()["width"] > 10
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    if width == 390:
        box = curve.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, "the curve runs off a phone's screen"
    assert analyst.console_errors == []
