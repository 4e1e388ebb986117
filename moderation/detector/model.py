"""The learned part of the detector: logistic regression over hashed character and lemma n-grams.

Character n-grams of each word carry typos, slang and word forms nobody listed ("резаться",
"порезалась", "рeзатьcя"); lemma uni- and bigrams carry the phrase ("уйти из жизнь"). Features
are hashed (crc32, stable across processes) into a fixed space, so the weights are one small
array trained by `manage.py detector_train` from the corpus in the repo, never downloaded.

Reading a message and scoring it needs no numpy (the standard library's `array`): a web process
would carry 18 MiB of numpy for a sum over a few hundred weights. Training (numpy) is in `training.py`.
"""

from __future__ import annotations

import array
import ast
import functools
import math
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from moderation.detector import concepts, text

DIMS = 1 << 18
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def _h(feature: str) -> int:
    return zlib.crc32(feature.encode()) & (DIMS - 1)


@functools.lru_cache(maxsize=text.WORD_CACHE)
def _word_features(word: str) -> array.array:
    """Character 3-, 4- and 5-grams of one word, hashed (cached: words repeat, messages don't;
    an int32 array is a fifth of the memory of a tuple of ints)."""
    padded = f"<{word}>"
    return array.array(
        "i", [_h(f"c{n}:{padded[i : i + n]}") for n in (3, 4, 5) for i in range(max(len(padded) - n + 1, 1))]
    )


def features(words: tuple[str, ...], lemmas: tuple[str, ...], folded: str = "") -> array.array:
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
    indices = array.array("i", out)
    for word in words:
        indices.extend(_word_features(word))
    return indices


@dataclass(frozen=True)
class LinearModel:
    weights: array.array  # float32 ("f"), DIMS of them
    bias: float

    def probability(self, indices: array.array) -> float:
        if not len(indices):
            return 1 / (1 + math.exp(-self.bias))
        # Each message's feature vector is L2-normalised counts: sum(w[i]) / sqrt(n).
        score = math.fsum(map(self.weights.__getitem__, indices)) / math.sqrt(len(indices)) + self.bias
        return 1 / (1 + math.exp(-score))


# The .npy formats in an .npz (numpy's own, little-endian): what their fields decode as here.
_STRUCT = {"<i4": "i", "<i8": "q", "<f2": "e", "<f4": "f", "<f8": "d"}


def _arrays(path: Path) -> dict[str, tuple]:
    """Every array of an .npz written by `training.save`, as a tuple of Python numbers."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            raw = archive.read(member)
            size_bytes = 2 if raw[6] == 1 else 4  # format 1.0: a 2-byte header length; 2.0 and 3.0: 4
            start = 8 + size_bytes
            length = int.from_bytes(raw[8:start], "little")
            header = ast.literal_eval(raw[start : start + length].decode("latin-1"))
            code = _STRUCT[header["descr"]]
            body = raw[start + length :]
            out[member.removesuffix(".npy")] = struct.unpack(
                f"<{len(body) // struct.calcsize(code)}{code}", body
            )
    return out


@functools.cache
def load(name: str) -> LinearModel:
    data = _arrays(WEIGHTS_DIR / f"{name}.npz")
    weights = array.array("f", bytes(4 * DIMS))
    for index, value in zip(data["index"], data["value"], strict=True):
        weights[index] = value
    return LinearModel(weights, data["bias"][0])


@functools.cache
def meta(name: str) -> dict:
    data = _arrays(WEIGHTS_DIR / f"{name}.npz")
    return {k: v[0] for k, v in data.items() if k not in ("index", "value", "bias")}
