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

from moderation.detector.text import fold as read_fold
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
    "херувим", "херес", "херсон", "херц", "хергл", "сукул", "сучков", "сучок", "сукач", "сукин сын",
)  # fmt: skip
_MAT_WORDS = frozenset(
    {
        "еб", "епт", "ебт", "нах", "пздц", "пзд", "мля", "епта", "ёпта", "ептыть", "бл", "пиздос",
        "ахуе", "охуе", "нахер", "нахрен", "похер", "похуй", "отсоси", "отсосать", "сосни", "жопа",
        "жопу", "жопой", "жопе", "жоп", "долбоеб", "долбаеб", "долбоебы", "ебанько", "хрень", "хер",
    }
)  # fmt: skip
_MAT_STARTS = (
    "ахуе",
    "охуе",
    "ахуи",
    "охуи",
    "долбо",
    "долба",
    "пзд",
    "жоп",
    "ебан",
    "нихуя",
    "похуй",
    "отсос",
)
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
        # the words members actually throw at each other
        "неудачник",
        "неудачница",
        "бездарь",
        "бездарность",
        "клоун",
        "слабак",
        "тряпка",
        "истеричка",
        "чмошник",
        "олень",
        "позорище",
        "ущербный",
        "конченый",
        "конченная",
        "конченый",
        "нытик",
        "нытица",
        "психопатка",
        "психопат",
        "баран",
        "осел",
        "овца",
        "никчемный",
        "бестолочь",
        "болван",
        "днище",
        "лузер",
        "мямля",
        "бесхребетный",
        "лицемерка",
        "лицемер",
        "тупорылый",
        "человечишка",
        "кретинка",
        "идиотина",
        "дурында",
        "дурачок",
        "убожество",
        "деградант",
        "отсталый",
        "недоумок",
        "тупица",
        "неадекват",
        "неадекватный",
        "шизик",
        "шизофреник",
        "истеричный",
        "жирдяй",
        "жиробас",
        "уродец",
        "нищеброд",
        "лох",
        "лохушка",
        "курица",
        "коза",
        "козел",
        "сучка",
        "свинья",
        "мразота",
        "паразит",
        "пустозвон",
        "ничтожный",
        "жалкий",
        "тупой",
        "тупая",
        "дебильный",
        "кончeный",
        "чучело",
        "пугало",
        "долбоящер",
        "дятел",
        "дегенератка",
        "овощ",
        "корова",
        "зануда",
        "тормоз",
        "псих",
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
        "нерусь",
        "понаехавший",
        "понаех",
        "понаехать",
        "гомосятина",
        "лесбуха",
        "ниггер",
        "негр",
        "цыганва",
        "хиджабница",
        "чуркобес",
        "русня",
        "свинособака",
        "черножопый",
        "петушара",
        "заднеприводный",
        "православнутый",
        "жидовня",
        "хохляндия",
        "чурбанка",
        "нацмен",
        "азер",
        "чернозадый",
        "пидор",
        "педовка",
        "гейский",
        "куколд",
        "рашка",
        "ватник",
        "укроп",
        "бандеровец",
        "чурек",
        "армяшка",
        "узбечка",
        "чучмечка",
        "кацапка",
    ]
)
_THREAT_VERBS = frozenset(
    [
        "сломать",
        "оторвать",
        "проломить",
        "выпотрошить",
        "сжечь",
        "уничтожить",
        "подкараулить",
        "выследить",
        "вычислить",
        "пробить",
        "урыть",
        "слить",
        "разослать",
        "опубликовать",
        "отомстить",
        "наказать",
        "покалечить",
        "изуродовать",
        "порвать",
        "размазать",
        "свернуть",
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
    "не поздоровится", "молись чтоб", "молись чтобы", "устрою тебе", "устрою вам", "хана тебе", "тебе хана",
    "тебе крышка", "считай что тебе", "ты меня еще узнаешь", "будет больно", "по айпи", "по ip", "мы тебя",
    "найдут в канаве", "узнаю твой", "узнаю где", "твоей семье", "твоим детям", "твоему работодателю",
    "твои фотки", "твою переписку", "ты пожалеешь", "пожалеешь об этом", "еще пожалеешь", "тебе не жить",
    "я тебе устрою", "я до тебя доберусь", "доберусь до тебя", "смотри в оба", "оглядывайся", "я тебя достану",
    "тебя посадят", "сдам тебя", "закопаю", "прибью", "урою",
)  # fmt: skip
# Wishing the partner harm, without a swear word: "чтоб ты сдох", "повесься", "желаю тебе смерти".
_WISH = re.compile(
    r"\b(чтоб|чтобы|пусть|надеюсь|вот бы|желаю|лучше бы)\b.{0,30}\b(ты|тебя|тебе|тобой|твои|твой|твоя|у тебя|вы|вас|вам)\b"
    r"|\b(ты|тебя|тебе|вас|вам)\b.{0,20}\b(желаю|надеюсь)\b"
)
_HARM_LEMMAS = frozenset(
    [
        "умереть", "сдохнуть", "подохнуть", "заболеть", "разбиться", "захлебнуться", "сгореть", "отсохнуть",
        "парализовать", "ограбить", "избить", "уволить", "посадить", "депортировать", "сбить", "ударить",
        "мучиться", "страдать", "рак", "смерть", "ад", "мучительный", "поумирать", "сдыхать", "гнить",
        "пусто", "отказаться", "сгнить", "провалиться", "задохнуться", "никогда", "несчастный", "сломать",
        "током", "подавиться", "бросить", "остаться", "одиночество", "пожалеть",
    ]
)  # fmt: skip
_WISH_IMPERATIVES = frozenset(
    [
        "сдохни", "сдохните", "повесься", "повесьтесь", "сгинь", "сгиньте", "убейся", "убейтесь", "вскройся",
        "утопись", "умри", "умирай", "удавись", "застрелись", "отравись", "выпились", "самоубейся",
    ]
)  # fmt: skip
_WISH_PHRASES = (
    "гори в аду", "горите в аду", "таблеток выпей", "выпей таблеток", "наложи на себя руки", "лезвие в руки",
    "под поезд", "под электричку", "под машину", "с крыши прыгни", "прыгни с крыши", "иди умри", "иди и умри",
    "иди сдохни", "иди убейся", "вот и иди", "сделай с собой что", "никто не заплачет", "никто не расстроится",
    "лучше бы ты умер", "лучше бы ты не родился", "лучше бы тебя не было", "мир станет лучше без тебя",
)  # fmt: skip
# Dehumanising: the partner as an object, vermin or waste.
_DEHUMAN_LEMMAS = frozenset(
    [
        "биомусор", "мусор", "грязь", "плесень", "глист", "вошь", "таракан", "амеба", "растение", "отброс",
        "недочеловек", "существо", "скот", "животное", "вещь", "материал", "экземпляр", "брак", "бракованный",
        "помойка", "навоз", "паразит", "крыса", "червь", "гнида", "говно", "дерьмо", "отход", "пустое",
        "зараза", "нелюдь", "выродок", "робот", "фикус", "кусок", "место",
    ]
)  # fmt: skip
_DEHUMAN_PHRASES = (
    "таких как ты", "такие как ты", "таких надо", "ты не человек", "ошибка природы", "тебя родили зря",
    "тебя надо было", "пустое место", "хуже таракана", "хуже собаки", "хуже крысы", "не должны размножаться",
    "надо усыплять", "в загон", "место на помойке", "тебе место", "как вошь", "в человеческом обличье",
)  # fmt: skip
# Generalising about a group: "все кавказцы звери", "мигранты это мусор".
_GROUP_LEMMAS = frozenset(
    [
        "кавказец", "мусульманин", "еврей", "мигрант", "таджик", "узбек", "цыган", "гей", "транс", "трансгендер",
        "баба", "мужик", "феминистка", "русский", "украинец", "хохол", "грузин", "армянин", "азербайджанец",
        "киргиз", "казах", "чеченец", "дагестанец", "негр", "китаец", "атеист", "православный", "верующий",
        "лесбиянка", "гомосексуалист", "женщина", "мужчина", "приезжий", "беженец", "инвалид", "разведенка",
    ]
)  # fmt: skip
_GROUP_SLURS = frozenset(
    [
        "зверь", "животное", "мусор", "террорист", "больной", "раб", "вор", "козел", "тварь", "грязный",
        "вонючий", "быдло", "скот", "урод", "дикарь", "обезьяна", "паразит", "второсортный", "недочеловек",
        "болезнь", "лечить", "гореть", "позорить", "портить", "пьянь", "свинья", "должный",
    ]
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
    variants = {word, _REPEATS.sub(r"\1", word)}
    return any(_MAT.match(v) or v.startswith(_MAT_STARTS) for v in variants)


# Someone telling what was said to them ("он назвал меня «тупой»") is hurt, not hurting.
_REPORTING = re.compile(
    r"\b(сказал|сказала|сказали|написал|написала|написали|назвал|назвала|назвали|обозвал|обозвала|"
    r"обозвали|крикнул|крикнула|кричал|кричала|бросил|бросила|пробурчал|пробурчала|говорил|говорила|"
    r"говорят|пишут|писал|писала|орал|орала|заявил|заявила|ответил|ответила|прислал|прислала)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"«[^»]*»|\"[^\"]*\"|“[^”]*”|„[^“”]*[“”]")
_LAUGH = re.compile(r"\){2,}|😂|🤣|😆|😄|😁|😜|\bах(ах)+|\bха(ха)+|\bхех", re.IGNORECASE)


def _unreported(text: str) -> str:
    """The message without what it reports others said: quotes, and what follows "он написал"."""
    if not _REPORTING.search(text):
        return text
    text = _QUOTED.sub(" ", text)
    return _REPORTING.split(text, maxsplit=1)[0]


def reported_or_joking(text: str) -> bool:
    """Telling what others said, or laughing along: the learned model must not hold it either."""
    return bool(_REPORTING.search(text) or _LAUGH.search(text))


def classify(text: str) -> Verdict:
    """The verdict on one message (text or caption)."""
    if not text:
        return CLEAN
    text = _unreported(text)
    folded = _fold(text)
    words = _WORD.findall(folded)
    if not words:
        return CLEAN
    categories = set()
    latin_read = fold_latin(text)
    if (
        _LATIN_MAT.search(text.lower())
        or any(w in _MAT_WORDS or _is_mat(w) for w in words)
        or (latin_read and any(w in _MAT_WORDS or _is_mat(w) for w in _WORD.findall(latin_read)))
    ):
        categories.add("obscenity")
    lemmas = [lemma(w.replace("*", "")) for w in words]
    # Aimed at the other person: "ты/вас…", or a short address without "я" ("слушай, урод").
    explicit = any(w in _YOU for w in words)
    aimed = explicit or (len(words) <= 3 and not any(w in _SELF for w in words))
    if any(lem in _HATE_LEMMAS for lem in lemmas):
        categories.add("hate")
    if latin_read:  # "ty debil": the lemmas of the Cyrillic reading count too
        lemmas = lemmas + [lemma(w) for w in _WORD.findall(latin_read)]
        words = words + _WORD.findall(latin_read)
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
    if (
        any(w in _WISH_IMPERATIVES for w in words)
        or any(phrase in plain for phrase in _WISH_PHRASES)
        or (_WISH.search(plain) and any(lem in _HARM_LEMMAS for lem in lemmas))
    ):
        categories.add("threat")
    if any(phrase in plain for phrase in _DEHUMAN_PHRASES) or (
        explicit and any(lem in _DEHUMAN_LEMMAS for lem in lemmas) and not any(w in _SELF for w in words)
    ):
        categories.add("insult")
    generalising = any(w in ("все", "это", "значит", "всех", "всегда", "такие", "эти", "этих") for w in words)
    if (
        generalising
        and any(lem in _GROUP_LEMMAS for lem in lemmas)
        and any(lem in _GROUP_SLURS for lem in lemmas)
    ):
        categories.add("hate")
    if _LAUGH.search(text):  # banter among friends: "ты псих))", "задушу в объятиях)))"
        categories -= {"insult", "threat"}
    return Verdict(frozenset(categories))


def fold_latin(text: str) -> str:
    """A transliterated message ("pizdec", "ty debil") read in Cyrillic; "" when it is not one."""
    folded = read_fold(text)
    return folded if folded != text.lower().replace("ё", "е") else ""


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
