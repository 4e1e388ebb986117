"""Replace personal details in a message by placeholders before the coach keeps or sends it.

Entities: names (Russian in any case form, lower case, diminutives and slang forms, Latin),
phones (RU, BY, UA, KZ, UZ, AM, GE in their usual spellings, with or without the country
code, local short forms), e-mails, @handles, links, card and document numbers, street
addresses. Recall over precision: a lost word costs a hint a little context, a kept name
leaks a person. Words that are names and ordinary words alike (вера, роман, слава, роза…)
are replaced only when the context says they are a person.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from moderation.detector.text import WORD_CACHE, morph

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
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:ru|com|org|net|me|io|рф|su|info|ua|by|kz|uz|am|ge|ly|gg|co|app|dev)\b(?:/\S*)?",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,32}\b")
# 13–19 digits in groups of 4 (or solid): bank cards.
_CARD = re.compile(r"(?<!\d)(?:\d{4}[ -]?){3}\d{1,7}(?!\d)")
_DOC_WORDS = (
    r"(?:паспорт\w*|снилс\w*|инн|иин|бин|пинфл|жшшир|полис\w*|водительск\w*|прав[аео]\w*|удостоверени\w*|"
    r"свидетельств\w*|серия|серии|номер|№|дело|договор\w*|загран\w*)"
)
# A document number next to a word naming it, or the passport shape "45 06 123456".
_DOCUMENT = re.compile(
    r"(" + _DOC_WORDS + r")[^\d\n]{0,25}((?:[A-ZА-Я]{0,2}[\s-]?)?\d[\d\s/-]{2,18}\d)"
    r"|(?<!\d)\d{2}\s?\d{2}\s\d{6}(?!\d)"
    r"|(?<!\d)\d{3}-\d{3}-\d{3}[\s-]\d{2}(?!\d)",
    re.IGNORECASE,
)
_GENERIC_DOC_WORDS = frozenset(["номер", "№", "серия", "серии"])
_STREET_WORDS = (
    r"(?:ул\.|ул(?=\s)|улиц[аеуыой]\w*|просп\.|проспект\w*|пр-т|пр-кт|пр\.|пер\.|переул\w*|бульвар\w*|б-р|"
    r"шоссе|наб\.|набережн\w*|площад\w*|пл\.|проезд\w*|мкр\.?|микрорайон\w*|тупик\w*|аллея|аллее)"
)
_ADDRESS = re.compile(
    r"(?:" + _STREET_WORDS + r"\s+(?:(?-i:[А-ЯЁA-Z0-9])[\w.-]*\s*){1,3}"
    r"(?:,?\s*(?:д\.|дом)?\s*\d+[а-яa-z]?(?:/\d+)?)?"
    r"(?:,?\s*(?:к\.|корп\.?|корпус|стр\.?)\s*\d+)?(?:,?\s*(?:кв\.?|квартир\w*)\s*\d+)?)"
    r"|(?:(?-i:[А-ЯЁ])[\w-]+\s+" + _STREET_WORDS + r"(?:,?\s*(?:д\.|дом)?\s*\d+[а-яa-z]?(?:/\d+)?)?"
    r"(?:,?\s*(?:кв\.?|квартир\w*)\s*\d+)?)"
    # Typed in lower case: the street's name is only an address with a house number after it.
    r"|(?:" + _STREET_WORDS + r"\s+(?:[а-яёa-z][\w.-]*\s+){1,3}(?:д\.?\s*|дом\s*)?\d+[а-яa-z]?(?:/\d+)?\b"
    r"(?:,?\s*(?:к\.?|корп\.?|корпус|стр\.?)\s*\d+)?(?:,?\s*(?:кв\.?|квартир\w*)\s*\d+)?)"
    r"|(?:\b(?:д\.?|дом)\s*\d+[а-яa-z]?(?:/\d+)?,?\s*(?:кв\.?|квартир\w*)\s*\d+)",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------------------------
# Phones: a run of digit groups joined by spaces, dashes, dots or brackets, then checked against
# the numbering plans of the countries the bot serves (the run's longest valid stretch wins).
# ---------------------------------------------------------------------------------------------

_PHONE_RUN = re.compile(
    r"(?<![\w+\-./:,])(?:\+\s?)?\(?\d+\)?(?:(?:[ \t]{1,2}|[ \t]?[-.][ \t]?)?\(?\d+\)?)*(?![\w]|[.,/:]\d|-\d)"
)
_GROUP = re.compile(r"\d+")
_SEPARATOR = re.compile(r"^[ \t]{0,2}(?:[-.][ \t]?)?$")
# After the trunk or country code: national numbers of 9 digits (BY 375, UA 380, UZ 998, GE 995),
# 8 (AM 374) and 10 (RU/KZ 7).
_COUNTRY_DIGITS = {"375": 9, "380": 9, "998": 9, "995": 9, "374": 8}
_MONEY_AFTER = re.compile(
    r"^\s*(?:р\b|р\.|руб|₽|\$|€|тыс|млн|млрд|тенге|тг\b|₸|сум|драм|лари|₾|грн|гривен|гривн|"
    r"бел|byn|usd|eur|долл|евро|рубл|шаг|км|кг|м\b|человек|раз)",
    re.IGNORECASE,
)


def _is_date(groups: list[str], separators: list[str]) -> bool:
    if len(groups) == 3 and all(s.strip() in "-./" for s in separators):
        a, b, c = groups
        if len(a) == 4 and a[:2] in ("19", "20") and len(b) <= 2 and len(c) <= 2:
            return 1 <= int(b) <= 12 and 1 <= int(c) <= 31
        if len(a) <= 2 and len(b) <= 2 and len(c) in (2, 4) and all(s.strip() == "." for s in separators):
            return 1 <= int(a) <= 31 and 1 <= int(b) <= 12
    return False


def _is_thousands(groups: list[str]) -> bool:
    return (
        len(groups) >= 2
        and len(groups[0]) <= 3
        and groups[0][0] != "0"
        and all(len(g) == 3 for g in groups[1:])
    )


def _valid_phone(groups: list[str], separators: list[str], plus: bool, after: str) -> bool:
    digits = "".join(groups)
    n = len(digits)
    if any(not _SEPARATOR.match(s.replace("(", "").replace(")", "")) for s in separators):
        return False
    if plus:
        if digits[0] == "7":
            return n == 11
        for code, national in _COUNTRY_DIGITS.items():
            if digits.startswith(code):
                return n == len(code) + national
        if digits.startswith("38") and n == 12:  # "+38 (067) …": UA with the old short code
            return True
        return 10 <= n <= 15
    if _is_date(groups, separators):
        return False
    if _is_thousands(groups) and (_MONEY_AFTER.match(after) or digits.endswith("00")):
        return False
    if len(groups) == 1 and n < 9:
        return False
    if n == 11 and digits[0] in "78":
        return True  # RU/KZ with 7 or the trunk 8; BY/UA "8 0xx …"
    for code, national in _COUNTRY_DIGITS.items():
        if digits.startswith(code) and n == len(code) + national:
            return True
    if n == 12 and digits.startswith("380"):
        return True
    if 13 <= n <= 15 and digits.startswith("810"):
        return True  # the old international prefix: 8 10 998 …
    if n == 10:
        return digits[0] in "0345789"  # RU/KZ without the trunk, UA/BY with the leading 0
    if n == 9:
        return not _is_thousands(groups) or digits[0] in "59"  # UZ, GE, AM with 0, BY
    # Local short forms (5–8 digits): at least three groups, the last two of two digits each, one kind
    # of separator ("10.30-11.00" is a time range).
    if 5 <= n <= 8 and len(groups) >= 3 and len(groups[-1]) == 2 and len(groups[-2]) == 2:
        return len(groups[0]) <= 4 and len({s.strip(" \t()") for s in separators}) == 1
    return False


def _phones(text: str) -> str:
    out, last = [], 0
    for run in _PHONE_RUN.finditer(text):
        spans = [(m.start() + run.start(), m.end() + run.start()) for m in _GROUP.finditer(run.group())]
        if sum(b - a for a, b in spans) < 5:
            continue
        i = 0
        while i < len(spans):
            for j in range(len(spans), i, -1):
                groups = [text[a:b] for a, b in spans[i:j]]
                separators = [text[spans[k][1] : spans[k + 1][0]] for k in range(i, j - 1)]
                start, end = spans[i][0], spans[j - 1][1]
                plus = i == 0 and run.group().lstrip("(").startswith("+")
                if sum(map(len, groups)) >= 5 and _valid_phone(
                    groups, separators, plus, text[end : end + 12]
                ):
                    if plus:
                        start = run.start()
                    elif start > run.start() and text[start - 1] == "(":
                        start -= 1
                    if end < run.end() and text[end] == ")":
                        end += 1
                    out.append(text[last:start])
                    out.append(PLACEHOLDERS["phone"])
                    last = end
                    i = j
                    break
            else:
                i += 1
    out.append(text[last:])
    return "".join(out)


def _looks_like_phone(number: str) -> bool:
    groups = _GROUP.findall(number)
    if not groups or "/" in number:
        return False
    separators = re.split(r"\d+", number.strip())[1:-1]
    return _valid_phone(groups, separators, number.lstrip().startswith("+"), "")


def _document(match: re.Match) -> str:
    whole = match.group(0)
    if match.group(2):
        word, number = match.group(1), match.group(2)
        if word.lower() in _GENERIC_DOC_WORDS:
            # "мой номер 8 916 …" is a phone, left to the phone pass.
            plus = "+" if whole[: whole.rfind(number)].rstrip().endswith("+") else ""
            if _looks_like_phone(plus + number):
                return whole
        return whole[: whole.rfind(number)] + PLACEHOLDERS["document"]
    return PLACEHOLDERS["document"]


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

# Nominative forms of first names, short forms, diminutives and slang forms. Declined below; a
# form the dictionary knows as an ordinary word is left to the dictionary and the context.
# fmt: off
_NAME_BASES = [
    "саша", "сашка", "сашенька", "сашок", "сашуля", "сашуня", "саня", "санёк", "санька", "санечка", "шура",
    "шурик", "шурочка", "алексей", "лёша", "леша", "лёха", "леха", "лёшка", "лешка", "алёша", "лёшенька",
    "лёшик", "андрей", "андрюша", "андрюха", "андрюшка", "дрюня", "антон", "тоша", "тоха", "антоха",
    "антоша", "тошка", "артём", "артем", "тёма", "тёмка", "артёмка", "тёмочка", "тёмыч", "борис", "боря",
    "борька", "вадим", "вадик", "вадимка", "валентин", "валентина", "валюша", "валечка", "валька",
    "валера", "валерка", "лера", "лерочка", "лерка", "василий", "вася", "васька", "васёк", "васенька",
    "виктор", "витя", "витёк", "витька", "вика", "викуся", "вичка", "викуля", "виктория", "виталий",
    "виталик", "виталя", "владимир", "вова", "вовка", "вовочка", "вовчик", "вован", "володя", "вовик",
    "владислав", "влад", "владик", "владос", "вячеслав", "славик", "галина", "галя", "галюня", "геннадий",
    "генка", "георгий", "гоша", "жора", "гошан", "гошка", "григорий", "гриша", "гришка", "дарья", "даша",
    "дашка", "дашуля", "дашенька", "дашуня", "денис", "денчик", "дэн", "дениска", "дмитрий", "дима",
    "димка", "димон", "димас", "димочка", "митя", "евгений", "евгения", "женя", "женька", "женечка",
    "жека", "егор", "егорка", "егорушка", "екатерина", "катя", "катюша", "катюха", "катька", "катенька",
    "катюшка", "елена", "лена", "ленка", "леночка", "ленуся", "лёля", "елизавета", "лиза", "лизка",
    "лизонька", "лизочка", "иван", "ваня", "ванька", "ванечка", "ванюша", "ванёк", "игорь", "игорёк",
    "илья", "илюша", "ильюха", "илюха", "ирина", "ира", "ирка", "иришка", "иринка", "ирочка", "кирилл",
    "кирюша", "кирюха", "киря", "константин", "костя", "костян", "костик", "ксения", "ксюша", "ксюха",
    "ксюшенька", "любаша", "любочка", "людмила", "люда", "людка", "люся", "максим", "максик", "максимка",
    "маргарита", "рита", "ритка", "риточка", "маринка", "мариша", "мариночка", "мария", "маша", "машка",
    "машенька", "машуля", "маня", "маруся", "муся", "михаил", "миша", "мишаня", "мишенька", "надя",
    "надюша", "наденька", "надька", "наталья", "наталия", "наташа", "наташка", "натаха", "натуся",
    "никита", "никитос", "никитка", "николай", "коля", "колька", "колян", "колюня", "коленька", "ольга",
    "оля", "олька", "олечка", "оленька", "олюшка", "павел", "паша", "пашка", "пашенька", "павлик", "пётр",
    "петя", "петька", "петенька", "полина", "полинка", "полечка", "рома", "ромка", "ромочка", "ромчик",
    "светлана", "светка", "светик", "светочка", "светуля", "сергей", "серёжа", "сережа", "серёга",
    "серега", "серёженька", "серж", "софья", "софия", "сонька", "сонечка", "софа", "станислав", "стас",
    "стасик", "степан", "стёпа", "стёпка", "татьяна", "таня", "танька", "танюша", "танечка", "танюшка",
    "татуся", "тимофей", "тима", "тимка", "тимоха", "фёдор", "федя", "федька", "юлия", "юля", "юлька",
    "юлечка", "юленька", "юляша", "юрий", "юра", "юрка", "юрик", "юрочка", "ярослав", "ярик", "анастасия",
    "настя", "настька", "настюха", "настюша", "настенька", "анна", "аня", "анька", "анечка", "анюта",
    "нюра", "нюша", "алина", "алинка", "кристина", "кристинка", "кристя", "вероника", "вероничка",
    "ангелина", "геля", "ангелинка", "алёна", "алёнка", "алёнушка", "эдуард", "эдик", "аркадий", "аркаша",
    "анатолий", "толя", "толик", "толян", "леонид", "лёня", "лёнька", "лёва", "лёвушка", "семён", "сеня",
    "сёма", "яков", "яша", "ульяна", "уля", "ульянка", "зинаида", "зина", "тамара", "верочка", "верунька",
    "олеся", "леся", "карина", "каринка", "диана", "динка", "милана", "ростислав", "ростик", "тимур",
    "тимурчик", "арсений", "арсюша", "глеб", "глебушка", "матвей", "мотя", "матвейка", "захар", "захарка",
    "богдан", "богданчик", "даня", "данька", "данила", "даниил", "марк", "маркуша", "мирон", "кира",
    "арина", "аришка", "эльвира", "эля", "регина", "лиана", "оксана", "ксана", "оксанка", "тарас", "ерлан",
    "ержан", "ерболат", "нурлан", "асхат", "дархан", "айдос", "бауыржан", "жандос", "алмас", "айжан",
    "жанар", "гульжан", "жулдыз", "айгуль", "сауле", "назира", "мадина", "аружан", "томирис", "айгерим",
    "асель", "жасур", "улугбек", "бекзод", "шерзод", "достон", "отабек", "жахонгир", "санжар", "азиз",
    "фарход", "шохрух", "нодира", "гулнора", "шахноза", "мохира", "нилуфар", "севара", "феруза", "умида",
    "зарина", "малика", "дильноза", "нарине", "гаяне", "астхик", "ануш", "лусине", "ашот", "тигран",
    "арам", "карен", "арсен", "леван", "кетеван", "натия", "мзия", "манана", "тамуна", "лаша", "гиви",
    "нодар", "тенгиз", "шота", "бесик", "маринэ", "гиорги", "ираклий", "зураб", "вахтанг", "нино",
]
# fmt: on
# Forms that are ordinary words at least as often as names: a person only when the context says so
# (capitalised mid-sentence, a patronymic next to it, "подруга вера", "вера сказала", "передай вере"…).
# fmt: off
_AMBIGUOUS = frozenset([
    "вера", "веры", "вере", "веру", "верой", "надежда", "надежды", "надежде", "надежду", "надеждой",
    "любовь", "любви", "любовью", "люба", "любой", "любу", "роман", "романа", "роману", "романом",
    "романе", "лев", "льва", "льву", "львом", "льве", "слава", "славы", "славе", "славу", "славой",
    "славка", "славке", "славку", "роза", "розы", "розе", "розу", "розой", "марина", "марины", "марине",
    "марину", "мариной", "майя", "майи", "майе", "майю", "мая", "марта", "марте", "августа", "августе",
    "август", "ник", "ника", "нику", "ником", "нике", "ян", "яна", "мила", "милу", "ада", "аду", "аде",
    "мира", "миру", "мире", "мир", "тома", "тому", "томе", "том", "гена", "дана", "марка", "марку",
    "марке", "маркой", "марк", "тема", "теме", "тему", "темой", "лада", "ладу", "иву", "ива", "иве", "юла",
    "юлу", "галка", "галку", "галочка", "галочку", "мишка", "мишки", "мишке", "мишку", "мишкой", "майка",
    "майку", "майке", "лилия", "лилии", "света", "свету", "свете", "макс", "кости", "сени", "тони", "лука",
    "ной",
])
# fmt: on
# Names only when written with a capital letter mid-sentence: "жене" is nearly always "to the wife".
_CAPITAL_ONLY = frozenset(["жена", "жены", "жене", "жену", "женой", "женою"])
# Never names, whatever the dictionary says; the frequent words also spare a dictionary look-up.
# fmt: off
_NEVER = frozenset([
    "ли", "привет", "спасибо", "пока", "бог", "бога", "богу", "богом", "боже", "господи", "мама", "папа",
    "инста", "вайбер", "велком", "лайф", "хуманс", "узкард", "хумо", "каспи", "приват", "телега", "тг",
    "я", "ты", "он", "она", "оно", "мы", "вы", "они", "меня", "мне", "мной", "тебя", "тебе", "тобой",
    "его", "ему", "им", "ним", "него", "нему", "её", "ее", "ей", "ней", "нас", "нам", "вас", "вам", "их",
    "ими", "себя", "себе", "собой", "мой", "моя", "моё", "мое", "мои", "моего", "моей", "моих", "мою",
    "твой", "твоя", "твоё", "твои", "наш", "наша", "ваш", "ваша", "свой", "своя", "своё", "свои", "не",
    "ни", "и", "а", "но", "или", "да", "нет", "же", "бы", "ли", "то", "что", "чтобы", "чтоб", "как", "так",
    "там", "тут", "здесь", "где", "когда", "если", "потому", "почему", "зачем", "уже", "ещё", "еще", "всё",
    "все", "всех", "всем", "весь", "вся", "очень", "просто", "даже", "только", "вот", "ну", "ведь",
    "вообще", "опять", "снова", "тоже", "также", "потом", "сейчас", "теперь", "сегодня", "вчера", "завтра",
    "всегда", "никогда", "иногда", "часто", "был", "была", "было", "были", "быть", "будет", "буду", "есть",
    "это", "этот", "эта", "эти", "этого", "этой", "того", "той", "тот", "та", "те", "в", "во", "на", "с",
    "со", "у", "к", "ко", "по", "за", "из", "от", "до", "о", "об", "про", "для", "без", "при", "над",
    "под", "через", "после", "перед", "между", "около", "может", "можно", "надо", "нужно", "хочу",
    "хочется", "могу", "знаю", "думаю", "кажется", "больше", "меньше", "много", "мало", "совсем", "день",
    "дня", "дней", "ночь", "ночи", "утро", "утра", "вечер", "вечера", "год", "года", "лет", "раз", "раза",
    "время", "жизнь", "работа", "работы", "работе", "дом", "дома", "домой", "муж", "мужа", "жена",
    "ребёнок", "ребенок", "дети", "детей", "сын", "дочь", "брат", "сестра", "подруга", "друг", "парень",
    "человек", "люди", "себя", "какой", "какая", "какие", "такой", "такая", "такие", "который", "которая",
    "которые", "кто", "кого", "кому", "чем", "чего", "один", "одна", "одно", "два", "две", "три", "хорошо",
    "плохо", "тяжело", "легко", "страшно", "больно", "грустно", "сил",
])
# fmt: on
# fmt: off
_LATIN_NAMES = frozenset([
    "alex", "alexander", "alexandr", "alexey", "alexei", "aleksey", "alena", "alyona", "alina", "alice",
    "alla", "anastasia", "andrew", "andrey", "andrei", "anna", "anya", "anton", "artem", "artyom", "arsen",
    "arman", "aigerim", "aizhan", "asel", "azamat", "aziz", "boris", "bogdan", "daniel", "daniyar",
    "daria", "darya", "dasha", "david", "davit", "denis", "dima", "dimon", "dmitry", "dmitri", "dmitriy",
    "egor", "elena", "ekaterina", "elvira", "emma", "eugene", "evgeny", "evgeniy", "farhod", "farkhod",
    "george", "giorgi", "gleb", "grisha", "grigory", "gulnara", "helen", "igor", "ilya", "irakli", "irina",
    "ivan", "jack", "james", "jane", "john", "julia", "kamila", "karina", "katya", "katia", "kate",
    "katerina", "kirill", "kostya", "ksenia", "ksusha", "ksyusha", "lena", "lera", "leo", "levan", "lisa",
    "liza", "lyuba", "lyokha", "lyosha", "lesha", "madina", "maria", "marina", "mariam", "masha", "max",
    "maxim", "michael", "mike", "mikhail", "misha", "nadya", "natalia", "natasha", "nastya", "nick",
    "nika", "nikita", "nikolay", "nino", "nodira", "nurlan", "oleg", "olga", "olya", "oksana", "pasha",
    "pavel", "peter", "petr", "polina", "roma", "roman", "ruslan", "sanzhar", "sasha", "sanya", "sergey",
    "sergei", "serezha", "seryozha", "seryoga", "shohruh", "sofia", "sofiya", "sonya", "stas", "stepan",
    "svetlana", "sveta", "tamara", "tanya", "tatiana", "tatyana", "tigran", "timur", "tolya", "vadim",
    "valentina", "valera", "vanya", "vasya", "vera", "victor", "viktor", "vika", "vitya", "vlad",
    "vladimir", "vova", "volodya", "yana", "yulia", "yulya", "yuri", "yura", "zhenya", "zarina",
    "kristina",
])
# fmt: on
# Latin words that are names only when written with a capital letter.
_LATIN_CAPITAL_ONLY = frozenset(["max", "nick", "mike", "roman", "vera", "leo", "may", "mark", "lev", "nika"])
# fmt: off
_LATIN_NOT_NAMES = frozenset([
    "ok", "okay", "sorry", "hi", "hello", "im", "i", "me", "my", "you", "love", "live", "laugh",
    "deadline", "lol", "omg", "wtf", "bro", "thanks", "thank", "please", "burnout", "mood", "self", "care",
    "online", "offline", "zoom", "google", "netflix", "whatsapp", "telegram", "instagram", "tiktok",
    "youtube", "iphone", "android", "headspace", "ps", "the", "and", "or", "from", "to", "in", "on", "at",
    "of", "is", "be", "so", "no", "yes",
])
# fmt: on
# Endings no first name has (verbs, adjectives, abstract nouns): such lower-case words skip the dictionary.
_NOT_NAME_ENDING = re.compile(
    r"(?:ть|тся|ться|ешь|ишь|лась|лись|лся|ого|ыми|ость|"
    r"ный|ная|ное|ные|ных|ным|ную|ает|яет|ует|ают|яют|уют)$"
)
_WORD = re.compile(r"[А-Яа-яЁёA-Za-z][А-Яа-яЁёA-Za-z'-]*")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_SENTENCE_END = '.!?…\n«"—:('
# Nouns for people a name stands next to: "подруга вера", "роман мой парень", "роза апа" (lemmas).
# fmt: off
_RELATIONS = frozenset([
    "мама", "папа", "муж", "жена", "сын", "сынок", "дочь", "дочка", "доча", "дочурка", "брат", "братик",
    "братишка", "сестра", "сестрёнка", "сестричка", "бабушка", "бабуля", "дедушка", "дед", "тётя", "дядя",
    "подруга", "подружка", "друг", "дружище", "парень", "девушка", "коллега", "начальник", "начальница",
    "сосед", "соседка", "одноклассник", "одноклассница", "однокурсник", "однокурсница", "учитель",
    "учительница", "классная", "классный", "врач", "психолог", "психотерапевт", "бывший", "бывшая", "внук",
    "внучка", "племянник", "племянница", "кум", "кума", "свекровь", "свёкор", "тёща", "тесть", "зять",
    "невестка", "директор", "директриса", "крёстная", "крёстный", "опа", "апа", "ака", "ага", "джан",
    "батоно", "бро", "братан", "знакомый", "знакомая", "жених", "невеста", "любимый", "любимая",
])
# fmt: on
# fmt: off
_FROM_PLACE = frozenset([
    "работы", "учёбы", "универа", "университета", "института", "колледжа", "школы", "садика", "сада",
    "группы", "класса", "подъезда", "двора", "офиса", "курсов", "секции", "детства", "тренировки",
    "соседнего", "параллели",
])
# fmt: on
_POSSESSIVE = frozenset(
    ["мой", "моя", "моё", "мое", "мои", "наш", "наша", "наше", "наши", "её", "ее", "его", "их"]
)
# Verbs whose subject is a person ("вера сказала"), and those whose object or addressee is ("передай вере").
# fmt: off
_SUBJECT_VERBS = frozenset([
    "сказать", "говорить", "написать", "писать", "звонить", "позвонить", "ответить", "отвечать",
    "спросить", "спрашивать", "обещать", "пообещать", "кричать", "орать", "плакать", "обидеться",
    "обижаться", "поддержать", "приехать", "уехать", "звать", "позвать", "предложить", "попросить",
    "просить", "посоветовать", "советовать", "поздравить", "обнять", "рассказать", "рассказывать",
    "объяснить", "ругаться", "поругаться", "скучать", "переживать", "молчать", "игнорить", "заметить",
    "пригласить", "переписываться", "созвониться", "общаться", "дружить", "расстаться", "развестись",
    "поссориться", "подраться", "бухать", "напиться", "подарить", "принести", "приносить",
])
# fmt: on
# fmt: off
_OBJECT_VERBS = frozenset([
    "передать", "сказать", "написать", "писать", "позвонить", "звонить", "ответить", "спросить",
    "попросить", "увидеть", "видеть", "встретить", "обнять", "отдать", "позвать", "пригласить",
    "поздравить", "помочь", "помогать", "рассказать", "объяснить", "пожаловаться",
])
# fmt: on
_NAME_PREPOSITIONS = frozenset(
    ["у", "с", "со", "к", "ко", "от", "для", "про", "без", "о", "об", "обо", "при"]
)
_VOCATIVE_NEXT = frozenset(
    ["ты", "вы", "привет", "спасибо", "прости", "держись", "слушай", "пожалуйста", "помоги"]
)
_VOCATIVE_PREV = frozenset(["привет", "спасибо", "пока", "прости", "держись", "здравствуй", "здравствуйте"])
_INTRODUCE = frozenset(["зовут", "звали", "это", "я"])
_POSSESSIONS = re.compile(
    r"^(?:день|днюх|юбиле|свадьб|похорон|муж|жен|дет|ребён|ребен|сын|доч|температур|операци)"
)
_SKIP_BETWEEN = frozenset(
    ["не", "ни", "тоже", "опять", "снова", "вчера", "сегодня", "уже", "всё", "все", "так", "и"]
)

_CASE_FEM = ("а", "ы", "и", "е", "у", "ю", "ой", "ей", "ою", "ею", "я")
_CASE_MASC = ("", "а", "у", "ом", "ем", "е", "я", "ю", "ы", "и")
# Diminutive suffixes (before the case ending) and what the stem takes to make the name it comes from.
_DIMINUTIVES = (
    (("юх", "ух"), _CASE_FEM, ("я", "а", "")),
    (("х",), _CASE_FEM, ("ша", "н", "я", "а")),
    (("ян", "ан", "он"), _CASE_MASC, ("я", "а", "")),
    (("ос", "ас"), _CASE_MASC, ("", "а", "я")),
    (("ёк", "ек", "ок"), ("",), ("я", "а", "")),
    (("ьк",), _CASE_MASC + _CASE_FEM, ("я", "а")),
    (("к", "ечк", "очк", "еньк", "оньк", "ушк", "юшк"), _CASE_FEM, ("а", "я", "")),
    (("ик", "чик"), _CASE_MASC, ("", "а", "я")),
    (
        ("ул", "юл", "ус", "юс", "уш", "юш", "ун", "юн", "ан", "ян"),
        ("я", "и", "е", "ю", "ей", "ею"),
        ("а", "я", ""),
    ),
)
# Latin to Cyrillic, longest spellings first.
# fmt: off
_TRANSLIT = (
    ("shch", "щ"), ("sch", "щ"), ("yo", "ё"), ("yu", "ю"), ("ya", "я"), ("ye", "е"), ("zh", "ж"),
    ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("iy", "ий"), ("a", "а"), ("b", "б"), ("c", "к"),
    ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"), ("h", "х"), ("i", "и"), ("j", "й"), ("k", "к"),
    ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"),
    ("t", "т"), ("u", "у"), ("v", "в"), ("w", "в"), ("x", "кс"), ("y", "ы"), ("z", "з"), ("'", "ь"),
)
# fmt: on


class _Info(NamedTuple):
    name: float  # probability mass of the dictionary's first-name readings
    surn: float
    patr: float
    geox: float
    other: float  # … of every other reading
    known: bool
    verb: bool  # the likeliest reading is a verb
    subject_verb: bool  # … and one whose subject is a person
    object_verb: bool  # … or whose object or addressee is
    relation: bool  # a noun for a person: подруга, парень, коллега
    function_word: bool  # a preposition, conjunction, particle, pronoun or interjection
    nominative_name: bool
    nominative: bool  # the likeliest reading is in the nominative
    plain: bool  # some reading is not an animate noun: an ordinary word ("толик" of толика, "полка")


_FUNCTION_POS = frozenset(["PREP", "CONJ", "PRCL", "NPRO", "INTJ", "PRED", "ADVB", "NUMR", "COMP"])


@functools.lru_cache(maxsize=WORD_CACHE)
def _info(word: str) -> _Info:
    """What the dictionary says about a lower-case word."""
    parses = morph().parse(word)  # the detector's one analyzer: a second one would be 20 MiB more
    name = surn = patr = geox = other = 0.0
    nominative_name = plain = False
    for p in parses:
        tag = p.tag
        if p.score >= 0.1 and (tag.POS != "NOUN" or "inan" in tag):
            plain = True
        if "Name" in tag:
            name += p.score
            if tag.case in ("nomn", "voct") and tag.number == "sing":
                nominative_name = True
        elif "Surn" in tag:
            surn += p.score
        elif "Patr" in tag:
            patr += p.score
        elif "Geox" in tag:
            geox += p.score
        else:
            other += p.score
        if "Geox" in tag:
            other += p.score
    first = parses[0]
    verb = first.tag.POS in ("VERB", "INFN")
    return _Info(
        name=name,
        surn=surn,
        patr=patr,
        geox=geox,
        other=other,
        known=len(first.methods_stack) == 1
        and type(first.methods_stack[0][0]).__name__ == "DictionaryAnalyzer",
        verb=verb,
        subject_verb=verb and first.normal_form in _SUBJECT_VERBS,
        object_verb=verb and first.normal_form in _OBJECT_VERBS,
        relation=word in _RELATIONS
        or any(p.normal_form in _RELATIONS and p.tag.POS in ("NOUN", "ADJF") for p in parses[:3]),
        function_word=first.tag.POS in _FUNCTION_POS and first.score >= 0.5,
        nominative_name=nominative_name,
        nominative=first.tag.case == "nomn",
        plain=plain,
    )


def _decline(base: str) -> set[str]:
    forms = {base}
    if base.endswith(("а", "я")):
        stem = base[:-1]
        if base.endswith("я"):
            forms.update(stem + e for e in ("и", "е", "ю", "ей", "ею"))
            if stem.endswith("и"):
                forms.add(stem + "и")  # Юлия: Юлии
        else:
            hushing = stem[-1:] in "жшщчц"
            forms.update(stem + e for e in ("и" if stem[-1:] in "гкхжшщч" else "ы", "е", "у"))
            forms.update(stem + e for e in (("ей", "ею") if hushing else ("ой", "ою")))
    elif base.endswith(("ёк", "ек", "ок")) and len(base) > 4:
        stem = base[:-2] + ("ь" if base[-3] in "лнт" and base[-2] in "ёе" else "")
        forms.update(stem + "к" + e for e in ("а", "у", "ом", "е"))
    elif base.endswith(("й", "ь")):
        forms.update(base[:-1] + e for e in ("я", "ю", "ем", "е", "ём"))
    elif base.endswith(("о", "э", "е", "и", "у")):
        pass  # indeclinable: Нино, Маринэ, Лусине
    else:
        forms.update(base + e for e in ("а", "у", "ом", "ем", "е"))
    return forms


@functools.cache
def _lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(declined forms of the names below, their nominatives), ё spelt е."""
    forms, bases = set(), set()
    for base in _NAME_BASES:
        base = base.replace("ё", "е")
        bases.add(base)
        forms.update(form for form in _decline(base) if form not in _NEVER)
    return frozenset(forms), frozenset(bases)


def _strong_base(base: str) -> bool:
    if len(base) < 3:
        return False
    if base.replace("ё", "е") in _lexicon()[1]:
        return True
    info = _info(base)
    return info.known and info.name >= 0.5


@functools.lru_cache(maxsize=WORD_CACHE)
def _derived(word: str) -> bool:
    """A diminutive or slang form of a name the dictionary does not know: катюхе, вованом, владос, лизку."""
    for suffixes, endings, tails in _DIMINUTIVES:
        for ending in endings:
            if ending and not word.endswith(ending):
                continue
            rest = word[: len(word) - len(ending)] if ending else word
            for suffix in suffixes:
                if not rest.endswith(suffix) or len(rest) - len(suffix) < 2:
                    continue
                stem = rest[: len(rest) - len(suffix)]
                if stem.endswith("ь"):
                    stem = stem[:-1]
                if any(_strong_base(stem + tail) for tail in tails):
                    return True
    return False


@functools.lru_cache(maxsize=WORD_CACHE)
def _name_weight(word: str) -> float:
    """How much a lower-case word is a first name on its own (1.0 for the lexicon and derived forms)."""
    key = word.replace("ё", "е")
    if word in _NEVER or word in _AMBIGUOUS:
        return 0.0  # as written: "тёмой" is a name, "темой" a topic
    forms, bases = _lexicon()
    info = _info(word)
    if key in bases:
        return 1.0
    if key in forms:
        # a declined form the dictionary knows as an ordinary word ("света" of свет, "поле") is left
        # to the dictionary's odds and the context
        return 1.0 if not info.known or info.other < 0.3 or not info.plain else info.name
    if info.function_word:
        return 0.0
    if info.known and (info.name > 0 or info.plain):
        return info.name
    return 1.0 if _derived(key) else 0.0


def _translit(word: str) -> list[str]:
    lower = word.lower()
    out, i = [], 0
    while i < len(lower):
        for latin, cyr in _TRANSLIT:
            if lower.startswith(latin, i):
                if latin == "y" and (i == len(lower) - 1 or lower[i + 1] not in "aeiou"):
                    cyr = "й" if i and lower[i - 1] in "aeiou" else "и"
                out.append(cyr)
                i += len(latin)
                break
        else:
            return []
    cyr = "".join(out)
    variants = [cyr]
    for a, b in (("аи", "ай"), ("еи", "ей"), ("ои", "ой"), ("е", "э"), ("ё", "о"), ("ьо", "ё")):
        if a in cyr:
            variants.append(cyr.replace(a, b))
    if cyr.endswith("ы"):
        variants.append(cyr[:-1] + "ий")
    return variants


@functools.lru_cache(maxsize=5000)
def _latin_name(word: str) -> bool:
    lower = word.lower()
    if lower in _LATIN_NOT_NAMES or len(lower) < 3:
        return False
    capital = word[0].isupper() and not word.isupper()
    if lower in _LATIN_CAPITAL_ONLY:
        return capital
    if lower in _LATIN_NAMES:
        return True
    threshold = 0.5 if capital else 0.8
    for cyr in _translit(word):
        info = _info(cyr)
        if info.known and info.name >= threshold and cyr not in _AMBIGUOUS:
            return True
        if capital and cyr.replace("ё", "е") in _lexicon()[1]:
            return True
    return False


class _Tokens:
    """The words of a message with what lies between them, for the context of each."""

    def __init__(self, text: str):
        self.text = text
        self.matches = [m for m in _WORD.finditer(text) if not (m.start() and text[m.start() - 1] == "[")]
        self.lower = [m.group().lower() for m in self.matches]

    def gap_before(self, i: int) -> str:
        start = self.matches[i - 1].end() if i else 0
        return self.text[start : self.matches[i].start()]

    def gap_after(self, i: int) -> str:
        end = self.matches[i + 1].start() if i + 1 < len(self.matches) else len(self.text)
        return self.text[self.matches[i].end() : end]

    def sentence_start(self, i: int) -> bool:
        before = self.text[: self.matches[i].start()].rstrip()
        return not before or before[-1] in _SENTENCE_END or before.endswith("-") or not _WORD.search(before)

    def joined_after(self, i: int) -> bool:
        """Whether the next word follows in the same clause (no sentence end between)."""
        return i + 1 < len(self.matches) and not any(c in self.gap_after(i) for c in ".!?…\n")

    def joined_before(self, i: int) -> bool:
        return i > 0 and not any(c in self.gap_before(i) for c in ".!?…\n")

    def word(self, i: int) -> str:
        return self.lower[i] if 0 <= i < len(self.lower) else ""


def _cyr(word: str) -> _Info | None:
    return _info(word) if word and _CYRILLIC.match(word) else None


def _strong_context(tokens: _Tokens, i: int) -> bool:
    """Whether the words around say the word at i is a person."""
    after = tokens.joined_after(i)
    before = tokens.joined_before(i)
    nxt = _cyr(tokens.word(i + 1)) if after else None
    prev = _cyr(tokens.word(i - 1)) if before else None
    me = _info(tokens.lower[i])
    lower = tokens.lower[i]
    nominative = (
        me.nominative_name
        or lower.replace("ё", "е") in _lexicon()[1]
        or (lower in _AMBIGUOUS and me.nominative and lower[-1] not in "ыи")
    )
    # a patronymic next to it: "надежда петровна"
    if nxt and nxt.patr >= 0.5:
        return True
    # a noun for a person next to it: "подруга вера", "меня зовут роман", "роман мой парень", "роза апа"
    if (prev and prev.relation) or tokens.word(i - 1) in ("зовут", "звали"):
        return True
    if nxt and nxt.relation and (nxt.nominative or not nxt.known) and nominative:
        return True
    if tokens.word(i + 1) in _POSSESSIVE and after and tokens.joined_after(i + 1):
        third = _cyr(tokens.word(i + 2))
        if third and third.relation:
            return True
    # "марина с работы", "владос из группы"
    if after and tokens.word(i + 1) in ("с", "со", "из") and tokens.word(i + 2) in _FROM_PLACE:
        return True
    # a verb of a person after it: "вера сказала", "вера опять не звонила", "вере написала"
    if after and not tokens.gap_after(i).strip():
        k = i + 1
        while tokens.word(k) in _SKIP_BETWEEN and tokens.joined_after(k):
            k += 1
        verb = _cyr(tokens.word(k))
        if verb and (verb.subject_verb if nominative else verb.object_verb and not me.nominative):
            return True
    # … or before it, the word in an oblique case: "передай вере", "спроси у веры", "видела лену"
    if not me.nominative and before:
        if prev and prev.object_verb:
            return True
        if tokens.word(i - 1) in _NAME_PREPOSITIONS and tokens.joined_before(i - 1):
            verb = _cyr(tokens.word(i - 2))
            if verb and (verb.object_verb or verb.subject_verb):
                return True
    # "у славы день рождения"
    if tokens.word(i - 1) == "у" and before and after and _POSSESSIONS.match(tokens.word(i + 1)):
        return True
    # vocative: "вера, ты права", "спасибо, роман!"
    if (
        tokens.sentence_start(i)
        and tokens.gap_after(i).startswith(",")
        and tokens.word(i + 1) in _VOCATIVE_NEXT
    ):
        return True
    return tokens.gap_before(i).rstrip().endswith(",") and tokens.word(i - 1) in _VOCATIVE_PREV


def _weak_context(tokens: _Tokens, i: int) -> bool:
    prev = tokens.word(i - 1) if tokens.joined_before(i) else ""
    if prev in _NAME_PREPOSITIONS or prev in _INTRODUCE:
        return True
    nxt = tokens.word(i + 1) if tokens.joined_after(i) else ""
    return any((info := _cyr(w)) is not None and info.verb for w in (prev, nxt))


def _is_name(tokens: _Tokens, i: int, word: str) -> bool:
    lower = word.lower()
    if not _CYRILLIC.match(word):
        return _latin_name(word)
    if len(lower) < 2 or lower in _NEVER:
        return False
    if word[0].islower() and _NOT_NAME_ENDING.search(lower):
        return False
    info = _info(lower)
    if info.patr >= 0.5:
        return True
    capital = word[0].isupper() and not (word.isupper() and len(word) > 1)
    ambiguous = lower in _AMBIGUOUS
    start = tokens.sentence_start(i)
    if lower in _CAPITAL_ONLY and (start or not capital):
        return False
    if ambiguous and any(c.isdigit() for c in tokens.gap_before(i)):
        return False  # "8 марта", "9 мая"
    if capital and not start:
        if ambiguous or info.name > 0 or info.surn > 0 or _name_weight(lower) > 0:
            return info.geox <= max(info.name, info.surn) or _name_weight(lower) >= 0.5
        if not info.known:
            prev = tokens.word(i - 1) if tokens.joined_before(i) else ""
            return (
                prev in _NAME_PREPOSITIONS or prev in _INTRODUCE or prev == "и" or _strong_context(tokens, i)
            )
        return False
    if info.function_word:
        return False
    if ambiguous:
        return _strong_context(tokens, i)
    weight = _name_weight(lower)
    if capital and start and info.surn >= 0.5:
        return True
    if weight >= 0.5:
        return True
    if weight >= 0.2 and _weak_context(tokens, i):
        return True
    return (weight >= 0.15 or (capital and (weight > 0 or not info.known))) and _strong_context(tokens, i)


def _names(text: str) -> str:
    tokens = _Tokens(text)
    flags = []
    for i, match in enumerate(tokens.matches):
        parts = [part for part in match.group().split("-") if part]
        flags.append(bool(parts) and all(_is_name(tokens, i, part) for part in parts))
    # A surname or patronymic right after a first name: "ваня кузнецов", "ольге петровне".
    for i in range(1, len(flags)):
        if flags[i - 1] and not flags[i] and tokens.joined_before(i) and tokens.gap_before(i).strip() == "":
            word = tokens.lower[i]
            if _CYRILLIC.match(word) and (_info(word).surn >= 0.3 or _info(word).patr >= 0.3):
                flags[i] = True
    out, last = [], 0
    for flag, match in zip(flags, tokens.matches, strict=True):
        if flag:
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
    text = _phones(text)
    return _names(text)


def contact_details(text: str) -> set[str]:
    """Kinds of contact details in a text (phone, email, handle, link, card): the chat's contact
    guard and the profile checks use the same patterns as the anonymizer, so "a card number"
    means one thing everywhere."""
    if not text:
        return set()
    found = set()
    for kind, pattern in (("email", _EMAIL), ("link", _LINK), ("handle", _HANDLE), ("card", _CARD)):
        if pattern.search(text):
            found.add(kind)
            text = pattern.sub(" ", text)
    if PLACEHOLDERS["phone"] in _phones(text):
        found.add("phone")
    return found
