"""Member safety's one detector: crisis tiers, toxicity, and (for the coach) personal details.

Every app asks here — the relay, the coach, reports — so one sentence gets one verdict.
Rules and a learned model sit side by side (see `crisis.py`, `toxicity.py`, `model.py`); the
corpus, its fixed splits and `bench/filters.py` measure them.
"""

from __future__ import annotations

import array
from dataclasses import dataclass, field

from moderation.detector import model, text, toxicity
from moderation.detector.crisis import LIKELY, NONE, POSSIBLE, CrisisVerdict
from moderation.detector.crisis import assess as crisis_assess

__all__ = ["LIKELY", "NONE", "POSSIBLE", "Assessment", "CrisisVerdict", "assess", "crisis_assess", "warm"]


@dataclass(frozen=True)
class Assessment:
    """The verdict on one message. `toxic` ⊆ {obscenity, insult, threat, hate, abuse}."""

    toxic: frozenset[str] = field(default_factory=frozenset)
    crisis: CrisisVerdict = field(default_factory=CrisisVerdict)

    @property
    def is_toxic(self) -> bool:
        return bool(self.toxic)


def toxic_categories(
    message: str,
    *,
    reading: text.Reading | None = None,
    features: array.array | None = None,
    use_rules: bool = True,
    use_model: bool = True,
) -> frozenset[str]:
    """Toxicity: the rules' categories, or "abuse" when only the learned model is sure."""
    categories = toxicity.classify(message).categories if use_rules else frozenset()
    if categories or not use_model or not message:
        return categories
    folded, words, lemmas = reading or text.read(message)
    # The learned part never holds venting about oneself, a report of what others said, or a joke.
    if not toxicity.model_may_judge(message, words):
        return frozenset()
    if features is None:
        features = model.features(words, lemmas, folded)
    score = model.load("toxicity").probability(features)
    return frozenset({"abuse"}) if score >= model.meta("toxicity")["threshold"] else frozenset()


def assess(message: str) -> Assessment:
    """Toxicity and crisis tier of one message (text or caption)."""
    if not message:
        return Assessment()
    # Read and featurised once for both models: this runs on every relayed message.
    reading = text.read(message)
    features = model.features(reading[1], reading[2], reading[0])
    return Assessment(
        toxic_categories(message, reading=reading, features=features),
        crisis_assess(message, reading=reading, features=features),
    )


def warm() -> None:
    """Load dictionaries and weights at process start, not in the first member's request."""
    text.warm()
    model.load("crisis")
    model.load("toxicity")
    model.meta("crisis")
    model.meta("toxicity")
