"""Analysts see pseudonymous refs only: never a Telegram id, a pseudonym or a bio, on any admin page."""

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, User
from django.urls import NoReverseMatch, reverse

from chats.models import Rating
from core import clock
from core.models import DeadLetterUpdate
from matching.models import Proposal, SearchRequest
from moderation.models import Appeal, Block, Report, SafetyFlag, Sanction
from tests.accounts.factories import MemberFactory
from tests.chats.factories import conversation

pytestmark = pytest.mark.django_db(transaction=True)

TG_ID, PSEUDONYM, BIO = 7_712_345_678, "ТайныйБарсук", "живу у Садовой"


def _everything_about_one_member():
    anna = MemberFactory(tg_id=TG_ID, pseudonym=PSEUDONYM, bio=BIO)
    boris = MemberFactory()
    session = conversation(anna, boris, arm="strict")
    now = clock.now()
    search = SearchRequest.objects.create(member=anna, arm="strict", expires_at=now + dt.timedelta(hours=1))
    other = SearchRequest.objects.create(member=boris, arm="strict", expires_at=now + dt.timedelta(hours=1))
    Proposal.objects.create(
        member_a=anna, member_b=boris, search_a=search, search_b=other, score=0.7, arm="strict",
        expires_at=now + dt.timedelta(minutes=5),
    )  # fmt: skip
    Rating.objects.create(session=session, rater=boris, rated=anna, score=4)
    report = Report.objects.create(reporter=boris, reported=anna, reason="abuse", session=session)
    SafetyFlag.objects.create(member=anna, kind="manual", details="проверка")
    sanction = Sanction.objects.create(member=anna, kind="warn", reason="тест", report=report)
    Appeal.objects.create(sanction=sanction, member=anna, text="не согласна")
    Block.objects.create(blocker=boris, blocked=anna, session=session)
    sender = {"id": TG_ID, "is_bot": False, "first_name": PSEUDONYM, "username": "barsuk_real"}
    DeadLetterUpdate.objects.create(
        update_id=991,
        update_type="message",
        payload={"update_id": 991, "message": {"message_id": 5, "from": sender, "chat": {"id": TG_ID}}},
        error_type="ValueError",
        error_message=f"bad data from {TG_ID}",
        member_ref=anna.ref,
        created_at=now,
        last_attempt_at=now,
    )
    return anna


def _pages(client, anna) -> list[str]:
    """Every admin page an analyst can open: lists, searches, one object of each model, its history."""
    pages = [
        "/admin/",
        reverse("moderation-queue"),
        reverse("kpi-dashboard"),
        reverse("exports"),
        "/admin/rq/",
    ]
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label == "django_rq":  # unmanaged: the rq pages are walked above
            continue
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        pages += [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_changelist") + f"?q={anna.ref}"]
        for obj in model._default_manager.order_by("pk")[:2]:
            try:
                pages += [
                    reverse(f"{prefix}_change", args=[obj.pk]),
                    reverse(f"{prefix}_history", args=[obj.pk]),
                ]
            except NoReverseMatch:
                pass
    return pages


def test_no_admin_page_shows_an_analyst_a_telegram_id_a_pseudonym_or_a_bio(client):
    anna = _everything_about_one_member()
    moderator = User.objects.create_user("mod", password="x", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    # A moderator's action on the member leaves a history entry naming them.
    LogEntry.objects.log_actions(
        user_id=moderator.pk,
        queryset=[anna],
        action_flag=CHANGE,
        change_message="проверено",
        single_object=True,
    )
    analyst = User.objects.create_user("analyst", password="x", is_staff=True)
    analyst.groups.add(Group.objects.get(name="Analysts"))
    client.force_login(analyst)
    opened = 0
    for url in _pages(client, anna):
        response = client.get(url)
        if response.status_code != 200:
            continue
        page = response.content.decode()
        for secret in (str(TG_ID), PSEUDONYM, BIO, "barsuk_real"):
            assert secret not in page, (url, secret, re.findall(rf".{{80}}{secret}.{{40}}", page, re.S)[:1])
        opened += 1
    assert opened >= 40
    # Nor can a search or a filter tell them whose ref a pseudonym or a Telegram id is.
    members = reverse("admin:accounts_member_changelist")
    for query in ({"q": PSEUDONYM}, {"q": str(TG_ID)}):
        assert anna.ref not in client.get(members, query).content.decode(), query


def test_moderators_still_see_the_pseudonym_and_the_telegram_id_on_the_member_page(client):
    anna = _everything_about_one_member()
    moderator = User.objects.create_user("mod", password="x", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    page = client.get(reverse("admin:accounts_member_change", args=[anna.pk])).content.decode()
    assert PSEUDONYM in page and str(TG_ID) in page
    letter = DeadLetterUpdate.objects.get()
    assert (
        str(TG_ID)
        in client.get(reverse("admin:core_deadletterupdate_change", args=[letter.pk])).content.decode()
    )
