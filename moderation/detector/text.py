"""Text as the detectors read it: folded, split into words, lemmatised (pymorphy3, cached).

Members write in lower case, with typos, stretched letters, Latin look-alikes and sometimes in
transliteration ("ne hochu zhit"); every detector reads the same normalised text.
"""

from __future__ import annotations

import functools
import re

import pymorphy3

WORD = re.compile(r"[а-яё]+|[a-z]+|\d+")
_REPEATS = re.compile(r"([а-яa-z])\1{2,}")
_LATIN = re.compile(r"[a-z]")
_CYRILLIC = re.compile(r"[а-яё]")
# Transliteration, longest sequences first ("shch" before "sh" before "s").
_TRANSLIT = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"),
    ("ya", "я"), ("yu", "ю"), ("yo", "ё"), ("ja", "я"), ("ju", "ю"), ("jo", "ё"), ("iy", "ий"),
    ("yy", "ый"), ("y", "ы"), ("'", "ь"), ("a", "а"), ("b", "б"), ("v", "в"), ("w", "в"), ("g", "г"),
    ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"), ("j", "й"), ("k", "к"), ("l", "л"), ("m", "м"),
    ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"),
    ("h", "х"), ("c", "ц"), ("x", "кс"), ("q", "к"),
)  # fmt: skip
_TRANSLIT_RE = re.compile("|".join(re.escape(a) for a, _ in _TRANSLIT))
_TRANSLIT_MAP = dict(_TRANSLIT)
# Latin words members mix into Russian that must not be transliterated into nonsense.
_KEEP_LATIN = frozenset({"ok", "okay", "lol", "sos", "ps", "pls", "omg", "wtf"})


# Every per-word cache of the detector holds this many words: the commonest words of a chat stay
# in it, and a stream of typos and rare forms cannot grow the process (bench/rss.py measures it:
# 100 000 entries per cache cost a web process ~250 MiB).
WORD_CACHE = 10_000


@functools.cache
def morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def warm() -> None:
    """Load the dictionaries now (process start), not in the first member's request."""
    lemma("проверка")


@functools.lru_cache(maxsize=WORD_CACHE)
def lemma(word: str) -> str:
    if not _CYRILLIC.search(word):
        return word
    return morph().parse(word)[0].normal_form.replace("ё", "е")


# "y" after a vowel and not before one is "й": "nahuy", "zhivoy", "moy" (but "moya", "tvoyu").
_SHORT_I = re.compile(r"(?<=[aeiou])y(?![aeiouy])")


def translit_word(word: str) -> str:
    """One Latin-letter word read in Cyrillic ("zhivoy" → "живой"); "ok", "lol" and the like kept."""
    if word in _KEEP_LATIN:
        return word
    return _TRANSLIT_RE.sub(lambda m: _TRANSLIT_MAP[m.group(0)], _SHORT_I.sub("й", word))


def fold(text: str) -> str:
    """Lower case, ё → е, stretched letters shortened, a Latin-only message transliterated."""
    text = text.lower().replace("ё", "е")
    text = _REPEATS.sub(r"\1", text)
    latin, cyrillic = len(_LATIN.findall(text)), len(_CYRILLIC.findall(text))
    if latin > 3 * max(cyrillic, 1):
        text = re.sub(r"[a-z']+", lambda m: translit_word(m.group(0)), text)
    return text


# (folded text, its words, their lemmas)
Reading = tuple[str, tuple[str, ...], tuple[str, ...]]


# Things members draw instead of naming them: read as the word ("🪢 завтра утром" is "веревка
# завтра утром" to the rules and the model; the folded text keeps the picture for TEXT_RULES).
_DRAWN = {
    "💊": "таблетка", "🔪": "нож", "🪢": "веревка", "🩸": "кровь", "⚰": "гроб", "🔫": "пистолет", "🪦": "могила",
}  # fmt: skip
_DRAWN_RE = re.compile("|".join(_DRAWN))


def read(text: str) -> Reading:
    """(folded text, its words, their lemmas). Never cached: a message's text is not kept."""
    folded = fold(text)
    spelled = (
        _DRAWN_RE.sub(lambda m: f" {_DRAWN[m.group(0)]} ", folded) if _DRAWN_RE.search(folded) else folded
    )
    words = tuple(WORD.findall(spelled))
    return folded, words, tuple(lemma(w) for w in words)


_FIRST_PERSON_WORDS = frozenset(
    {"я", "мне", "меня", "мной", "мой", "моя", "мое", "мои", "моей", "моего", "моих", "мы", "нас", "нам"}
)


@functools.lru_cache(maxsize=WORD_CACHE)
def _first_person_verb(word: str) -> bool:
    return any("1per" in parse.tag for parse in morph().parse(word)[:2])


def first_person(words: tuple[str, ...]) -> bool:
    """Does the writer speak of themself ("я", "мне", a verb in the first person)?"""
    return any(w in _FIRST_PERSON_WORDS or (_CYRILLIC.search(w) and _first_person_verb(w)) for w in words)


# The reader named: "ты"/"вы" in every case and their possessives (toxicity aims insults by it).
YOU = frozenset(
    {"ты", "тебя", "тебе", "тобой", "твой", "твоя", "твое", "твои", "твоего", "твоей", "твоих", "твоим", "твою",
     "вы", "вас", "вам", "вами", "ваш", "ваша", "ваше", "ваши", "вашего", "вашей", "ваших", "вашим", "вашу"}
)  # fmt: skip
# Chat spellings that only say "addressed" when nothing stronger is asked ("те" is also "those").
_SECOND_PERSON_WORDS = YOU | {"тя", "те", "ty", "tebya"}


@functools.lru_cache(maxsize=WORD_CACHE)
def second_person_verb(word: str) -> bool:
    """Is this word's likeliest reading a verb in the second person or the imperative?"""
    parse = morph().parse(word)[0]
    return "2per" in parse.tag or "impr" in parse.tag


def addressed(words: tuple[str, ...]) -> bool:
    """Is the message aimed at the reader ("ты", "вас", a verb in the second person or imperative)?"""
    return any(w in _SECOND_PERSON_WORDS or (_CYRILLIC.search(w) and second_person_verb(w)) for w in words)
