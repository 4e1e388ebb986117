"""The moderators' and analysts' backoffice: sanctions, appeals, triage, exports, dashboard, roles."""

import csv
import datetime as dt
import io
import tracemalloc

import django_rq
import pytest
from asgiref.sync import sync_to_async
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.test import AsyncClient
from django.urls import reverse

from accounts.models import Member
from chats.models import ChatSession, Rating
from core import clock
from matching.models import Proposal, SearchRequest
from moderation import exports
from moderation.models import Appeal, Report, SafetyFlag, Sanction
from tests.accounts.factories import MemberFactory
from tests.chats.factories import conversation
from tests.jobs import run_jobs

pytestmark = pytest.mark.django_db(transaction=True)


def staff(name: str, group: str) -> User:
    user = User.objects.create_user(name, password="correct-horse", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def chat(a: Member, b: Member, **kw) -> ChatSession:
    return conversation(a, b, arm=kw.pop("arm", "strict"), **kw)


def test_a_moderator_bans_a_member_the_chat_ends_and_the_member_reads_why(client, telegram):
    anna, boris = MemberFactory(tg_id=7700001), MemberFactory(tg_id=7700002)
    session = chat(anna, boris)
    moderator = staff("mod", "Moderators")
    client.force_login(moderator)
    add = reverse("admin:moderation_sanction_add")
    assert client.get(add, {"member": anna.pk}).status_code == 200
    response = client.post(add, {"member": anna.pk, "choice": "ban_7d", "reason": "Угрозы собеседнику"})
    assert response.status_code == 302, response.content.decode()[:2000]
    anna.refresh_from_db()
    assert anna.status == "banned" and anna.banned_until > clock.now() + dt.timedelta(days=6)
    session.refresh_from_db()
    assert session.status == "ended" and session.end_reason == "moderation"
    run_jobs()
    notice = telegram.last_to(7700001)
    assert "заблокировали" in notice.text and "Угрозы собеседнику" in notice.text
    assert "Обжаловать" in notice.button_texts()
    sanction = Sanction.objects.get()
    assert sanction.created_by == moderator
    assert LogEntry.objects.filter(user=moderator, object_id=str(sanction.pk)).exists()
    # History suggests the next step.
    page = client.get(add, {"member": anna.pk}).content.decode()
    assert 'value="ban_forever" selected' in page


def test_a_sanction_needs_a_reason(client, telegram):
    anna = MemberFactory()
    client.force_login(staff("mod", "Moderators"))
    response = client.post(
        reverse("admin:moderation_sanction_add"), {"member": anna.pk, "choice": "warn", "reason": ""}
    )
    assert response.status_code == 200 and Sanction.objects.count() == 0


def test_an_overturned_appeal_lifts_the_mute_and_the_member_hears_it(client, telegram):
    anna = MemberFactory(tg_id=7700003, muted_until=clock.now() + dt.timedelta(hours=1))
    sanction = Sanction.objects.create(member=anna, kind="mute", reason="авто", until=anna.muted_until)
    appeal = Appeal.objects.create(sanction=sanction, member=anna, text="Это была шутка между нами")
    url = reverse("admin:moderation_appeal_change", args=[appeal.pk])
    client.force_login(staff("analyst", "Analysts"))
    assert "шутка" not in client.get(url).content.decode()  # the member's words: moderators only
    client.force_login(staff("mod", "Moderators"))
    assert "шутка" in client.get(url).content.decode()
    client.post(url, {"decision": "overturn", "decision_note": "Ошибка фильтра, извините"})
    appeal.refresh_from_db()
    anna.refresh_from_db()
    assert appeal.status == "overturned" and anna.muted_until is None
    run_jobs()
    assert "обжалование принято" in telegram.last_to(7700003).text
    assert "Ошибка фильтра" in telegram.last_to(7700003).text


def test_the_triage_queue_puts_danger_and_high_risk_first_and_marks_overdue(client):
    a, b = MemberFactory(), MemberFactory()
    Report.objects.create(reporter=a, reported=b, reason="spam")
    clock.advance(dt.timedelta(hours=2))
    Report.objects.create(
        reporter=b, reported=a, reason="danger", created_at=clock.now() - dt.timedelta(hours=2)
    )
    SafetyFlag.objects.create(member=a, kind="crisis", severity=3, details="Кризисные слова")
    client.force_login(staff("mod", "Moderators"))
    page = client.get(reverse("moderation-queue")).content.decode()
    assert page.index("Опасность") < page.index("Спам") and page.index("Кризисные") < page.index("Спам")
    assert "просрочено" in page
    changelist = client.get(reverse("admin:moderation_report_changelist"), {"q": b.ref}).content.decode()
    assert "Опасность" in changelist


def test_take_and_resolve_are_audited(client):
    a, b = MemberFactory(), MemberFactory()
    report = Report.objects.create(reporter=a, reported=b, reason="abuse")
    moderator = staff("mod", "Moderators")
    client.force_login(moderator)
    url = reverse("admin:moderation_report_changelist")
    client.post(url, {"action": "take", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.status == "in_review" and report.assignee == moderator
    client.post(url, {"action": "resolve", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.status == "resolved" and report.resolved_at is not None
    history = LogEntry.objects.filter(user=moderator, object_id=str(report.pk)).values_list(
        "change_message", flat=True
    )
    assert {"Взято в работу", "Решено"} <= set(history)


def test_report_evidence_is_for_moderators_only(client):
    a, b = MemberFactory(), MemberFactory()
    report = Report.objects.create(reporter=a, reported=b, reason="abuse", evidence_text="ты ничтожество")
    client.force_login(staff("analyst", "Analysts"))
    assert (
        "ничтожество"
        not in client.get(reverse("admin:moderation_report_change", args=[report.pk])).content.decode()
    )
    client.force_login(staff("mod", "Moderators"))
    assert (
        "ничтожество"
        in client.get(reverse("admin:moderation_report_change", args=[report.pk])).content.decode()
    )


def test_the_dashboard_shows_the_figures_and_the_targets(client):
    members = [MemberFactory() for _ in range(4)]
    now = clock.now()
    for m, arm in zip(members, ["strict", "strict", "soft", "soft"], strict=True):
        SearchRequest.objects.create(
            member=m, arm=arm, created_at=now - dt.timedelta(minutes=10), expires_at=now + dt.timedelta(hours=1),
            first_proposal_at=now - dt.timedelta(minutes=9), status="matched", ended_at=now,
        )  # fmt: skip
    searches = list(SearchRequest.objects.order_by("pk"))
    Proposal.objects.create(
        member_a=members[0], member_b=members[1], search_a=searches[0], search_b=searches[1], score=0.8,
        arm="strict", status="confirmed", expires_at=now + dt.timedelta(minutes=5),
    )  # fmt: skip
    Proposal.objects.create(
        member_a=members[2], member_b=members[3], search_a=searches[2], search_b=searches[3], score=0.6,
        arm="soft", status="declined", expires_at=now + dt.timedelta(minutes=5),
    )  # fmt: skip
    session = chat(members[0], members[1], started_at=now - dt.timedelta(minutes=30))
    session.status, session.ended_at, session.last_message_at = "ended", now, now
    session.save()
    Rating.objects.create(session=session, rater=members[0], rated=members[1], score=5)
    from coach.models import AiHint

    for status in ("used", "hidden"):
        AiHint.objects.create(
            session=session,
            member_ref=members[0].ref,
            situation="question",
            provider="offline",
            status=status,
        )
    client.force_login(staff("analyst", "Analysts"))
    page = client.get(reverse("kpi-dashboard")).content.decode()
    assert "Цели запуска" in page
    assert "Приняли предложение" in page and "50,0 %" in page  # 1 of 2 decided
    assert "30,0 мин" in page and "выполнено" in page
    assert "<svg" in page
    assert "ИИ-подсказки" in page and "<b>offline</b>" in page and "50 %" in page  # 1 used of 2 shown


async def _stream(client) -> tuple[int, int, int, str]:
    """Lines, chunks and peak traced memory of the members export, and its first chunk."""
    response = await client.get(reverse("export-csv", args=["members"]))
    assert response.status_code == 200 and response.streaming
    tracemalloc.start()
    lines, chunks, first = 0, 0, ""
    async for chunk in response.streaming_content:
        text = chunk.decode() if isinstance(chunk, bytes) else chunk
        lines += text.count("\n")
        chunks += 1
        first = first or text + ""
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return lines, chunks, peak, first


async def test_a_large_export_streams_refs_only_in_flat_memory():
    def members(start: int):
        Member.objects.bulk_create(
            [
                Member(tg_id=880_000_000 + i, ref=f"r{i:07d}", pseudonym=f"Секрет{i}")
                for i in range(start, start + 15_000)
            ],
            batch_size=5000,
        )

    await sync_to_async(members)(0)
    client = AsyncClient()
    await client.aforce_login(await sync_to_async(staff)("analyst", "Analysts"))
    lines, chunks, peak_15k, _ = await _stream(client)
    assert lines == 15_001 and chunks >= 4  # a header, then one chunk per batch
    await sync_to_async(members)(15_000)
    lines, chunks, peak_30k, first = await _stream(client)
    assert lines == 30_001
    assert peak_30k < 1.5 * peak_15k  # twice the rows, not twice the memory
    assert "Секрет" not in first and "880000" not in first


def test_no_export_carries_a_telegram_id_a_pseudonym_or_any_text():
    for export in exports.EXPORTS.values():
        for _header, path in export.columns:
            assert path.split("__")[-1] not in exports.FORBIDDEN_FIELDS, (export.title, path)


def test_an_export_respects_the_date_range(client):
    old = MemberFactory(created_at=clock.now() - dt.timedelta(days=40))
    new = MemberFactory()
    client.force_login(staff("analyst", "Analysts"))
    start = (clock.now() - dt.timedelta(days=7)).date().isoformat()
    response = client.get(reverse("export-csv", args=["members"]), {"from": start})
    rows = list(csv.reader(io.StringIO(b"".join(response).decode().lstrip("\ufeff"))))
    refs = {r[0] for r in rows[1:]}
    assert new.ref in refs and old.ref not in refs and rows[0][0] == "ref"


MODERATORS_ONLY = {"tips.supportticket", "admin.logentry"}


def _object_of(model):
    return model._default_manager.order_by("pk").first()


def test_role_matrix_analysts_only_look_moderators_act(client):
    a, b = MemberFactory(), MemberFactory()
    session = chat(a, b)
    report = Report.objects.create(reporter=a, reported=b, reason="abuse", session=session)
    SafetyFlag.objects.create(member=a, kind="manual", details="проверка")
    sanction = Sanction.objects.create(member=a, kind="warn", reason="тест")
    Appeal.objects.create(sanction=sanction, member=a, text="не согласна")
    analyst = staff("analyst", "Analysts")
    client.force_login(analyst)
    for page in ("moderation-queue", "kpi-dashboard", "exports"):
        assert client.get(reverse(page)).status_code == 200, page
    checked = 0
    for model in list(admin.site._registry):
        meta = model._meta
        if meta.app_label in ("auth", "axes", "django_rq", "core"):
            continue
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        if meta.label_lower in MODERATORS_ONLY:  # members' words to support, the audit log: not for analysts
            assert client.get(changelist).status_code == 403
            continue
        assert client.get(changelist).status_code in (200, 302), changelist  # singletons redirect
        assert client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code == 403
        obj = _object_of(model)
        if obj is not None:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert client.get(url).status_code == 200, url
            assert client.post(url, {"status": "dismissed", "reason": "x"}).status_code == 403, url
            delete = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])
            assert client.post(delete, {"post": "yes"}).status_code == 403, delete
        checked += 1
    assert checked >= 15
    # Bulk actions need the change permission: a forged action POST changes nothing.
    client.post(
        reverse("admin:moderation_report_changelist"), {"action": "resolve", "_selected_action": [report.pk]}
    )
    report.refresh_from_db()
    assert report.status == "new"
    client.force_login(staff("mod", "Moderators"))
    client.post(
        reverse("admin:moderation_report_changelist"), {"action": "resolve", "_selected_action": [report.pk]}
    )
    report.refresh_from_db()
    assert report.status == "resolved"


def test_the_sixth_wrong_password_locks_the_login_out(client):
    staff("mod", "Moderators")
    login = reverse("admin:login")
    for _ in range(5):
        client.post(login, {"username": "mod", "password": "wrong", "next": "/admin/"})
    locked = client.post(login, {"username": "mod", "password": "correct-horse", "next": "/admin/"})
    assert locked.status_code == 429
    assert "Слишком много" in locked.content.decode()


def test_the_member_page_shows_the_whole_history_and_offers_a_sanction(client):
    a, b = MemberFactory(), MemberFactory()
    session = chat(a, b)
    Report.objects.create(reporter=b, reported=a, reason="abuse", session=session)
    SafetyFlag.objects.create(member=a, kind="toxicity", details="3 сообщения не переданы")
    Sanction.objects.create(
        member=a, kind="mute", reason="оскорбления", until=clock.now() + dt.timedelta(hours=1)
    )
    client.force_login(staff("mod", "Moderators"))
    page = client.get(reverse("admin:accounts_member_change", args=[a.pk])).content.decode()
    for text in (
        "Жалобы на участника",
        "Оскорбления, давление",
        "3 сообщения не переданы",
        "оскорбления",
        "Применить меру",
    ):
        assert text in page, text
    # Mute and ban dates are not typed in by hand: they come from sanctions.
    assert 'name="muted_until' not in page and 'name="status"' not in page


def test_analysts_may_read_job_counts_but_never_touch_a_job(client):
    queue = django_rq.get_queue("default")
    job = queue.enqueue_in(dt.timedelta(hours=1), "matching.tasks.matching_round")
    delete = reverse("django_rq:delete_job", args=[0, job.id])
    requeue_all = reverse("django_rq:requeue_all", args=[0])
    client.force_login(staff("analyst", "Analysts"))
    assert client.get(reverse("django_rq:home")).status_code == 200  # counts only
    for url in (delete, requeue_all, reverse("django_rq:job_detail", args=[0, job.id])):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"post": "yes"}).status_code == 403, url
    client.force_login(staff("mod", "Moderators"))
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert job.id in queue.scheduled_job_registry.get_job_ids()
    client.force_login(User.objects.create_superuser("ops", password="correct-horse"))
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert job.id not in queue.scheduled_job_registry.get_job_ids()


def test_the_admin_has_its_css_without_debug_or_collectstatic(client):
    response = client.get("/static/admin/css/base.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"/*")


@pytest.mark.parametrize(
    "page, query",
    [
        ("kpi-dashboard", {"from": "2026-02-30"}),
        ("kpi-dashboard", {"to": "вчера"}),
        ("kpi-dashboard", {"from": "0001-01-01"}),
        ("exports", {"from": "2026-02-30"}),
        ("export-csv", {"from": "2026-13-01"}),
        ("kpi-dashboard", {"arm": "both"}),
    ],
)
def test_an_impossible_date_in_the_url_is_a_form_error_not_a_500(client, page, query):
    client.force_login(staff("analyst", "Analysts"))
    url = reverse(page, args=["members"]) if page == "export-csv" else reverse(page)
    response = client.get(url, query)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()


def test_a_sanction_form_for_a_member_that_is_not_a_number_opens_empty(client):
    client.force_login(staff("mod", "Moderators"))
    for member in ("abc", "99999999", "-1"):
        response = client.get(reverse("admin:moderation_sanction_add"), {"member": member})
        assert response.status_code == 200, member
    bad_filter = client.get(
        reverse("admin:moderation_report_changelist"), {"created_at__date__gte": "2026-02-30"}
    )
    assert bad_filter.status_code in (200, 302)


def test_the_dashboard_over_a_century_draws_at_most_a_hundred_bars(client, django_assert_max_num_queries):
    MemberFactory(created_at=clock.now() - dt.timedelta(days=800))
    MemberFactory()
    client.force_login(staff("analyst", "Analysts"))
    with django_assert_max_num_queries(100):
        page = client.get(reverse("kpi-dashboard"), {"from": "1900-01-01", "to": "2100-12-31"})
    assert page.status_code == 200
    bars = page.content.decode().count("<g transform=")
    assert 20 <= bars <= 100, bars  # months since the first member, not 73 000 days
    assert "по месяцам" in page.content.decode()


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response).decode().lstrip("\ufeff"))))


def test_the_export_page_sends_its_own_dates_and_arm_with_each_export(client):
    client.force_login(staff("analyst", "Analysts"))
    page = client.get(reverse("exports"), {"from": "2026-01-01", "to": "2026-01-31", "arm": "soft"})
    html = page.content.decode()
    # The export buttons submit the form itself: what is typed in the date fields is what is exported.
    assert (
        'formaction="searches.csv"' in html and 'value="2026-01-01"' in html and 'value="2026-01-31"' in html
    )
    assert '<option value="soft" selected>' in html


def test_an_export_and_the_chart_follow_the_arm(client):
    a, b = MemberFactory(), MemberFactory()
    now = clock.now()
    for member, arm in ((a, "strict"), (b, "soft")):
        SearchRequest.objects.create(member=member, arm=arm, expires_at=now + dt.timedelta(hours=1))
    client.force_login(staff("analyst", "Analysts"))
    rows = _csv(client.get(reverse("export-csv", args=["searches"]), {"arm": "soft"}))
    assert [r[1] for r in rows[1:]] == [b.ref]
    page = client.get(reverse("kpi-dashboard"), {"arm": "soft"}).content.decode()
    assert "поисков 1" in page and "вариант «мягкий»" in page


def test_chat_duration_runs_to_the_last_message_and_avg_tip_has_its_target(client):
    from tips.models import Tip

    a, b, c, d = (MemberFactory() for _ in range(4))
    now = clock.now()
    # A pair that talked 12 minutes and went quiet until the 24-hour timer ended the chat…
    talked = chat(a, b, started_at=now - dt.timedelta(hours=24))
    talked.status, talked.ended_at, talked.end_reason = "ended", now, "timer"
    talked.first_message_at = talked.started_at + dt.timedelta(minutes=1)
    talked.last_message_at = talked.started_at + dt.timedelta(minutes=12)
    talked.save()
    # …and one that never wrote a word: 12 + 0 minutes over two chats, not 24 hours.
    silent = chat(c, d, arm="soft", started_at=now - dt.timedelta(hours=2))
    silent.status, silent.ended_at = "ended", now - dt.timedelta(hours=1)
    silent.save()
    for n, amount in enumerate((5, 25)):
        Tip.objects.create(
            session=talked, payer=a, recipient=b, amount=amount, commission_percent=10, commission=amount // 10,
            net=amount - amount // 10, status="paid", telegram_payment_charge_id=f"charge-{n}", paid_at=now,
        )  # fmt: skip
    client.force_login(staff("analyst", "Analysts"))
    page = client.get(reverse("kpi-dashboard")).content.decode()
    targets = page[page.index("Цели запуска") : page.index("Показатели за период")]
    duration = targets[targets.index("Средняя длительность разговора") :]
    assert duration.index("6,0 мин") < duration.index("</tr>")  # (12 + 0) / 2, the timer ignored
    avg_tip = targets[targets.index("Средние чаевые") :]
    assert "≥ 10 ⭐" in avg_tip and avg_tip.index("15,0 ⭐") < avg_tip.index("</tr>")
    assert "выполнено" in avg_tip[: avg_tip.index("</tr>")]


def test_launch_targets_are_shown_for_each_arm(client):
    client.force_login(staff("analyst", "Analysts"))
    page = client.get(reverse("kpi-dashboard")).content.decode()
    targets = page[page.index("Цели запуска") : page.index("Показатели за период")]
    assert "<th>Строгий</th>" in targets and "<th>Мягкий</th>" in targets
    assert targets.count("нет данных") == 18  # six targets × (total, strict, soft), nothing yet


def test_six_usernames_tried_from_one_address_lock_that_address_out(client):
    staff("mod", "Moderators")
    login = reverse("admin:login")
    for name in ("anna", "boris", "vera", "gleb", "dina"):
        client.post(login, {"username": name, "password": "guess", "next": "/admin/"})
    locked = client.post(login, {"username": "mod", "password": "correct-horse", "next": "/admin/"})
    assert locked.status_code == 429


def test_a_staff_session_lasts_a_working_day(client):
    staff("mod", "Moderators")
    client.post(reverse("admin:login"), {"username": "mod", "password": "correct-horse", "next": "/admin/"})
    assert client.cookies["sessionid"]["max-age"] == 10 * 3600


def test_a_ban_asks_for_the_password_again_when_the_login_is_old(client, telegram):
    anna = MemberFactory()
    client.force_login(staff("mod", "Moderators"))
    add = reverse("admin:moderation_sanction_add")
    clock.advance(dt.timedelta(hours=2))
    ban = {"member": anna.pk, "choice": "ban_forever", "reason": "Угрозы"}
    asked = client.post(add, ban)
    assert asked.status_code == 200 and "подтвердите вход своим паролем" in asked.content.decode()
    assert client.post(add, {**ban, "password": "wrong"}).status_code == 200
    assert Sanction.objects.count() == 0
    assert client.post(add, {**ban, "password": "correct-horse"}).status_code == 302
    # A mute needs no password: only bans do.
    other = MemberFactory()
    assert client.post(add, {"member": other.pk, "choice": "mute_1h", "reason": "Спам"}).status_code == 302
    assert Sanction.objects.count() == 2


def test_the_moderator_who_imposed_a_sanction_cannot_decide_its_appeal(client, telegram):
    anna = MemberFactory(muted_until=clock.now() + dt.timedelta(hours=1))
    first, second = staff("first", "Moderators"), staff("second", "Moderators")
    sanction = Sanction.objects.create(
        member=anna, kind="mute", reason="оскорбления", until=anna.muted_until, created_by=first
    )
    appeal = Appeal.objects.create(sanction=sanction, member=anna, text="я не оскорбляла")
    url = reverse("admin:moderation_appeal_change", args=[appeal.pk])
    client.force_login(first)
    refused = client.post(url, {"decision": "overturn", "decision_note": "сам отменю"})
    assert refused.status_code == 200 and "другой модератор" in refused.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == "pending"
    client.force_login(second)
    assert client.post(url, {"decision": "uphold", "decision_note": "Мера оставлена"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == "upheld" and appeal.decided_by == second


def test_pending_appeals_wait_in_the_queue_with_their_sla(client):
    anna = MemberFactory()
    sanction = Sanction.objects.create(member=anna, kind="warn", reason="спам")
    Appeal.objects.create(
        sanction=sanction, member=anna, text="это не спам", created_at=clock.now() - dt.timedelta(hours=30)
    )
    client.force_login(staff("mod", "Moderators"))
    page = client.get(reverse("moderation-queue")).content.decode()
    assert "Обжалование" in page and "Предупреждение: спам" in page and "просрочено" in page


def test_bulk_take_respects_another_moderators_claim_and_a_closed_case_stays_closed(client):
    a, b = MemberFactory(), MemberFactory()
    first, second = staff("mod1", "Moderators"), staff("mod2", "Moderators")
    report = Report.objects.create(reporter=a, reported=b, reason="abuse", status="in_review", assignee=first)
    client.force_login(second)
    url = reverse("admin:moderation_report_changelist")
    client.post(url, {"action": "take", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.assignee == first  # a claim is a lock: the bulk action does not steal it
    client.post(url, {"action": "dismiss", "_selected_action": [report.pk]})
    client.post(url, {"action": "resolve", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.status == "dismissed"
