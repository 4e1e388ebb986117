"""The learned part of the detector: logistic regression over hashed character and lemma n-grams.

Character n-grams of each word carry typos, slang and word forms nobody listed ("резаться",
"порезалась", "рeзатьcя"); lemma uni- and bigrams carry the phrase ("уйти из жизнь"). Features
are hashed (crc32, stable across processes) into a fixed space, so the weights are one small
array trained by `manage.py detector_train` from the corpus in the repo, never downloaded.
"""

from __future__ import annotations

import functools
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.detector import concepts, text

DIMS = 1 << 18
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def _h(feature: str) -> int:
    return zlib.crc32(feature.encode()) & (DIMS - 1)


@functools.lru_cache(maxsize=text.WORD_CACHE)
def _word_features(word: str) -> np.ndarray:
    """Character 3-, 4- and 5-grams of one word, hashed (cached: words repeat, messages don't;
    an int32 array is a fifth of the memory of a tuple of ints)."""
    padded = f"<{word}>"
    return np.array(
        [_h(f"c{n}:{padded[i : i + n]}") for n in (3, 4, 5) for i in range(max(len(padded) - n + 1, 1))],
        dtype=np.int32,
    )


def features(words: tuple[str, ...], lemmas: tuple[str, ...], folded: str = "") -> np.ndarray:
    """Hashed feature indices of one message (with repeats: counts)."""
    # Length as a feature: two words carry less evidence than twenty (calibrates short messages).
    out: list[int] = [_h(f"n:{min(len(words), 8)}")] * 3
    tagged = concepts.of_message(folded, words, lemmas)
    seen = [c for tags in tagged for c in tags]
    out.extend(_h(f"k:{c}") for c in set(seen))
    # Concepts in order within a short window: WANT → DIE, SWALLOW → PILLS, PERSON → THREAT.
    flat = [(i, c) for i, tags in enumerate(tagged) for c in tags]
    out.extend(
        _h(f"kk:{a}>{b}")
        for n, (i, a) in enumerate(flat)
        for j, b in flat[n + 1 :]
        if 0 < j - i <= 3 and a != b
    )
    out.extend(_h(f"l:{lem}") for lem in lemmas)
    out.extend(_h(f"b:{a} {b}") for a, b in zip(lemmas, lemmas[1:], strict=False))
    out.extend(_h(f"s:{a} {c}") for a, c in zip(lemmas, lemmas[2:], strict=False))
    return np.concatenate([np.array(out, dtype=np.int64), *(_word_features(word) for word in words)])


@dataclass(frozen=True)
class LinearModel:
    weights: np.ndarray  # float32, DIMS
    bias: float

    def probability(self, indices: np.ndarray) -> float:
        if indices.size == 0:
            return 1 / (1 + math.exp(-self.bias))
        # Each message's feature vector is L2-normalised counts: sum(w[i]) / sqrt(n).
        score = float(self.weights[indices].sum()) / math.sqrt(indices.size) + self.bias
        return 1 / (1 + math.exp(-score))


def train(
    samples: list[np.ndarray], labels: np.ndarray, *, l2: float = 1e-4, epochs: int = 400
) -> LinearModel:
    """Full-batch Adam on the logistic loss with L2; deterministic."""
    offsets = np.cumsum([0] + [s.size for s in samples[:-1]])
    flat = np.concatenate(samples)
    scale = np.repeat(1 / np.sqrt(np.maximum([s.size for s in samples], 1)), [s.size for s in samples])
    owner = np.repeat(np.arange(len(samples)), [s.size for s in samples])
    y = labels.astype(np.float64)
    # Balance the classes: each side weighs the same in the loss.
    positive = y.mean()
    sample_weight = np.where(y == 1, 0.5 / positive, 0.5 / (1 - positive)) / len(y)
    w = np.zeros(DIMS)
    b = 0.0
    m_w, v_w, m_b, v_b = np.zeros(DIMS), np.zeros(DIMS), 0.0, 0.0
    rate, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    for step in range(1, epochs + 1):
        scores = np.add.reduceat(w[flat] * scale, offsets) + b
        p = 1 / (1 + np.exp(-scores))
        residual = (p - y) * sample_weight
        grad_w = np.bincount(flat, weights=residual[owner] * scale, minlength=DIMS) + l2 * w
        grad_b = residual.sum()
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        correction = math.sqrt(1 - beta2**step) / (1 - beta1**step)
        w -= rate * correction * m_w / (np.sqrt(v_w) + eps)
        b -= rate * correction * m_b / (math.sqrt(v_b) + eps)
    return LinearModel(w.astype(np.float32), float(b))


def save(model: LinearModel, name: str, *, meta: dict) -> Path:
    path = WEIGHTS_DIR / f"{name}.npz"
    nonzero = np.flatnonzero(np.abs(model.weights) > 1e-6).astype(np.int32)
    np.savez_compressed(
        path, index=nonzero, value=model.weights[nonzero].astype(np.float16), bias=model.bias, **meta
    )
    return path


@functools.cache
def load(name: str) -> LinearModel:
    with np.load(WEIGHTS_DIR / f"{name}.npz") as data:
        weights = np.zeros(DIMS, dtype=np.float32)
        weights[data["index"]] = data["value"].astype(np.float32)
        return LinearModel(weights, float(data["bias"]))


@functools.cache
def meta(name: str) -> dict:
    with np.load(WEIGHTS_DIR / f"{name}.npz") as data:
        return {k: data[k].item() for k in data.files if k not in ("index", "value", "bias")}
