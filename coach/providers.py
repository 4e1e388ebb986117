"""Hint providers behind one small interface: offline Russian rules, and an OpenAI-compatible API.

Both see only anonymized context lines and return a `Hint` or None. Crisis is decided by the
safety detector (`moderation.detector`, the crisis card goes first); the API only rephrases
ordinary situations.
"""

from __future__ import annotations

import functools
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
import structlog
from django.conf import settings

from core.messaging import render
from moderation import detector
from moderation.detector.personal import PLACEHOLDER_RE, anonymize

log = structlog.get_logger(__name__)

SILENCE_SECONDS = 10 * 60

PAIN = re.compile(
    r"тяжел|больно|боль\b|плохо|одинок|страшно|боюсь|устал|плач|плакал|слёз|слез|тоск|пуст[оа]"
    r"|не\s+могу|не\s+справляюсь|ненавижу|невыносим|потерял|умер|умерла|похорон|развод|бросил|бросила"
    r"|грустн|тревог|паник|выгор|нет\s+сил|опустил",
    re.IGNORECASE,
)
ADVICE = re.compile(
    r"\bтебе\s+(?:надо|нужно|стоит|следует)|\bты\s+должн|\bпросто\s+(?:не|забей|отпусти|возьми)"
    r"|\bсоветую|\bпопробуй\b|\bзабей\b|\bне\s+парься|\bвыкинь\s+из\s+головы|\bхватит\b|\bлучше\s+бы\s+ты"
    r"|\bа\s+ты\s+не\s+пробовал|\bна\s+твоём\s+месте",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Line:
    """One anonymized message of the session's window, seen from the member who gets the hint."""

    mine: bool
    text: str
    at: float


@dataclass(frozen=True)
class Hint:
    """What to try (advice), why it helps (why), and an example phrase the member may copy and
    rewrite in their own words; the bot never sends it for them."""

    situation: str
    key: str
    advice: str
    phrase: str
    provider: str
    fallback: bool = False
    why: str = ""


class Provider(Protocol):
    name: str

    def suggest(self, lines: list[Line], *, now: float) -> Hint | None: ...


def detect(lines: list[Line], *, now: float) -> str | None:
    """The situation the member is in, judged from the last messages (None: nothing to suggest)."""
    if not lines:
        return None
    # The one safety detector decides, as on the relay: where the relay opens the crisis step
    # ("likely"), the coach shows its crisis card; a "possible" is pain shared, answered with care.
    if any(detector.crisis_assess(line.text).likely for line in lines[-3:]):
        return "crisis"
    last = lines[-1]
    theirs = [line for line in lines if not line.mine]
    mine = [line for line in lines if line.mine]
    if last.mine and ADVICE.search(last.text):
        earlier_pain = any(PAIN.search(line.text) for line in lines[-4:-1] if not line.mine)
        if earlier_pain and len([line for line in lines[-4:] if line.mine]) <= 2:
            return "advice"
    if not last.mine and PAIN.search(last.text):
        return "pain"
    question = next(
        (i for i in range(len(lines) - 1, -1, -1) if not lines[i].mine and "?" in lines[i].text), None
    )
    if question is not None:
        after = lines[question + 1 :]
        if len(after) >= 2 and all(line.mine for line in after):
            return "unanswered"
    if not last.mine and theirs:
        previous_mine = mine[-1].at if mine else None
        if previous_mine is not None and last.at - previous_mine >= SILENCE_SECONDS:
            return "silence"
        if now - last.at >= SILENCE_SECONDS:
            return "silence"
    if len(lines) >= 6 and len(mine) >= 3 and not any("?" in line.text for line in mine[-3:]):
        return "no_questions"
    return None


@functools.cache
def catalog() -> dict[str, list[tuple[str, str, str, str]]]:
    """Hint templates from templates/bot/coach/hints.txt: "situation.n = advice || why || phrase"."""
    hints: dict[str, list[tuple[str, str, str, str]]] = {}
    for directory in settings.TEMPLATES[0]["DIRS"]:
        path = Path(directory, "bot", "coach", "hints.txt")
        if not path.exists():
            continue
        for raw in path.read_text(encoding="utf-8").splitlines():
            key, sep, body = raw.partition("=")
            if not sep or raw.lstrip().startswith("#"):
                continue
            advice, why, phrase = (part.strip() for part in body.split("||", 2))
            situation = key.strip().split(".", 1)[0]
            hints.setdefault(situation, []).append((key.strip(), advice, why, phrase))
    return hints


def situation_why(situation: str) -> str:
    """Why the first offline hint of a situation helps (for an API hint that gave no reason)."""
    return catalog()[situation][0][2]


COPY_TEXT_MAX = 256  # Telegram's limit for a copy-text button


def _words(text: str) -> list[str]:
    return re.findall(r"[а-яёa-z0-9]+", text.lower().replace("ё", "е"))


def phrase_adopted(text: str, phrase: str) -> bool:
    """Whether a member's message is the hint's phrase, copied and maybe edited: most of the
    phrase's words are in it (any order, a name or a word changed or added)."""
    wanted = set(_words(phrase))
    if len(wanted) < 3:
        return False
    said = set(_words(text))
    return len(wanted & said) >= 0.6 * len(wanted)


class OfflineProvider:
    """Rule-based Russian hints: no network, no model, the same input gives a hint from templates."""

    name = "offline"

    def suggest(self, lines: list[Line], *, now: float) -> Hint | None:
        situation = detect(lines, now=now)
        if situation is None:
            return None
        return self.hint_for(situation)

    def hint_for(self, situation: str, *, fallback: bool = False) -> Hint:
        key, advice, why, phrase = random.choice(catalog()[situation])
        return Hint(situation, key, advice, phrase, self.name, fallback=fallback, why=why)


MEDICAL_OR_LEGAL = re.compile(
    r"диагноз|диагност|депресси|биполяр|шизо|расстройств|антидепрессант|таблетк|препарат|дозировк"
    r"|лекарств|\bмг\b|рецепт|лечени|лечит|терапи|психиатр|\bсуд\b|суде|судом|адвокат|юрист|\bиск(?:а|ом|и|ов)?\b"
    r"|закон|статья\s+ук|полици|заявлени",
    re.IGNORECASE,
)


def is_safe_text(text: str) -> bool:
    """No placeholder, no personal detail, no medical, diagnostic or legal content."""
    return (
        bool(text.strip())
        and not PLACEHOLDER_RE.search(text)
        and anonymize(text) == text
        and not MEDICAL_OR_LEGAL.search(text)
    )


class OpenAIProvider:
    """An OpenAI-compatible /chat/completions endpoint; any error falls back to the offline rules."""

    name = "openai"

    def __init__(self, *, base_url: str, api_key: str, model: str, timeout: float):
        self.base_url, self.api_key, self.model, self.timeout = base_url.rstrip("/"), api_key, model, timeout
        self.offline = OfflineProvider()

    def suggest(self, lines: list[Line], *, now: float) -> Hint | None:
        situation = detect(lines, now=now)
        if situation is None:
            return None
        if situation == "crisis":
            return self.offline.hint_for(situation)
        try:
            advice, why, phrase = self._ask(lines, situation)
        except Exception as exc:  # noqa: BLE001 - any failure of the API means offline hints
            log.info("coach.llm_fallback", error=type(exc).__name__, situation=situation)
            return self.offline.hint_for(situation, fallback=True)
        return Hint(situation, "llm", advice, phrase, self.name, why=why or situation_why(situation))

    def _ask(self, lines: list[Line], situation: str) -> tuple[str, str, str]:
        dialogue = "\n".join(
            f"{'Я' if line.mine else 'Собеседник'}: {line.text}" for line in lines
        )  # already anonymized when it was kept
        body = {
            "model": self.model,
            "temperature": 0.4,
            "max_tokens": 200,
            "messages": [
                {"role": "system", "content": render("coach/llm_system")},
                {
                    "role": "user",
                    "content": render("coach/llm_user", {"dialogue": dialogue, "situation": situation}),
                },
            ],
        }
        response = httpx.post(
            f"{self.base_url}/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=httpx.Timeout(self.timeout),
        )
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
        data = json.loads(content.strip().removeprefix("```json").removeprefix("```").removesuffix("```"))
        advice, phrase = str(data["advice"]).strip(), str(data["phrase"]).strip()
        why = str(data.get("why") or "").strip()  # optional: the situation's own reason otherwise
        if not (
            advice and phrase and len(advice) <= 300 and len(why) <= 300 and len(phrase) <= COPY_TEXT_MAX
        ):
            raise ValueError("bad length")
        if not all(is_safe_text(text) for text in (advice, phrase, *([why] if why else []))):
            raise ValueError("unsafe output")
        return advice, why, phrase


def provider_for(*, use_llm: bool) -> Provider:
    if use_llm and settings.COACH_OPENAI_BASE_URL:
        return OpenAIProvider(
            base_url=settings.COACH_OPENAI_BASE_URL,
            api_key=settings.COACH_OPENAI_API_KEY,
            model=settings.COACH_OPENAI_MODEL,
            timeout=settings.COACH_OPENAI_TIMEOUT,
        )
    return OfflineProvider()
