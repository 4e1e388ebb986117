"""Toxicity rules: what a chat message must not carry (the learned part is in `model.py`).

Pure functions over the text, run on every relayed message: no database, no network.

Toxicity (the message is held back, the sender warned):
- obscenity: Russian mat roots, matched at the start of a word or after a verbal prefix, so
  "заебал" and "нахуй" are caught while "хлебница", "оскорблять", "команда" and "себе" are not;
  swearing about one's own state, aimed at nobody ("пиздец как устала"), is venting, not abuse;
- insults, threats, wishes of harm, dehumanising and hate: lemmas (pymorphy3), so every case and
  number counts; insults and threats only when aimed at the other person ("ты", "тебя", "вы"…):
  "я чувствую себя идиотом" is somebody in pain, not an insult;
- what the writer reports others said ("он сказал мне «ты ничтожество»") is their pain, not abuse.
Obfuscation is undone first: Latin look-alikes and digits inside words ("xуй", "п1зда", "ж0па"),
masks ("х*й", "х@р", "бл*"), letters spelled out ("х у й"), repeated letters, transliterated words.
The word lists are in `toxic_words.py`.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field

from moderation.detector import text as reading
from moderation.detector import toxic_words as W
from moderation.detector.text import lemma, morph

_LOOKALIKE = str.maketrans(
    {
        "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "o": "о", "p": "р",
        "t": "т", "x": "х", "y": "у", "u": "и", "3": "з", "0": "о", "6": "б", "4": "ч", "1": "и",
        "9": "я", "@": "а", "$": "с", "ё": "е", "z": "з", "r": "г",
    }
)  # fmt: skip
_WORD = re.compile(r"[а-яa-z0-9@$*]+")
_TOKEN = re.compile(r"[а-яa-z0-9@$*#%]+")
_LETTER = re.compile(r"[а-яa-z]")
_NOT_CYRILLIC = re.compile(r"[^а-я]")
# "х у й", "х.у.й", "х-у-й": single letters separated by spaces or punctuation become one word.
_SPELLED = re.compile(r"(?<![а-яa-z0-9*])((?:[а-яa-z0-9*][\s.\-_,]+){2,}[а-яa-z0-9*])(?![а-яa-z0-9*])")
_REPEATS = re.compile(r"(.)\1+")
# What a symbol or digit inside a word may stand for: "х@р", "х3р", "бл9ть", "по*уй", "бл*".
_MASKED = {
    "*": ("", "и", "е", "у", "а", "о", "я", "ы", "ю", "з", "х", "с", "ь", "л", "ля", "лят"),
    "#": ("и", "е", "у", "а", "о", "я", "з", "х"),
    "%": ("и", "е", "у", "а", "о", "я", "з", "х"),
    "@": ("а", "о", "е", "я"),
    "3": ("з", "е"),
    "9": ("я",),
    "0": ("о",),
    "1": ("и", "л"),
    "4": ("ч", "а"),
    "6": ("б",),
    "$": ("с",),
}


@dataclass(frozen=True)
class Verdict:
    """What a message carries. `categories` ⊆ {obscenity, insult, threat, hate, abuse}."""

    categories: frozenset[str] = field(default_factory=frozenset)

    @property
    def toxic(self) -> bool:
        return bool(self.categories)


CLEAN = Verdict()


def _unmasked(text: str) -> str:
    """Lower case, spelled-out letters and letters split by dots joined; symbols left as written."""
    text = text.lower().replace("ё", "е")
    text = _SPELLED.sub(lambda m: re.sub(r"[\s.\-_,]+", "", m.group(1)), text)
    return W.INNER_PUNCT.sub("", text)


def _fold(text: str) -> str:
    """`_unmasked`, then look-alikes made Cyrillic; digits only inside words ("ж0па", not "в 10")."""
    return _TOKEN.sub(
        lambda m: m.group(0).translate(_LOOKALIKE) if _LETTER.search(m.group(0)) else m.group(0),
        _unmasked(text),
    )


@functools.lru_cache(maxsize=reading.WORD_CACHE)
def _parses(word: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """(lemma, grammemes) of the three likeliest readings of a word (cached: words repeat)."""
    return tuple((p.normal_form, frozenset(p.tag.grammemes)) for p in morph().parse(word)[:3])


@functools.lru_cache(maxsize=reading.WORD_CACHE)
def _mat_word(word: str) -> bool:
    variants = {word, _REPEATS.sub(r"\1", word)}
    return any(v in W.MAT_WORDS or W.MAT.match(v) or v.startswith(W.MAT_STARTS) for v in variants)


def _masked_mat(token: str) -> bool:
    """A word with symbols or digits standing for letters: every reading of them is tried."""
    slots = [i for i, ch in enumerate(token) if ch in _MASKED]
    if not slots or not _LETTER.search(token) or len(slots) > 3:
        return False
    if len(slots) == 3:  # "б**ть", "х**н*": one letter for every mask
        return any(_mat_word(token.replace("*", f).translate(_LOOKALIKE)) for f in _MASKED["*"])
    for fills in itertools.product(*(_MASKED[token[i]] for i in slots)):
        chars = list(token)
        for i, fill in zip(slots, fills, strict=True):
            chars[i] = fill
        if _mat_word("".join(chars).translate(_LOOKALIKE)):
            return True
    return False


def _obscene(raw: str, words: list[str]) -> bool:
    if W.LATIN_MAT.search(raw) or any(_mat_word(w) for w in words):
        return True
    for token in _TOKEN.findall(raw):
        if _masked_mat(token):
            return True
        # A transliterated word in a Cyrillic message: "nahuy", "epta", "pizdec".
        if (
            token.isascii()
            and token.isalpha()
            and len(token) >= 3
            and _mat_word(reading.translit_word(token))
        ):
            return True
    return False


# Someone telling what was said to them ("он назвал меня «тупой»") is hurt, not hurting.
_REPORTING = re.compile(
    r"\b(сказал|сказала|сказали|говорит|написал|написала|написали|пишет|назвал|назвала|назвали|называл|"
    r"называла|называет|называли|обозвал|обозвала|обозвали|обзывал|обзывала|обзывает|обзывали|крикнул|"
    r"крикнула|крикнули|кричал|кричала|кричит|кричали|бросил|бросила|пробурчал|пробурчала|говорил|говорила|"
    r"говорят|говорили|пишут|писал|писала|писали|орал|орала|орет|орёт|заявил|заявила|ответил|ответила|"
    r"прислал|прислала|прислали|пришло|пришла|приходят|твердил|твердила|твердит|повторял|повторяла|повторяет|"
    r"дразнил|дразнила|дразнят|дразнили|угрожал|угрожала|угрожали|угрожает|грозился|грозилась|грозил|грозила|"
    r"пригрозил|пригрозила|шипел|шипела|выдал|выдала|ляпнул|ляпнула|звали|звал|звала|цитирую|шептал|шептала)\b",
    re.IGNORECASE,
)
# ... or with a colon: "а муж мне: ты никто", "свекровь при всех: «да кому ты нужна»".
_COLON_REPORT = re.compile(
    r"\b(он|она|они|муж|жена|мама|мать|папа|отец|бывший|бывшая|свекровь|теща|начальник|начальница|коллега|"
    r"брат|сестра|подруга|друг|сосед|соседка|отчим|мачеха|бабушка|учитель|учительница)\b[^.!?:]{0,25}:",
    re.IGNORECASE,
)
# "я тебе сказал: ты дебил" is the writer speaking, not a report.
_SAID_BY_ME = re.compile(r"\bя (же |ведь |уже |тебе |вам |ещё |еще )*$", re.IGNORECASE)
_QUOTED = re.compile(r"«[^»]*»|\"[^\"]*\"|“[^”]*”|„[^“”]*[“”]")
_LAUGH = re.compile(r"\){2,}|😂|🤣|😆|😄|😁|😜|\bах(ах)+|\bха(ха)+|\bхех", re.IGNORECASE)


def _report_start(text: str) -> int:
    """Where what others said begins (-1: nothing reported)."""
    for match in _REPORTING.finditer(text):
        if not _SAID_BY_ME.search(text[: match.start()]):
            return match.start()
    match = _COLON_REPORT.search(text)
    return match.end() if match else -1


def _unreported(text: str) -> str:
    """The message without what it reports others said: quotes, and what follows "он написал"."""
    start = _report_start(text)
    if start < 0:
        return text
    return _QUOTED.sub(" ", text[:start])


def reported_or_joking(text: str) -> bool:
    """Telling what others said, or laughing along: the learned model must not hold it either."""
    return _report_start(text) >= 0 or bool(_LAUGH.search(text))


def model_may_judge(message: str, words: tuple[str, ...]) -> bool:
    """The learned part judges a message aimed at the partner or at nobody in particular ("все
    мигранты — саранча"), never one about the writer's own pain, a report or a joke."""
    if not words or reported_or_joking(message):
        return False
    return reading.addressed(words) or not reading.first_person(words)


# Swearing about one's own state: "пиздец как устала", "заебалась", "пздц день, сил нет".
_OWN_STATE = frozenset(
    [
        "устать", "заебаться", "задолбаться", "затрахаться", "вымотаться", "выгореть", "замучиться", "запариться",
        "сила", "больно", "тяжело", "плохо", "хреново", "одиноко", "грустно", "страшно",
    ]
)  # fmt: skip

_BODY = (
    r"(голову|голова|башку|язык|ноги|руки|кости|зубы|лицо|морду|рожу|челюсть|ребра|шею|уши|пальцы|хребет|"
    r"почки|печень|глаза)"
)
_MAIM = r"(оторву|вырежу|переломаю|сломаю|пересчитаю|выбью|разобью|отрежу|проломлю|поломаю|откручу|вырву|выколю|отобью)"
_AUDIENCE = (
    r"(жен|муж|бывш|начальн|руководств|родител|мам|мат[еь]|пап|отц|отец|брат|сестр|дет|сын|доч|подписчик|работодател|коллег|друз|"
    r"паблик|сеть|интернет|переписк|фот|скрин|данные|имя|адрес|паспорт|номер|откровени|сообщени)"
)
_PUBLISH = (
    r"(выложу|солью|сливаю|опубликую|разошлю|покажу|отправлю|перешлю|скину|расскажу|напишу|пишу|отнесу)"
)
# Anonymity broken on purpose: "я уже знаю твою фамилию", "адрес твой пробью за вечер".
_KNOW = r"(знаю|узнаю|узнал|узнала|пробью|пробил|пробила|нашел|нашла|найду|вычислил|вычислила|вычислю|выяснил|выяснила)"
_DETAIL = r"(адрес|фамили[юя]|номер|телефон|настоящ[а-я]+ имя|место работы|айпи|ip)"
_YOUR_DETAIL = rf"(твой|твою|твоя|твои|твоего|твоей|твое) {_DETAIL}"
_THREAT_RE = re.compile(
    rf"\b{_MAIM}\b.{{0,20}}\b{_BODY}\b|\b{_BODY}\b.{{0,12}}\b{_MAIM}\b"
    r"|\bмало не покажется|\bкровью умоешься|\bпопадись (мне|ты)|\bприду за тобой|\bответишь за\b|\bна карандаше\b"
    r"|\bтвоя тень\b|\bне спи спокойно|\bразберусь по ?своему|\bразбер[еу]мся по ?мужски|\bпришлю к тебе|\bнатравлю\b"
    r"|\b(ты |вы |еще |и )(пожалеешь|пожалеете)\b|\bпожалеешь\b.{0,20}$"
    r"|\b(буду|будем|жду|ждать|встретимся|встречу|стоять|подожду|караулить|приду|приеду) (тебя )?(у|возле|около|к) "
    r"(твоего|твоей|твоих|твоему|тебе на|тебе домой|твоей двери)"
    r"|\b(у|возле|около) (твоего|твоей|твоих) (подъезда|двери|дома|работы|школы|садика|офиса|проходной|квартиры|машины)"
    r"|\b(знаю|узнал|узнала|узнаю|выяснил|выяснила|нашел|нашла|вычислил|вычислила) (где|в каком|в какой|на какой|"
    r"какой|куда|адрес|твой|твою|твоих|твоего)\b.{0,30}\b(ты|твой|твоя|твои|тебя|твою|твоего|твоей)\b"
    r"|\b(найду|отыщу|вычислю|выслежу|достану|поймаю|узнаю) (тебя|вас|твою|твоего|твоих)\b|\b(тебя|вас) (найду|отыщу|"
    r"вычислю|выслежу|достану|найдут|отыщу)\b"
    rf"|\b{_PUBLISH}\b.{{0,40}}\b(твоим|твоему|твоей|твоих|твои|твою|твое|твой|тебя|про тебя)\b.{{0,30}}{_AUDIENCE}"
    rf"|\b(твоим|твоему|твоей) {_AUDIENCE}[а-я]* (уже )?{_PUBLISH}"
    r"|\b(скрины|скриншоты|переписка|фото|фотки)\b.{0,30}\b(у|будут у) (твоей|твоего|твоих)\b"
    r"|\b(твои|все твои) (подписчики|друзья|коллеги|родные|знакомые) (узнают|увидят|прочитают)"
    rf"|\b{_KNOW}\b.{{0,15}}\b{_YOUR_DETAIL}|\b{_YOUR_DETAIL}\b.{{0,15}}\b({_KNOW}|у меня есть|у меня уже)\b"
    rf"|\b{_DETAIL} (твой|твою|твоя|твои)\b.{{0,15}}\b({_KNOW}|у меня есть|у меня уже)\b"
)
# Wishing the partner harm, without a swear word: "чтоб ты сдох", "надеюсь, ты потеряешь…".
_WISH = re.compile(
    r"\b(чтоб|чтобы|пусть|надеюсь|вот бы|хоть бы|хорошо бы|желаю|лучше бы|мечтаю|скорей бы|скорее бы)\b.{0,30}"
    r"\b(ты|тебя|тебе|тобой|твои|твой|твоя|твою|твоих|у тебя|вы|вас|вам)\b"
    r"|\b(ты|тебя|тебе|вас|вам)\b.{0,20}\b(желаю|надеюсь)\b"
)
_YOUR_DEATH = re.compile(
    r"(?<!\bне )\b(сдохнешь|подохнешь|сдохнете|отравишься|повесишься|утопишься|застрелишься|удавишься|выпилишься|"
    r"вскроешься|убьешься|самоубьешься)\b"
    r"|\bлучше бы? (тебя|ты)\b.{0,20}\b(не было|не родил|умер|сдох|не существовал|подох|утопил|повесил|разбил|сгорел|исчез)"
    r"|\bты бы лучше (умер|сдох|подох|повесил)"
    r"|\bна твоем месте\b.{0,30}\b(повесил|наложил|застрелил|утопил|отравил|выпилил|удавил)"
)
_DEHUMAN = W.DEHUMAN_LEMMAS | W.DEHUMAN_NAMES
_NAMES = _DEHUMAN | W.INSULT_LEMMAS
# "ты даже не человек", "вы не люди", "ты на человека не похож" ("ты не человек, а золото" is praise).
_NOT_HUMAN = re.compile(
    r"\b(ты|вы)( же| даже| вообще| просто| уже)* (не|на) (человек|человека не|личность|люди|людей не)\b(?! а\b)"
)
_NOT_A_CLAUSE = frozenset(["просто", "как", "всего", "лишь", "же", "и", "для", "меня", "всех", "сплошной", "ходячий",
                           "обычный", "настоящий", "какой", "то", "один", "полный", "очередной", "натуральный"])  # fmt: skip


def _called(words: list[str], lemmas: list[str], vocabulary: frozenset[str]) -> bool:
    """The partner named as one of `vocabulary`: "ты гниль", "ты просто мешок костей", "гниль ты"."""
    for i, word in enumerate(words):
        if word not in ("ты", "вы"):
            continue
        if i > 0 and lemmas[i - 1] in vocabulary and (i == len(words) - 1 or words[i - 1] != "как"):
            return True
        for j in range(i + 1, min(i + 5, len(words))):
            parses = _parses(words[j])  # "осел" is a donkey before it is a verb
            if lemmas[j] in vocabulary or any(normal in vocabulary for normal, _ in parses):
                return True
            if words[j] not in _NOT_A_CLAUSE and parses and parses[0][1] & {"VERB", "INFN", "PREP"}:
                break
    return False


def _likened(words: list[str], lemmas: list[str]) -> bool:
    """The partner likened to vermin, waste or a thing: "живешь как клещ", "с тобой как с табуреткой"
    (not advice in the imperative: "не сиди как пень")."""
    if not any(w in reading.YOU or (parses := _parses(w)) and "2per" in parses[0][1] for w in words):
        return False
    for i, word in enumerate(words):
        if word != "как":
            continue
        for j in range(i + 1, min(i + 4, len(words))):
            if lemmas[j] in _DEHUMAN or any(normal in _DEHUMAN for normal, _ in _parses(words[j])):
                return True
    return False


def _to_reader(words: list[str]) -> bool:
    """A dictionary verb in the second person or the imperative ("прочитай", "можешь"); a guess
    for an unknown word does not count ("коучи" is not "коучить")."""
    return any(reading.second_person_verb(w) and morph().word_is_known(w) for w in words)


def _hateful(words: list[str], lemmas: list[str]) -> bool:
    """A group generalised about with a slur: "все кавказцы звери", "японцы фашисты"; a people's
    adjective on an animal word: "кавказская обезьяна", "бурятские морды"."""
    if any(a in W.GROUP_ADJECTIVES and b in W.ANIMAL_SLURS for a, b in itertools.pairwise(lemmas)):
        return True
    groups = [i for i, lem in enumerate(lemmas) if lem in W.GROUP_LEMMAS]
    if not groups or not any(lem in W.GROUP_SLURS for lem in lemmas):
        return False
    generalising = any(
        w in ("все", "это", "значит", "всех", "всегда", "такие", "эти", "этих", "вечно") for w in words
    )
    slurs = [i for i, lem in enumerate(lemmas) if lem in W.GROUP_SLURS]
    return generalising or any("plur" in tags for i in groups + slurs for _, tags in _parses(words[i]))


def classify(text: str) -> Verdict:
    """The verdict on one message (text or caption)."""
    if not text:
        return CLEAN
    short = len(_WORD.findall(text.lower())) <= 3  # before a report is cut off: "он назвал меня" is not short
    text = _unreported(text)
    folded = _fold(text)
    words = _WORD.findall(folded)
    if not words:
        return CLEAN
    categories = set()
    latin_read = fold_latin(text)
    lemmas = [lemma(w.replace("*", "")) for w in words]
    if _obscene(_unmasked(text), words) or (
        latin_read and any(_mat_word(w) for w in _WORD.findall(latin_read))
    ):
        categories.add("obscenity")
    # Aimed at the other person: "ты/вас…", or a short address without "я" ("слушай, урод").
    explicit = any(w in reading.YOU for w in words)
    aimed = explicit or (short and not any(w in W.SELF for w in words))
    if any(lem in W.HATE_LEMMAS or w in W.HATE_LEMMAS for w, lem in zip(words, lemmas, strict=True)):
        categories.add("hate")
    if latin_read:  # "ty debil": the lemmas of the Cyrillic reading count too
        lemmas = lemmas + [lemma(w) for w in _WORD.findall(latin_read)]
        words = words + _WORD.findall(latin_read)
    # the word as written counts too: pymorphy reads "мразота" as "мразот", "русня" as "руснить"
    mine = any(w in W.SELF for w in words)
    names = {
        name for w, lem in zip(words, lemmas, strict=True) for name in (lem, w) if name in W.INSULT_LEMMAS
    }
    # A name called with a verb to the reader and no "я" is aimed too ("недоумок, прочитай ещё раз").
    if names and (explicit or (names - W.INSULT_ADJECTIVES and (aimed or (_to_reader(words) and not mine)))):
        categories.add("insult")
    plain = " ".join(words)
    if (
        any(phrase in plain for phrase in W.THREAT_PHRASES)
        or _THREAT_RE.search(plain)
        or (aimed and any(lem in W.THREAT_VERBS for lem in lemmas) and _threat_aimed(words, lemmas))
        or (
            any(w in W.THREAT_FORMS for w in words)
            and any(w in ("тебя", "вас", "тебе", "вам") for w in words)
        )
    ):
        categories.add("threat")
    if (
        any(w in W.WISH_IMPERATIVES for w in words)
        or any(phrase in plain for phrase in W.WISH_IMPERATIVES if " " in phrase)  # "выйди в окно"
        or any(phrase in plain for phrase in W.WISH_PHRASES)
        or _YOUR_DEATH.search(plain)
        or (aimed and any(w in W.THREAT_FORMS for w in words) and not mine)
        or (_WISH.search(plain) and any(lem in W.HARM_LEMMAS for lem in lemmas))
    ):
        categories.add("threat")
    if (
        (not mine and any(phrase in plain for phrase in W.DEHUMAN_PHRASES))
        or (explicit and not mine and any(lem in W.DEHUMAN_LEMMAS for lem in lemmas))
        or (not mine and (_NOT_HUMAN.search(plain) or _likened(words, lemmas)))
        or _called(words, lemmas, _NAMES)
    ):
        categories.add("insult")
    if _hateful(words, lemmas):
        categories.add("hate")
    if categories == {"obscenity"} and _venting(words, lemmas):
        categories = set()
    if _LAUGH.search(text):  # banter among friends: "ты псих))", "задушу в объятиях)))"
        categories -= {"insult", "threat"}
    return Verdict(frozenset(categories))


def _venting(words: list[str], lemmas: list[str]) -> bool:
    """Swearing about one's own state, aimed at nobody: "пиздец как устала", "я в ахуе"."""
    as_read = tuple(w for w in words if not _NOT_CYRILLIC.search(w))
    if reading.addressed(as_read):
        return False
    return reading.first_person(as_read) or any(lem in _OWN_STATE for lem in lemmas)


def fold_latin(text: str) -> str:
    """A transliterated message ("pizdec", "ty debil") read in Cyrillic; "" when it is not one."""
    folded = reading.fold(text)
    return folded if folded != text.lower().replace("ё", "е") else ""


def _threat_aimed(words: list[str], lemmas: list[str]) -> bool:
    """A threat verb in the first person future/imperative next to "you": "я тебя убью"."""
    for i, lem in enumerate(lemmas):
        if lem not in W.THREAT_VERBS:
            continue
        window = words[max(0, i - 3) : i + 4]
        if any(w in ("тебя", "вас", "тебе", "вам") for w in window):
            parse = morph().parse(words[i])[0]
            if "1per" in parse.tag or "impr" in parse.tag:
                return True
    return False
