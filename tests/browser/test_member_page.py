"""The member page in Chromium: the case file's summary comes first, and actions lead to the forms."""

import datetime as dt

import pytest

from core import clock
from moderation.models import Report, Sanction
from tests.accounts.factories import MemberFactory
from tests.chats.factories import conversation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [1366, 390])
def test_the_summary_is_the_first_thing_on_the_member_page(as_staff, width):
    anna, boris = MemberFactory(muted_until=clock.now() + dt.timedelta(hours=5)), MemberFactory()
    conversation(anna, boris)
    Sanction.objects.create(
        member=anna, kind="mute", reason="Оскорбления собеседника", until=anna.muted_until
    )
    Report.objects.create(reporter=boris, reported=anna, reason="abuse")
    moderator = as_staff("mod", "Moderators", width=width, height=844)
    page = moderator.page
    moderator.open(f"/admin/accounts/member/{anna.pk}/change/")
    moderator.shot(f"member-page-{width}")
    summary, profile = (
        page.locator(".case-file").bounding_box(),
        page.locator("fieldset").first.bounding_box(),
    )
    assert summary["y"] < profile["y"] and summary["y"] < 844
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    with page.expect_navigation():
        page.get_by_role("link", name="Снять ограничения").click()
    assert page.input_value("#id_choice") == "lift" and page.input_value("#id_reason")
    assert moderator.console_errors == []
