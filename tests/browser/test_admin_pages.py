"""What staff see in Chromium: charts that draw, pages that fit, nothing an analyst may not do."""

import datetime as dt

import pytest

from core import clock
from moderation.models import Report, SafetyFlag, Sanction
from tests.accounts.factories import MemberFactory
from tests.chats.factories import conversation

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_kpi_chart_draws_bars_with_no_console_errors(as_staff):
    for days in (1, 2, 2, 5, 9):
        MemberFactory(created_at=clock.now() - dt.timedelta(days=days))
    analyst = as_staff("analyst", "Analysts")
    analyst.open("/admin/kpi/")
    chart = analyst.page.locator("svg[role=img]")
    heights = [box["height"] for box in (r.bounding_box() for r in chart.locator("rect").all()) if box]
    analyst.shot("kpi-dashboard")
    assert sum(1 for h in heights if h > 1) >= 4, heights  # a bar per day with new members
    assert analyst.console_errors == []


def test_the_queue_fits_a_phone_and_its_open_link_is_on_screen(as_staff):
    a, b = MemberFactory(), MemberFactory()
    conversation(a, b)
    Report.objects.create(reporter=a, reported=b, reason="danger", comment="он пишет, что придёт")
    SafetyFlag.objects.create(member=b, kind="toxicity", severity=2, details="3 сообщения: obscenity, insult")
    moderator = as_staff("mod", "Moderators", width=390, height=844)
    moderator.open("/admin/moderation/queue/")
    moderator.shot("queue-390")
    page = moderator.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    link = page.get_by_role("link", name="открыть").first.bounding_box()
    assert link["x"] + link["width"] <= 390
    assert moderator.console_errors == []


@pytest.mark.parametrize("path", ["/admin/moderation/sanction/", "/admin/accounts/member/"])
def test_the_long_lists_keep_their_right_hand_columns_on_a_laptop(as_staff, path):
    anna = MemberFactory(last_seen_at=clock.now())
    Sanction.objects.create(
        member=anna, kind="mute", reason="оскорбления", until=clock.now() + dt.timedelta(days=7)
    )
    moderator = as_staff("mod", "Moderators", width=1366, height=768)
    moderator.open(path)
    moderator.shot(f"list-1366-{path.strip('/').replace('/', '-')}")
    results = moderator.page.locator("#changelist .results")
    assert results.evaluate("e => e.scrollWidth <= e.clientWidth"), "columns cut off on the right"
    last = moderator.page.locator("#result_list thead th").last.bounding_box()
    assert last["x"] + last["width"] <= 1366
