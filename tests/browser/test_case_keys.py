"""A moderator works cases from the keyboard, and picks the reason a member reads from canned ones."""

import pytest

from moderation.models import Report, SanctionReason
from tests.accounts.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_moderator_opens_takes_resolves_and_dismisses_cases_from_the_keyboard(as_staff, telegram):
    anna, boris = MemberFactory(), MemberFactory()
    danger = Report.objects.create(reporter=anna, reported=boris, reason="danger", evidence_text="угроза")
    spam = Report.objects.create(reporter=boris, reported=anna, reason="spam")
    moderator = as_staff("mod", "Moderators")
    page = moderator.page
    moderator.open("/admin/moderation/queue/")
    assert page.locator(".keys-hint").is_visible()
    for key in ("j", "j", "k"):
        page.keyboard.press(key)
    assert page.locator("tr.selected").count() == 1
    assert "Жалоба" in page.locator("tr.selected").inner_text()  # the danger report, first in the queue
    moderator.shot("queue-keys")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/case/report/{danger.pk}/")
    assert page.locator(".keys-hint").is_visible()
    with page.expect_navigation():
        page.keyboard.press("t")
    danger.refresh_from_db()
    assert danger.assignee.username == "mod" and danger.status == "in_review"
    page.keyboard.press("e")
    assert page.locator("details.evidence").get_attribute("open") is not None
    moderator.shot("case-keys")
    page.keyboard.press("r")  # the closing action waits for Enter
    assert page.evaluate("document.activeElement.textContent") == "Решено без меры"
    danger.refresh_from_db()
    assert danger.status == "in_review"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/case/report/{spam.pk}/")  # the next case opens
    danger.refresh_from_db()
    assert danger.status == "resolved"
    page.keyboard.press("d")
    page.keyboard.type("реклама канала, не нарушение")
    page.keyboard.press("Enter")  # in the note: dismisses, never applies the measure
    page.wait_for_url("**/moderation/queue/")
    spam.refresh_from_db()
    assert spam.status == "dismissed" and not spam.sanctions.exists()
    assert moderator.console_errors == []


def test_the_keys_work_in_the_russian_layout_too(as_staff):
    report = Report.objects.create(reporter=MemberFactory(), reported=MemberFactory(), reason="abuse")
    moderator = as_staff("mod", "Moderators")
    page = moderator.page
    moderator.open("/admin/moderation/queue/")
    # «о» is where J is: the key's position counts, not the letter.
    page.evaluate(
        "document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'о', code: 'KeyJ', bubbles: true}))"
    )
    page.evaluate(
        "document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'щ', code: 'KeyO', bubbles: true}))"
    )
    page.wait_for_url(f"**/case/report/{report.pk}/")
    assert moderator.console_errors == []


def test_a_canned_reason_picked_fills_the_text_the_member_reads(as_staff, telegram):
    SanctionReason.objects.create(kind="ban", case_reason="abuse", text="Травля собеседника", order=1)
    report = Report.objects.create(reporter=MemberFactory(), reported=MemberFactory(), reason="abuse")
    moderator = as_staff("mod", "Moderators")
    page = moderator.page
    moderator.open(f"/admin/moderation/case/report/{report.pk}/")
    assert page.input_value("#id_reason") == "Оскорбления и давление на собеседника"
    # Offered for a ban only: hidden while the measure is a warning.
    assert page.locator("#id_canned option", has_text="Травля собеседника").evaluate("o => o.hidden")
    page.select_option("#id_measure", "ban_7d")
    page.select_option("#id_canned", label="Блокировка: Травля собеседника")
    assert page.input_value("#id_reason") == "Травля собеседника"
    page.select_option("#id_measure", "mute_24h")  # no longer fits: the best reason for a mute
    assert page.input_value("#id_reason") == "Оскорбления и давление на собеседника"
    page.fill("#id_reason", "Оскорбления после просьбы остановиться")
    assert page.input_value("#id_canned") == ""  # own words
    moderator.shot("case-canned-reason")
    with page.expect_navigation():
        page.get_by_role("button", name="Применить меру и закрыть").click()
    assert report.sanctions.get().reason == "Оскорбления после просьбы остановиться"
    assert moderator.console_errors == []
