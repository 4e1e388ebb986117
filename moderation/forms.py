"""The forms a moderator applies a measure with: the sanction form in admin and the case page.

Both offer the canned reasons staff keep in admin (SanctionReason) and ask for the moderator's
password before a ban when the login is old.
"""

from __future__ import annotations

from django import forms

from core.roles import mark_reauthenticated, recently_authenticated
from moderation.models import Sanction, SanctionReason
from moderation.sanctions import SANCTION_DURATIONS

MEASURES = [
    ("warn", "Предупреждение"),
    ("mute_1h", "Ограничить на 1 час"),
    ("mute_24h", "Ограничить на 24 часа"),
    ("mute_7d", "Ограничить на 7 дней"),
    ("ban_7d", "Заблокировать на 7 дней"),
    ("ban_30d", "Заблокировать на 30 дней"),
    ("ban_forever", "Заблокировать навсегда"),
    ("lift", "Снять ограничения"),
]


class CannedReasonSelect(forms.Select):
    """Canned reasons whose options carry their text and measure (static/backoffice/case.js reads them)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.reasons: dict[str, SanctionReason] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if (reason := self.reasons.get(str(value))) is not None:
            option["attrs"].update({"data-text": reason.text, "data-kind": reason.kind})
        return option


def canned_reason_field(measure_field: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label="готовая причина",
        required=False,
        widget=CannedReasonSelect(attrs={"data-reason": "id_reason", "data-measure": f"id_{measure_field}"}),
    )


class MeasureFormMixin:
    """A measure with a reason the member reads, picked from the canned ones or in one's own words."""

    measure_field = "measure"
    request = None
    reasons: list[SanctionReason] = []

    def offer_reasons(self, reasons: list[SanctionReason]) -> None:
        kinds = dict(Sanction.Kind.choices)
        self.reasons = reasons
        field = self.fields["canned"]
        field.choices = [("", "— своими словами —")] + [
            (str(r.pk), f"{kinds[r.kind]}: {r.text}" if r.kind else r.text) for r in reasons
        ]
        field.widget.reasons = {str(r.pk): r for r in reasons}

    def reason_from(self, data: dict) -> str:
        """The moderator's own words, else the canned reason picked."""
        text = (data.get("reason") or "").strip()
        picked = {str(r.pk): r.text for r in self.reasons}.get(data.get("canned") or "")
        # Without scripts the text field keeps its prefill when another canned reason is picked.
        if picked and (not text or text in {r.text for r in self.reasons}):
            return picked
        return text

    def check_measure(self, data: dict) -> None:
        data["reason"] = self.reason_from(data)
        if not data["reason"]:
            self.add_error("reason", "Участник прочтёт причину: она нужна.")
        if str(data.get(self.measure_field)).startswith("ban") and not recently_authenticated(self.request):
            if not self.request.user.check_password(data.get("password") or ""):
                self.add_error("password", "Чтобы заблокировать участника, подтвердите вход своим паролем.")
            else:
                mark_reauthenticated(self.request)


def initial_reason(reasons: list[SanctionReason], choice: str) -> dict:
    """The canned reason to prefill for a measure: the best one that fits it (reasons come best first)."""
    kind = SANCTION_DURATIONS[choice][0]
    best = next((r for r in reasons if r.kind in ("", kind)), None)
    return {"canned": str(best.pk), "reason": best.text} if best else {}


class SanctionForm(MeasureFormMixin, forms.ModelForm):
    """A measure applied from the sanctions list or the member page."""

    measure_field = "choice"
    choice = forms.ChoiceField(label="мера", choices=MEASURES)
    canned = canned_reason_field("choice")
    password = forms.CharField(
        label="ваш пароль",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Блокировка просит пароль, если вы входили больше 15 минут назад.",
    )

    class Meta:
        model = Sanction
        fields = ("member", "choice", "reason", "report", "flag")

    class Media:
        js = ("backoffice/case.js",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = False  # a canned reason may stand for it (checked in clean)
        self.offer_reasons(self.reasons)

    def clean(self):
        data = super().clean()
        self.check_measure(data)
        return data


class CaseForm(MeasureFormMixin, forms.Form):
    """What a moderator does with a case: take it, close it with a measure, resolve or dismiss it."""

    action = forms.ChoiceField(
        choices=[("take", "взять"), ("measure", "мера"), ("resolve", "решено"), ("dismiss", "отклонить")]
    )
    measure = forms.ChoiceField(label="мера", choices=MEASURES, required=False)
    canned = canned_reason_field("measure")
    reason = forms.CharField(label="причина (её прочтёт участник)", max_length=500, required=False)
    note = forms.CharField(label="почему отклонено", max_length=500, required=False)
    take_over = forms.BooleanField(required=False)
    password = forms.CharField(label="ваш пароль", required=False, strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, request, reasons: list[SanctionReason], **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.offer_reasons(reasons)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "measure":
            if not data.get("measure"):
                self.add_error("measure", "Выберите меру.")
            self.check_measure(data)
        if action == "dismiss" and not (data.get("note") or "").strip():
            self.add_error("note", "Напишите, почему жалоба отклонена.")
        return data
