"""Canned reasons: staff keep the wording members read in admin; the case page offers it."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from moderation.forms import MEASURES
from moderation.models import Report, SafetyFlag, Sanction, SanctionReason
from moderation.sanctions import SANCTION_DURATIONS
from tests.accounts.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def staff(name: str, group: str) -> User:
    user = User.objects.create_user(name, password="correct-horse", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def report(reason: str = "danger") -> Report:
    return Report.objects.create(reporter=MemberFactory(), reported=MemberFactory(), reason=reason)


def case_url(case) -> str:
    kind = "report" if isinstance(case, Report) else "flag"
    return reverse("moderation-case", args=[kind, case.pk])


def test_the_reasons_the_case_page_used_to_prefill_are_rows_staff_edit():
    texts = dict(SanctionReason.objects.values_list("case_reason", "text"))
    assert texts["danger"] == "Угрозы и опасные сообщения в разговоре"
    assert texts["toxicity"] == "Оскорбления и грубые слова в разговоре"
    assert texts[""] == "Нарушение правил сообщества"  # any other case


def test_a_reason_a_moderator_rewrites_in_admin_is_what_the_next_case_prefills(client, telegram):
    client.force_login(staff("mod", "Moderators"))
    danger = SanctionReason.objects.get(case_reason="danger")
    change = reverse("admin:moderation_sanctionreason_change", args=[danger.pk])
    form = {"text": "Угрозы собеседнику", "kind": "", "case_reason": "danger", "order": 10, "is_active": "on"}
    assert client.post(change, form).status_code == 302
    case = report("danger")
    page = client.get(case_url(case)).content.decode()
    assert 'value="Угрозы собеседнику"' in page and "Угрозы и опасные сообщения" not in page
    # Applied as offered: the text is the sanction's reason, the one the member reads.
    response = client.post(
        case_url(case),
        {
            "action": "measure",
            "measure": "mute_24h",
            "canned": str(danger.pk),
            "reason": "Угрозы собеседнику",
        },
    )
    assert response.status_code == 302
    assert Sanction.objects.get(report=case).reason == "Угрозы собеседнику"


def test_the_case_page_offers_what_fits_the_case_and_not_what_is_switched_off(client):
    SanctionReason.objects.filter(case_reason="spam").update(is_active=False)
    SanctionReason.objects.create(kind="ban", case_reason="spam", text="Массовая рассылка рекламы", order=5)
    SanctionReason.objects.create(case_reason="danger", text="Угрозы жизни собеседника", order=1)
    client.force_login(staff("mod", "Moderators"))
    page = client.get(case_url(report("spam"))).content.decode()
    assert "Массовая рассылка рекламы" in page and 'data-kind="ban"' in page
    assert "Спам или реклама</option>" not in page and "Угрозы жизни собеседника" not in page
    # Nothing for a first warning about spam is left but the general reason: it is prefilled.
    assert 'value="Нарушение правил сообщества"' in page


def test_a_canned_reason_picked_without_scripts_replaces_the_prefill_but_own_words_stay(client, telegram):
    flag = SafetyFlag.objects.create(member=MemberFactory(), kind="toxicity", severity=2)
    general = SanctionReason.objects.get(case_reason="")
    prefill = SanctionReason.objects.get(case_reason="toxicity").text
    client.force_login(staff("mod", "Moderators"))
    picked = {"action": "measure", "measure": "warn", "canned": str(general.pk), "reason": prefill}
    assert client.post(case_url(flag), picked).status_code == 302
    assert Sanction.objects.get(flag=flag).reason == "Нарушение правил сообщества"
    other = SafetyFlag.objects.create(member=MemberFactory(), kind="toxicity", severity=2)
    own = {**picked, "reason": "Грубость в ответ на просьбу остановиться"}
    assert client.post(case_url(other), own).status_code == 302
    assert Sanction.objects.get(flag=other).reason == "Грубость в ответ на просьбу остановиться"


def test_the_sanction_form_from_a_report_link_prefills_that_reports_reason(client, telegram):
    case = report("abuse")
    client.force_login(staff("mod", "Moderators"))
    add = reverse("admin:moderation_sanction_add")
    page = client.get(add, {"member": case.reported.pk, "report": case.pk}).content.decode()
    assert 'value="Оскорбления и давление на собеседника"' in page and "backoffice/case.js" in page
    lift = client.get(add, {"member": case.reported.pk, "choice": "lift"}).content.decode()
    assert '<option value="lift" selected>' in lift
    canned = SanctionReason.objects.get(case_reason="abuse")
    form = {
        "member": case.reported.pk,
        "choice": "warn",
        "canned": canned.pk,
        "reason": "",
        "report": case.pk,
    }
    assert client.post(add, form).status_code == 302
    assert Sanction.objects.get().reason == canned.text


def test_moderators_keep_the_reasons_and_analysts_only_read_them(client):
    add = reverse("admin:moderation_sanctionreason_add")
    client.force_login(staff("mod", "Moderators"))
    form = {"text": "Обман собеседника", "kind": "ban", "case_reason": "", "order": 1, "is_active": "on"}
    assert client.post(add, form).status_code == 302
    assert SanctionReason.objects.filter(text="Обман собеседника", kind="ban").exists()
    client.force_login(staff("analyst", "Analysts"))
    assert client.get(reverse("admin:moderation_sanctionreason_changelist")).status_code == 200
    assert client.post(add, {**form, "text": "Другое"}).status_code == 403
    reason = SanctionReason.objects.get(text="Обман собеседника")
    delete = reverse("admin:moderation_sanctionreason_delete", args=[reason.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


def test_every_measure_names_its_kind_first_as_the_page_script_reads_it():
    assert dict(MEASURES).keys() == SANCTION_DURATIONS.keys()
    assert all(code.split("_")[0] == kind for code, (kind, _) in SANCTION_DURATIONS.items())
