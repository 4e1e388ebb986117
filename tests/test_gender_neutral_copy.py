"""Every text a member reads is gender-neutral: members and partners are anyone, and the bot does
not guess. The check lists each masculine- or feminine-only form with its file and line."""

import re
from pathlib import Path

import pytest
from django.conf import settings

# The service's name is a fixed title, quoted wherever it appears.
BRAND = "«Ты не один»"
# A person as the subject (the member, the partner, the bot about itself) …
SUBJECT = r"(?:я|ты|он|она|собеседник|собеседница|человек|кто-то)"
# … and a past-tense verb within three words of it: masculine -л(ся) or feminine -ла(сь).
PAST = r"[а-яё]+(?:[аеёиуыя]л|[аеиуыя]ла|шёл|шла)(?:ся|сь)?"
FORMS = {
    "slash form (готов(а), хотел(а), он(а))": re.compile(r"[а-яё]+\((?:а|на|ла|ась|ая|ой|ый|я)\)"),
    "он / она about a person": re.compile(r"\b(?:он|она)\b"),
    "gendered short adjective": re.compile(
        r"\b(?:рад|рада|готов|готова|уверен|уверена|согласен|согласна|сам|сама|одинок|одинока"
        r"|благодарен|благодарна|обязан|обязана|свободен|свободна|занят|занята)\b"
    ),
    "вы / ты не один(а)": re.compile(r"\b(?:вы|ты)\s+не\s+(?:один|одна)\b"),
    # Polite «вы» takes a singular long adjective by gender: «вы первый», «вы такая».
    "вы with a gendered adjective": re.compile(r"\bвы\s+(?:[а-яё]+\s+)?[а-яё]+(?:ый|ий|ая|яя)\b"),
    "past tense of a person": re.compile(rf"\b{SUBJECT}\b(?:\s+[а-яё,]+){{0,3}}?\s+{PAST}\b"),
    "past tense opening a sentence": re.compile(rf"(?:^|[.!?]\s+){PAST}\b"),
}
# Words that look like a past-tense verb but are not one.
NOT_VERBS = {
    "сначала",
    "правила",
    "сила",
    "дела",
    "начала",
    "сигнал",
    "сигнала",
    "канал",
    "канала",
    "тела",
    "зала",
}


def gendered_forms(text: str) -> list[tuple[str, str]]:
    """(what, the words found) for each gendered form in a text; template tags are ignored."""
    text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", " ", text).replace(BRAND, "").lower()
    found = []
    for what, pattern in FORMS.items():
        for match in pattern.finditer(text):
            words = match.group(0)
            if what.startswith("past") and re.findall(r"[а-яё]+", words)[-1] in NOT_VERBS:
                continue
            found.append((what, words.strip()))
    return found


@pytest.mark.parametrize(
    "text",
    [
        "Пока я его не отправил.",
        "Отправил.",
        "Собеседник завершил разговор.",
        "Собеседник сейчас не готов продолжить.",
        "напишу, как только он ответит",
        "Если он(а) согласится, я соединю.",
        "Ты спрашивал(а) меня",
        "✅ Согласен(на) с правилами",
        "Рад, что вы в порядке",
        "Вы не один 💛",
        "А как ты сам к этому относишься?",
        "Я поспешила с советом",
        "Я уверена, что всё будет хорошо",
        "Вы снова первый в очереди",
    ],
)
def test_the_check_finds_gendered_forms(text):
    assert gendered_forms(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Добро пожаловать в «Ты не один»!",
        "Разговор завершён. Спасибо, что были рядом.",
        "Вы завершили разговор.",
        "Сообщение не передано: подождите минуту.",
        "Сумма должна быть от 1 до 1000 ⭐.",
        "Правила сервиса — /help.",
        "Ответ видите только вы, его можно поменять в /profile.",
        "Собеседник пока не может продолжить разговор.",
        "Мне радостно, что вы в порядке.",
        "Вы снова в начале очереди.",
        "Сообщение, на которое вы ответили командой /report, я приложу.",
        "Сначала давайте заполним анкету.",
        "Сигнал безопасности #{{ object.pk }}",
        "{% if by_me %}Вы завершили{% endif %}",
    ],
)
def test_the_check_leaves_neutral_wording_alone(text):
    assert gendered_forms(text) == []


def _member_texts():
    for directory in settings.TEMPLATES[0]["DIRS"]:
        root = Path(directory, "bot")
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in (".html", ".txt"):
                yield path.relative_to(root), path.read_text(encoding="utf-8")


def test_every_bot_template_is_gender_neutral():
    offending = [
        f"{path}:{number}: {what}: «{words}»"
        for path, text in _member_texts()
        for number, line in enumerate(text.splitlines(), 1)
        for what, words in gendered_forms(line)
    ]
    assert offending == [], "Gendered forms in templates/bot/:\n" + "\n".join(offending)
