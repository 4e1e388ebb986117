"""Staff pages speak one language: Russian labels, Russian choices, the right grammatical case."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.urls import NoReverseMatch, reverse

from moderation.models import Report, SafetyFlag, Sanction
from tests.accounts.factories import MemberFactory
from tests.chats.factories import conversation

pytestmark = pytest.mark.django_db(transaction=True)

# Latin words that are names, not English: product and protocol names, codes staff type.
ALLOWED = frozenset("ref id ru telegram csv kpi a b rq django iso url mute llm ai".split())  # noqa: SIM905
LABEL_TAGS = {"label", "h1", "h2", "h3", "caption", "summary", "legend"}


class _Labels(HTMLParser):
    """Text that names things (headings, labels, column headers), not the data shown under them."""

    def __init__(self):
        super().__init__()
        self.depth, self.in_head, self.texts = 0, 0, []

    def handle_starttag(self, tag, attrs):
        self.in_head += tag == "thead"
        self.depth += tag in LABEL_TAGS or (tag == "th" and self.in_head > 0)

    def handle_endtag(self, tag):
        if tag == "thead":
            self.in_head -= 1
        if (tag in LABEL_TAGS or (tag == "th" and self.in_head > 0)) and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and data.strip():
            self.texts.append(data.strip())


def english_labels(html: str) -> set[str]:
    parser = _Labels()
    parser.feed(html)
    words = set()
    for text in parser.texts:
        for token in text.split():
            if re.fullmatch(r"#?[0-9a-f]{16}", token):  # a member's ref
                continue
            for word in re.findall(r"[A-Za-z][A-Za-z_]+", token):
                if word.lower() not in ALLOWED:
                    words.add(f"{word} ← {text[:60]}")
    return words


def _admin_pages() -> list[str]:
    pages = ["/admin/", reverse("moderation-queue"), reverse("kpi-dashboard"), reverse("exports")]
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label in ("django_rq", "axes", "auth"):
            continue
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        pages.append(reverse(f"{prefix}_changelist"))
        try:
            pages.append(reverse(f"{prefix}_add"))
        except NoReverseMatch:
            pass
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            pages.append(reverse(f"{prefix}_change", args=[obj.pk]))
    return pages


def test_staff_pages_label_everything_in_russian(client):
    a, b = MemberFactory(), MemberFactory()
    conversation(a, b, arm="strict")
    report = Report.objects.create(reporter=a, reported=b, reason="abuse")
    SafetyFlag.objects.create(member=b, kind="toxicity", details="3 сообщения: obscenity, insult")
    Sanction.objects.create(member=b, kind="mute", reason="оскорбления", report=report)
    client.force_login(User.objects.create_superuser("админ", password="x"))
    found = {}
    for url in _admin_pages():
        response = client.get(url)
        if response.status_code == 200 and (words := english_labels(response.content.decode())):
            found[url] = sorted(words)
    assert found == {}


def test_admin_titles_put_the_object_in_the_right_case(client):
    a, b = MemberFactory(), MemberFactory()
    report = Report.objects.create(reporter=a, reported=b, reason="abuse")
    moderator = User.objects.create_user("mod", password="x", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    pages = {
        reverse("admin:moderation_report_change", args=[report.pk]): "Изменить жалобу",
        reverse("admin:moderation_sanction_add"): "Добавить санкцию",
        reverse("admin:accounts_member_changelist"): "Выберите участника для просмотра",
        reverse("admin:moderation_sanctionreason_changelist"): "Добавить причину меры",
        reverse("admin:moderation_hotline_changelist"): "Добавить горячую линию",
    }
    for url, title in pages.items():
        assert title in client.get(url).content.decode(), url


def test_staff_read_times_in_their_zone_and_member_choices_by_name(client):
    noon = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
    member = MemberFactory(created_at=noon, expectations=["vent"], availability=["evening"])
    client.force_login(User.objects.create_superuser("админ", password="x"))
    page = client.get(reverse("admin:accounts_member_change", args=[member.pk])).content.decode()
    assert "15:00" in page and "12:00" not in page  # Moscow, as the header says
    assert "Europe/Moscow" in page
    assert "Выговориться" in page and "Вечер" in page and "vent" not in page
