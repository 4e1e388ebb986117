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
