"""Replace personal details in a message by placeholders before the coach keeps or sends it.

Entities: names (Russian in any case form, Latin), phones, e-mails, @handles, links, card and
document numbers, street addresses. Recall over precision: a lost word costs a hint a little
context, a kept name leaks a person.
"""

from __future__ import annotations

import functools
import re

PLACEHOLDERS = {
    "name": "[имя]",
    "phone": "[телефон]",
    "email": "[почта]",
    "handle": "[ник]",
    "link": "[ссылка]",
    "card": "[карта]",
    "document": "[документ]",
    "address": "[адрес]",
}
PLACEHOLDER_RE = re.compile(r"\[(?:" + "|".join(p[1:-1] for p in PLACEHOLDERS.values()) + r")\]")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zа-я]{2,}", re.IGNORECASE)
_LINK = re.compile(
    r"(?:https?://|www\.|t\.me/|tg://)\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:ru|com|org|net|me|io|рф|su|info|ua|by|kz|ly|gg|co|app|dev)\b(?:/\S*)?",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,32}\b")
# 13–19 digits in groups of 4 (or solid): bank cards.
_CARD = re.compile(r"(?<!\d)(?:\d{4}[ -]?){3}\d{1,7}(?!\d)")
_DOC_WORDS = (
    r"(?:паспорт\w*|снилс\w*|инн|полис\w*|водительск\w*|прав[аео]\w*|удостоверени\w*|"
    r"свидетельств\w*|серия|серии|номер|№|дело|договор\w*|загран\w*)"
)
# A document number next to a word naming it, or the passport shape "45 06 123456".
_DOCUMENT = re.compile(
    _DOC_WORDS + r"[^\d\n]{0,25}((?:[A-ZА-Я]{0,2}[\s-]?)?\d[\d\s/-]{2,18}\d)"
    r"|(?<!\d)\d{2}\s?\d{2}\s\d{6}(?!\d)"
    r"|(?<!\d)\d{3}-\d{3}-\d{3}[\s-]\d{2}(?!\d)",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+?[78]|\+\d{1,3})?[\s.-]?\(?\d{3,4}\)?[\s.-]?\d{2,3}[\s.-]?\d{2}[\s.-]?\d{2}(?!\d)"
    r"|(?<!\d)\d{3}[\s.-]\d{2}[\s.-]\d{2}(?!\d)"
)
_STREET_WORDS = (
    r"(?:ул\.|улиц[аеуыой]\w*|просп\.|проспект\w*|пр-т|пр\.|пер\.|переул\w*|бульвар\w*|б-р|"
    r"шоссе|наб\.|набережн\w*|площад\w*|пл\.|проезд\w*|мкр\.?|микрорайон\w*|тупик\w*|аллея|аллее)"
)
_ADDRESS = re.compile(
    r"(?:" + _STREET_WORDS + r"\s+(?:(?-i:[А-ЯЁA-Z0-9])[\w.-]*\s*){1,3}"
    r"(?:,?\s*(?:д\.|дом)?\s*\d+[а-яa-z]?(?:/\d+)?)?"
    r"(?:,?\s*(?:к\.|корп\.?|корпус|стр\.?)\s*\d+)?(?:,?\s*(?:кв\.?|квартир\w*)\s*\d+)?)"
    r"|(?:(?-i:[А-ЯЁ])[\w-]+\s+" + _STREET_WORDS + r"(?:,?\s*(?:д\.|дом)?\s*\d+[а-яa-z]?(?:/\d+)?)?"
    r"(?:,?\s*(?:кв\.?|квартир\w*)\s*\d+)?)"
    r"|(?:\b(?:д\.|дом)\s*\d+[а-яa-z]?(?:/\d+)?,?\s*(?:кв\.?|квартир\w*)\s*\d+)",
    re.IGNORECASE,
)
_LATIN_NAMES = frozenset(
    [
        "alex",
        "alexander",
        "alexey",
        "alexei",
        "alena",
        "alina",
        "alice",
        "alla",
        "anastasia",
        "andrew",
        "andrey",
        "andrei",
        "anna",
        "anton",
        "artem",
        "artyom",
        "boris",
        "daniel",
        "daria",
        "dasha",
        "david",
        "denis",
        "dima",
        "dmitry",
        "dmitri",
        "egor",
        "elena",
        "ekaterina",
        "emma",
        "eugene",
        "evgeny",
        "george",
        "gleb",
        "grigory",
        "helen",
        "igor",
        "ilya",
        "irina",
        "ivan",
        "jack",
        "james",
        "jane",
        "john",
        "julia",
        "katya",
        "kate",
        "katerina",
        "kirill",
        "ksenia",
        "lena",
        "leo",
        "lisa",
        "liza",
        "lyuba",
        "maria",
        "masha",
        "max",
        "maxim",
        "michael",
        "mike",
        "mikhail",
        "misha",
        "natalia",
        "natasha",
        "nastya",
        "nick",
        "nikita",
        "nikolay",
        "oleg",
        "olga",
        "pasha",
        "pavel",
        "peter",
        "petr",
        "polina",
        "roman",
        "ruslan",
        "sasha",
        "sergey",
        "sergei",
        "sofia",
        "sonya",
        "stas",
        "stepan",
        "svetlana",
        "sveta",
        "tanya",
        "tatiana",
        "timur",
        "vadim",
        "valentina",
        "vera",
        "victor",
        "viktor",
        "vika",
        "vlad",
        "vladimir",
        "yana",
        "yulia",
        "yuri",
        "zhenya",
        "kristina",
        "marina",
        "oksana",
    ]
)
_WORD = re.compile(r"[А-Яа-яЁёA-Za-z][А-Яа-яЁёA-Za-z-]*")
_NAME_TAGS = ("Name", "Patr", "Surn")
# Capitalized words pymorphy knows as names but that are mostly ordinary words at sentence start.
_NOT_NAMES = frozenset(
    [
        "привет",
        "спасибо",
        "пока",
        "мир",
        "роман",
        "слава",
        "вера",
        "надежда",
        "любовь",
        "лев",
        "марс",
        "роза",
        "лиля",
        "оля",
    ]
) - frozenset(["роман", "слава", "вера", "надежда", "любовь", "лев", "роза", "лиля", "оля"])


@functools.cache
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@functools.lru_cache(maxsize=20000)
def _name_score(word: str) -> float:
    """How likely `word` is a first name, patronymic or surname (sum of pymorphy's scores)."""
    return sum(p.score for p in _morph().parse(word) if any(tag in p.tag for tag in _NAME_TAGS))


def _is_name(word: str, *, sentence_start: bool) -> bool:
    lower = word.lower()
    if lower in _LATIN_NAMES:
        return True
    if not re.match(r"[А-Яа-яЁё]", word) or lower in _NOT_NAMES or len(word) < 2:
        return False
    score = _name_score(lower)
    if word[0].isupper():
        # "Вера"/"Надежда" mid-sentence are names far more often than at its start.
        return score >= 0.5 if sentence_start else score > 0
    return score >= 0.6


def _names(text: str) -> str:
    out, last = [], 0
    for match in _WORD.finditer(text):
        word = match.group()
        if match.start() and text[match.start() - 1] == "[":
            continue  # a placeholder put in by an earlier pass
        before = text[: match.start()].rstrip()
        sentence_start = not before or before[-1] in '.!?…\n«"—-:('
        parts = word.split("-")
        if all(_is_name(part, sentence_start=sentence_start) for part in parts if part):
            out.append(text[last : match.start()])
            out.append(PLACEHOLDERS["name"])
            last = match.end()
    out.append(text[last:])
    return "".join(out)


def _sub(pattern: re.Pattern, kind: str, text: str) -> str:
    return pattern.sub(PLACEHOLDERS[kind], text)


def anonymize(text: str) -> str:
    """The text with every personal detail the coach could recognise replaced by a placeholder."""
    if not text:
        return ""
    text = _sub(_EMAIL, "email", text)
    text = _sub(_LINK, "link", text)
    text = _sub(_HANDLE, "handle", text)
    text = _sub(_ADDRESS, "address", text)
    text = _DOCUMENT.sub(_document, text)
    text = _sub(_CARD, "card", text)
    text = _sub(_PHONE, "phone", text)
    return _names(text)


def _document(match: re.Match) -> str:
    if match.group(1):
        whole, number = match.group(0), match.group(1)
        return whole[: whole.rfind(number)] + PLACEHOLDERS["document"]
    return PLACEHOLDERS["document"]
