"""Toxicity rules: what a chat message must not carry (the learned part is in `model.py`).

Pure functions over the text, run on every relayed message: no database, no network.

Toxicity (the message is held back, the sender warned):
- obscenity: Russian mat roots, matched at the start of a word or after a verbal prefix, so
  "заебал" and "нахуй" are caught while "хлебница", "оскорблять", "команда" and "себе" are not;
- insults, threats and hate: lemmas (pymorphy3), so every case and number counts; insults and
  threats only when aimed at the other person ("ты", "тебя", "вы"…): "я чувствую себя идиотом"
  is somebody in pain, not an insult.
Obfuscation is undone first: Latin look-alikes and digits ("xуй", "п1зда"), masks ("х*й"),
letters spelled out with spaces or dots ("х у й"), repeated letters ("хууууй").

"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from moderation.detector.text import lemma, morph

_LOOKALIKE = str.maketrans(
    {
        "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "o": "о", "p": "р",
        "t": "т", "x": "х", "y": "у", "u": "и", "3": "з", "0": "о", "6": "б", "4": "ч", "1": "и",
        "@": "а", "$": "с", "ё": "е", "z": "з", "r": "г",
    }
)  # fmt: skip
_WORD = re.compile(r"[а-яa-z0-9@$*]+")
# "х у й", "х.у.й", "х-у-й": single letters separated by spaces or punctuation become one word.
_SPELLED = re.compile(r"(?<![а-яa-z0-9*])((?:[а-яa-z0-9*][\s.\-_,]+){2,}[а-яa-z0-9*])(?![а-яa-z0-9*])")
_REPEATS = re.compile(r"(.)\1+")

_PREFIXES = (
    "", "о", "за", "на", "по", "до", "у", "вы", "рас", "раз", "от", "отъ", "об", "объ", "съ", "въ", "взъ", "изъ",
    "разъ", "подъ", "пере", "при", "про", "недо", "пиз", "ни", "не",
)  # fmt: skip
# Roots of mat. A root must start the word or follow one of _PREFIXES.
_MAT_ROOTS = (
    "хуй", "хуе", "хуя", "хуи", "хую", "хуё", "пизд", "пезд", "еба", "ебл", "ебу", "ебн", "ебе",
    "ебо", "еби", "ебуч", "хер", "бля", "блят", "мудак", "мудил", "мудо", "пидор", "пидар", "пидр", "гандон",
    "залуп", "манда", "шлюх", "дроч", "херн", "сука", "суки", "суке", "суку", "сучк", "сучар",
    "fuck", "shit", "bitch",
)  # fmt: skip
_MAT_EXCEPTIONS = (
    "бляха", "бляшк", "ебонит", "ебенезер", "мандарин", "мандат", "мандол", "хуэй", "сукон", "сукн",
    "херувим", "херес", "херсон", "херц", "хергл",
)  # fmt: skip
_MAT_WORDS = frozenset({"еб", "епт", "ебт"})
_LATIN_MAT = re.compile(r"\b(fuck\w*|shit\w*|bitch\w*|motherfuck\w*|cunt|dick(head)?)\b")
# Letters joined across dots and hyphens inside a word: "ху.й", "п-и-з-д-а".
_INNER_PUNCT = re.compile(r"(?<=[а-яa-z])[.\-_]+(?=[а-яa-z])")
_MAT = re.compile(
    "^(?:"
    + "|".join(sorted(map(re.escape, _PREFIXES), key=len, reverse=True))
    + ")(?!"
    + "|".join(map(re.escape, _MAT_EXCEPTIONS))
    + ")(?:"
    + "|".join(map(re.escape, _MAT_ROOTS))
    + ")"
)

# Adjectives insult only when aimed explicitly ("ты тупой"; "нож тупой" is about a knife).
_INSULT_ADJECTIVES = frozenset(["тупой", "придурочный", "ничтожный", "убогий"])
_INSULT_LEMMAS = frozenset(
    [
        "идиот",
        "идиотка",
        "дебил",
        "дебилка",
        "дура",
        "дурак",
        "тупой",
        "тупица",
        "урод",
        "уродина",
        "придурок",
        "придурочный",
        "кретин",
        "мразь",
        "тварь",
        "ничтожество",
        "чмо",
        "лох",
        "лошара",
        "даун",
        "имбецил",
        "олигофрен",
        "скотина",
        "падла",
        "гнида",
        "ублюдок",
        "выродок",
        "быдло",
        "сволочь",
        "паскуда",
        "подонок",
        "мерзавец",
        "дегенерат",
        "отброс",
        "ничтожный",
        "убогий",
    ]
)
_HATE_LEMMAS = frozenset(
    [
        "хач",
        "хачик",
        "чурка",
        "чурбан",
        "жид",
        "жидовка",
        "хохол",
        "хохлушка",
        "кацап",
        "москаль",
        "пиндос",
        "чучмек",
        "черномазый",
        "узкоглазый",
        "гомик",
        "педик",
        "пидорас",
        "нигер",
    ]
)
_THREAT_VERBS = frozenset(
    [
        "убить",
        "прибить",
        "зарезать",
        "урыть",
        "закопать",
        "задушить",
        "пристрелить",
        "застрелить",
        "избить",
        "покалечить",
    ]
)
_THREAT_PHRASES = (
    "я тебя найду", "я вас найду", "я тебя достану", "достану тебя", "найду тебя и", "тебе конец", "тебе не жить", "ты пожалеешь", "вы пожалеете", "ты труп", "тебе хана",
    "я знаю где ты живешь", "знаю где ты живешь", "жди гостей",
)  # fmt: skip
_SELF = frozenset(["я", "меня", "мне", "мной", "себя", "себе", "собой"])
# Words a threat may be built around when the dictionary misreads the verb ("урою" → a name).
_THREAT_FORMS = frozenset(
    [
        "урою",
        "уроем",
        "урыть",
        "убью",
        "прибью",
        "зарежу",
        "задушу",
        "закопаю",
        "пристрелю",
        "застрелю",
        "покалечу",
    ]
)
_YOU = frozenset(
    [
        "ты",
        "тебя",
        "тебе",
        "тобой",
        "тебе",
        "вы",
        "вас",
        "вам",
        "вами",
        "твой",
        "твоя",
        "твое",
        "твои",
        "ваш",
        "ваша",
        "ваше",
        "ваши",
    ]
)


@dataclass(frozen=True)
class Verdict:
    """What a message carries. `categories` ⊆ {obscenity, insult, threat, hate, abuse}."""

    categories: frozenset[str] = field(default_factory=frozenset)

    @property
    def toxic(self) -> bool:
        return bool(self.categories)


CLEAN = Verdict()


def _fold(text: str) -> str:
    """Lower case, look-alikes and digits made Cyrillic, spelled-out letters joined."""
    text = text.lower().replace("ё", "е")
    text = _SPELLED.sub(lambda m: re.sub(r"[\s.\-_,]+", "", m.group(1)), text)
    text = _INNER_PUNCT.sub("", text)
    return text.translate(_LOOKALIKE)


def _is_mat(word: str) -> bool:
    if "*" in word:  # a masked letter: "х*й", "п*здец", "б**ть"
        stripped = word.strip("*")
        fills = ("и", "е", "у", "а", "о", "я", "ы", "ю", "ля", "лят")
        return any(_is_mat(stripped.replace("*", fill)) for fill in fills if fill)
    return any(_MAT.match(variant) for variant in {word, _REPEATS.sub(r"\1", word)})


def classify(text: str) -> Verdict:
    """The verdict on one message (text or caption)."""
    if not text:
        return CLEAN
    folded = _fold(text)
    words = _WORD.findall(folded)
    if not words:
        return CLEAN
    categories = set()
    if _LATIN_MAT.search(text.lower()) or any(w in _MAT_WORDS or _is_mat(w) for w in words):
        categories.add("obscenity")
    lemmas = [lemma(w.replace("*", "")) for w in words]
    # Aimed at the other person: "ты/вас…", or a short address without "я" ("слушай, урод").
    explicit = any(w in _YOU for w in words)
    aimed = explicit or (len(words) <= 3 and not any(w in _SELF for w in words))
    if any(lem in _HATE_LEMMAS for lem in lemmas):
        categories.add("hate")
    if any(
        lem in _INSULT_LEMMAS and (explicit or (aimed and lem not in _INSULT_ADJECTIVES)) for lem in lemmas
    ):
        categories.add("insult")
    plain = " ".join(words)
    if (
        any(phrase in plain for phrase in _THREAT_PHRASES)
        or (aimed and any(lem in _THREAT_VERBS for lem in lemmas) and _threat_aimed(words, lemmas))
        or (
            any(w in _THREAT_FORMS for w in words) and any(w in ("тебя", "вас", "тебе", "вам") for w in words)
        )
    ):
        categories.add("threat")
    return Verdict(frozenset(categories))


def _threat_aimed(words: list[str], lemmas: list[str]) -> bool:
    """A threat verb in the first person future/imperative next to "you": "я тебя убью"."""
    for i, lem in enumerate(lemmas):
        if lem not in _THREAT_VERBS:
            continue
        window = words[max(0, i - 3) : i + 4]
        if any(w in ("тебя", "вас", "тебе", "вам") for w in window):
            parse = morph().parse(words[i])[0]
            if "1per" in parse.tag or "impr" in parse.tag:
                return True
    return False
