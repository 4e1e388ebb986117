"""Crisis language: rules that name what a person in danger says, and a learned score beside them.

Two tiers (issue 16):
- "likely": a rule names it (intent, plan, means, farewell, self-harm, danger now), nothing in the
  message sets it at a distance (media, work, one's past, someone else's story, a reassurance, a
  joke) and the learned model does not read it as harmless; or the model alone is very sure.
  → the crisis step for the sender, a card for the partner, a high-risk flag, moderators alerted.
- "possible": a rule hit at a distance that the model still finds plausible, or the model alone
  fairly sure. → a gentle private check-in for the sender; nobody else is told.
Rules (`crisis_words.py`) match the lemmas ("уйти из жизнь"), so every form counts; the model
(`model.py`) carries typos, slang and phrasings no rule lists. Thresholds come from out-of-fold
scores over train + dev (`detector_train`), never from test or the fresh sets.
"""

from __future__ import annotations

import array
import functools
from dataclasses import dataclass

from moderation.detector import crisis_words as W
from moderation.detector import model, text

NONE, POSSIBLE, LIKELY = "none", "possible", "likely"


@dataclass(frozen=True)
class CrisisVerdict:
    tier: str = NONE  # none | possible | likely
    kind: str = ""  # the rule's kind, or "model"
    score: float = 0.0  # the learned model's probability

    @property
    def likely(self) -> bool:
        return self.tier == LIKELY

    @property
    def any(self) -> bool:
        return self.tier != NONE


@functools.lru_cache(maxsize=text.WORD_CACHE)
def _past_verb(word: str) -> bool:
    tag = text.morph().parse(word)[0].tag
    return "VERB" in tag and "past" in tag


def _marked(view: str, markers=W.CONTEXT) -> bool:
    # Only the few characters before a marker can deny it (a whole prefix per marker is quadratic).
    return any(not W.DENIED.search(view[max(m.start() - 12, 0) : m.start()]) for m in markers.finditer(view))


def distance(raw: str, words: tuple[str, ...], lemmas: tuple[str, ...], kind: str = "") -> str:
    """Why a rule hit may be talk *about* the topic: "context", "joke", "story", or ""."""
    joined = " ".join(lemmas)
    if W.RELAPSE.search(joined):
        return ""
    if _marked(joined, W.SETTLED) or _marked(" ".join(words), W.SETTLED):
        return "context"
    if W.NOW.search(joined):
        return ""
    # Lemmas lose some markers ("раньше" → "ранний", "было время" → "быть время"): the words keep them.
    if _marked(joined) or _marked(" ".join(words)):
        return "context"
    if W.JOKE.search(raw):
        return "joke"
    # Danger is always about another person: a story is only a story for the other kinds.
    if kind != "danger" and W.OTHERS.search(joined) and any(_past_verb(w) for w in words):
        return "story"
    return ""


def rule_kind(reading: text.Reading) -> str:
    """The kind of the first rule the message matches once idioms are set aside: word rules on the
    lemmas and on the words as written, then text rules on the folded text (emoji, punctuation)."""
    folded, words, lemmas = reading
    views = (" ".join(lemmas), " ".join(words))
    if not any(rule.search(view) for _, rule in W.RULES for view in views) and not any(
        rule.search(folded) for _, rule in W.TEXT_RULES
    ):
        return ""
    cleaned = [W.IDIOMS.sub(" # ", view) for view in views]
    kind = next((kind for kind, rule in W.RULES if any(rule.search(view) for view in cleaned)), "")
    return kind or next((kind for kind, rule in W.TEXT_RULES if rule.search(W.IDIOMS.sub(" # ", folded))), "")


def ruled(message: str, reading: text.Reading) -> tuple[str, str]:
    """(the rule's kind or "", the distance marker or "") of one read message."""
    _, words, lemmas = reading
    kind = rule_kind(reading)
    return kind, distance(message, words, lemmas, kind) if kind else ""


def thresholds() -> dict:
    return model.meta("crisis")


def assess(
    message: str,
    *,
    reading: text.Reading | None = None,
    features: array.array | None = None,
    use_rules: bool = True,
    use_model: bool = True,
) -> CrisisVerdict:
    """The crisis tier of one message (text or caption); `reading` and `features` when the caller
    already has `text.read(message)` and `model.features` of it. The flags exist for the ablation."""
    if not message:
        return CrisisVerdict()
    folded, words, lemmas = reading or text.read(message)
    if not words:  # a drawn means (💊 🔪 🪢 …) is already a word here: text.read spells it
        return CrisisVerdict()
    limits = thresholds()
    if features is None and use_model:
        features = model.features(words, lemmas, folded)
    score = model.load("crisis").probability(features) if use_model else 1.0
    # A rule only counts once the model does not read the text as harmless (and it is the slow part).
    consult = use_rules and score >= limits["veto"]
    kind, far = ruled(message, (folded, words, lemmas)) if consult else ("", "")
    if not use_model:  # the rules alone (ablation): a hit counts unless it is talk about the topic
        return CrisisVerdict(LIKELY, kind, score) if kind and not far else CrisisVerdict()
    if kind and not far and score >= limits["veto"]:
        return CrisisVerdict(LIKELY, kind, score)
    if kind and far and score >= limits["distant"]:
        return CrisisVerdict(LIKELY if score >= limits["likely"] else POSSIBLE, kind, score)
    if score >= limits["likely"]:
        return CrisisVerdict(LIKELY, "model", score)
    if score >= limits["possible"]:
        return CrisisVerdict(POSSIBLE, "model", score)
    return CrisisVerdict(score=score)
