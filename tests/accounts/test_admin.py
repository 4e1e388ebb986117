import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from tests.accounts.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _staff(name: str, group: str) -> User:
    user = User.objects.create_user(name, password="pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def member():
    return MemberFactory(tg_id=987654321, pseudonym="Лунный кот")


def test_moderator_finds_a_member_by_pseudonym_and_sees_the_telegram_id(client, member):
    client.force_login(_staff("mod", "Moderators"))
    page = client.get(reverse("admin:accounts_member_changelist"), {"q": "Лунный"})
    assert page.status_code == 200 and member.ref in page.content.decode()
    detail = client.get(reverse("admin:accounts_member_change", args=[member.pk]))
    assert "987654321" in detail.content.decode()


def test_analyst_sees_members_by_ref_but_never_the_telegram_id(client, member):
    client.force_login(_staff("analyst", "Analysts"))
    listing = client.get(reverse("admin:accounts_member_changelist"), {"q": member.ref})
    assert listing.status_code == 200 and member.ref in listing.content.decode()
    detail = client.get(reverse("admin:accounts_member_change", args=[member.pk]))
    assert detail.status_code == 200
    assert "987654321" not in listing.content.decode() + detail.content.decode()


def test_analyst_cannot_change_a_member_even_with_a_forged_post(client, member):
    client.force_login(_staff("analyst", "Analysts"))
    response = client.post(
        reverse("admin:accounts_member_change", args=[member.pk]), {"pseudonym": "Взлом", "status": "banned"}
    )
    member.refresh_from_db()
    assert response.status_code == 403
    assert member.pseudonym == "Лунный кот" and member.status == "active"


def test_members_can_be_filtered_by_topic_status_and_onboarding(client, member):
    MemberFactory(topics=["divorce", "grief"], onboarding_step="topics")
    client.force_login(_staff("mod", "Moderators"))
    url = reverse("admin:accounts_member_changelist")
    from accounts.models import Topic

    divorce = Topic.objects.get(slug="divorce")
    assert member.ref not in client.get(url, {"member_topics__topic__id__exact": divorce.pk}).content.decode()
    assert member.ref in client.get(url, {"onboarded": "yes", "status__exact": "active"}).content.decode()
    assert member.ref not in client.get(url, {"onboarded": "no"}).content.decode()


def test_topics_are_reordered_in_the_list(client):
    client.force_login(User.objects.create_superuser("root", "r@example.com", "pw"))
    page = client.get(reverse("admin:accounts_topic_changelist"))
    assert page.status_code == 200 and "Выгорание" in page.content.decode()


def test_an_analyst_cannot_probe_a_telegram_id_through_the_url(client, member):
    client.force_login(_staff("analyst", "Analysts"))
    url = reverse("admin:accounts_member_changelist")
    assert client.get(url, {"tg_id": "987654321"}).status_code == 400
    assert client.get(url, {"tg_id__startswith": "9876"}).status_code == 400
    assert member.ref not in client.get(url, {"q": "987654321"}).content.decode()


def test_a_moderator_finds_a_member_by_telegram_id(client, member):
    client.force_login(_staff("mod", "Moderators"))
    page = client.get(reverse("admin:accounts_member_changelist"), {"q": "987654321"})
    assert member.ref in page.content.decode()


def test_members_can_be_filtered_by_join_date(client, member):
    import datetime as dt

    from django.utils import timezone

    old = MemberFactory(created_at=member.created_at - dt.timedelta(days=40))
    client.force_login(_staff("mod", "Moderators"))
    joined = timezone.localtime(member.created_at)
    page = client.get(
        reverse("admin:accounts_member_changelist"),
        {"created_at__year": joined.year, "created_at__month": joined.month, "created_at__day": joined.day},
    ).content.decode()
    assert member.ref in page and old.ref not in page


def test_a_moderator_reorders_and_hides_topics_inline(client):
    from accounts.models import Topic

    client.force_login(_staff("mod", "Moderators"))
    topics = list(Topic.objects.order_by("order"))
    form = {
        "form-TOTAL_FORMS": str(len(topics)),
        "form-INITIAL_FORMS": str(len(topics)),
        "_save": "Save",
    }
    for i, topic in enumerate(topics):
        form[f"form-{i}-id"] = str(topic.pk)
        form[f"form-{i}-order"] = str(1000 - i if topic.slug == "grief" else topic.order)
        form[f"form-{i}-sensitivity"] = topic.sensitivity
        if topic.slug != "pet-loss":
            form[f"form-{i}-is_active"] = "on"
    response = client.post(reverse("admin:accounts_topic_changelist"), form)
    assert response.status_code == 302
    assert Topic.objects.order_by("order").last().slug == "grief"
    assert not Topic.objects.get(slug="pet-loss").is_active


def test_seeded_topics_are_russian_with_high_sensitivity_for_grief_and_addiction():
    from accounts.models import Topic

    assert Topic.objects.filter(is_active=True).count() >= 12
    assert Topic.objects.get(slug="grief").sensitivity == Topic.Sensitivity.HIGH
    assert Topic.objects.get(slug="addiction-recovery").sensitivity == Topic.Sensitivity.HIGH


def test_a_moderator_adds_a_hotline_and_an_analyst_only_reads_them(client):
    from moderation.models import Hotline

    client.force_login(_staff("mod", "Moderators"))
    response = client.post(
        reverse("admin:moderation_hotline_add"),
        {
            "country": "RU",
            "name": "Кризисная линия",
            "phone": "8-800-100-00-00",
            "order": 5,
            "is_active": "on",
            "audience": "adults",
        },
    )
    assert response.status_code == 302 and Hotline.objects.filter(name="Кризисная линия").exists()
    client.force_login(_staff("analyst", "Analysts"))
    assert client.get(reverse("admin:moderation_hotline_changelist")).status_code == 200
    assert client.get(reverse("admin:moderation_hotline_add")).status_code == 403


def test_a_moderator_hides_an_offensive_pseudonym_and_bio_and_an_analyst_cannot(client):
    from django.contrib.admin.models import LogEntry

    member = MemberFactory(pseudonym="Оскорбительное", bio="грубость")
    url = reverse("admin:accounts_member_changelist")
    client.force_login(_staff("analyst", "Analysts"))
    client.post(url, {"action": "hide_profile", "_selected_action": [member.pk]})
    member.refresh_from_db()
    assert member.pseudonym == "Оскорбительное"  # analysts have no such action
    client.force_login(_staff("mod", "Moderators"))
    client.post(url, {"action": "hide_profile", "_selected_action": [member.pk]})
    member.refresh_from_db()
    assert member.pseudonym == f"Участник {member.ref[:4]}" and member.bio == ""
    assert LogEntry.objects.filter(object_id=str(member.pk), change_message__contains="скрыты").exists()
