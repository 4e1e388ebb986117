"""How a round pairs the waiting queue: every pair scored at once, then a matching.

1. `candidate_edges`: every waiting member against every other, vectorised with numpy (shared
   topics are a popcount of topic bit sets; time overlap is a table over the few hundred
   distinct (timezone, windows) classes; the rules and the score are exactly
   `matching.scoring.score`, which stays the readable reference and is tested against this).
   Each member keeps their best `per_member` eligible candidates.
2. `match`: over those edges, an exact maximum-weight matching (networkx blossom) while the pool
   is small enough for it; above that, edges in order of score (a greedy matching: at least half
   the optimum's weight, in practice within a few per cent, see bench/matching.py) followed by
   augmenting paths of length three, which pair members the greedy pass left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from matching import scoring

EXACT_LIMIT = 300  # blossom is cubic: exact up to this many members, greedy + augmentation above
ROW_BLOCK = 64  # rows scored at a time (scratch memory: 3 × ROW_BLOCK × pool)
# Score weight of 0, 1, 2 … shared topics: rules.topics · min(shared / 5, 1) (scoring.score).
_TOPICS_FULL = 5


@dataclass
class Encoded:
    topics: np.ndarray  # n × words: each member's topics as a bit set (no BLAS, no threads)
    high: np.ndarray | None  # words: the high-sensitivity topics' bits, None when there are none
    topic_value: np.ndarray  # shared-topic count → rules.topics · min(count / 5, 1)
    need: np.ndarray  # shared topics each member needs (2 strict, 1 soft)
    time_class: np.ndarray  # index into `overlap`: same timezone, windows and expectations
    overlap: np.ndarray  # class × class: w_time · overlap + w_exp · fit, or -1 (times never meet)
    half_help: np.ndarray  # w/2 · helpfulness: the pair's w · mean is the sum of both
    rules: scoring.Rules
    high_risk: np.ndarray
    strain: np.ndarray  # 0 light, 1 difficult, 2 very hard (scoring.STRAIN)
    very_hard: np.ndarray  # strain == 2


def encode(
    pool: Sequence[scoring.Candidate], high_topics: frozenset[int], rules: scoring.Rules = scoring.SPEC_RULES
) -> Encoded:
    topic_ids = sorted({t for c in pool for t in c.topics})
    topic_index = {t: i for i, t in enumerate(topic_ids)}
    onehot = np.zeros((len(pool) + 1, max(len(topic_ids), 1)), dtype=bool)
    for row, c in enumerate(pool):
        onehot[row, [topic_index[t] for t in c.topics]] = True
    onehot[len(pool), [topic_index[t] for t in topic_ids if t in high_topics]] = True
    bits = _bit_sets(onehot)  # the last row: the high-sensitivity topics
    high = bits[-1] if onehot[-1].any() else None
    counts = np.arange(len(topic_ids) + 1, dtype=np.float32)
    # Time overlap and expectation fit depend only on (timezone, windows, expectations): a few
    # hundred classes, scored once into one table (-1: their times never meet).
    classes: dict[tuple, int] = {}
    members_of: list[scoring.Candidate] = []
    time_class = np.empty(len(pool), dtype=np.int32)
    for row, c in enumerate(pool):
        key = (c.timezone, c.availability, c.expectations)
        if key not in classes:
            classes[key] = len(classes)
            members_of.append(c)
        time_class[row] = classes[key]
    overlap = _overlap_table(members_of, rules)
    return Encoded(
        topics=bits[:-1],
        high=high,
        topic_value=np.minimum(counts, _TOPICS_FULL) * np.float32(rules.topics / _TOPICS_FULL),
        need=np.array([2 if c.strict else 1 for c in pool], dtype=np.float32),
        time_class=time_class,
        overlap=overlap,
        half_help=np.array([rules.helpfulness / 2 * c.helpfulness for c in pool], dtype=np.float32),
        high_risk=np.array([c.high_risk for c in pool], dtype=bool),
        strain=np.array([c.strain for c in pool], dtype=np.int8),
        very_hard=np.array([c.strain == scoring.VERY_HARD for c in pool], dtype=bool),
        rules=rules,
    )


_STRAIN_FACTOR = np.array(scoring.STRAIN_FACTOR, dtype=np.float32)


def _bit_sets(onehot: np.ndarray) -> np.ndarray:
    """Rows of a boolean matrix as bit sets: rows × words of the narrowest unsigned type that
    holds them (one uint16 word for up to 16 topics)."""
    packed = np.packbits(onehot, axis=1)
    width = packed.shape[1]
    size = next((s for s in (1, 2, 4) if s >= width), 8 * -(-width // 8))
    padded = np.zeros((len(onehot), size), dtype=np.uint8)
    padded[:, :width] = packed
    return padded.view(f"<u{min(size, 8)}")


def _popcount_shared(
    bits: np.ndarray, rows: np.ndarray, cols: np.ndarray, mask: np.ndarray | None, out: np.ndarray
) -> None:
    """out[r, c] = how many bits members rows[r] and cols[c] have in common (within `mask`)."""
    out.fill(0)
    for word in range(bits.shape[1]):
        both = bits[rows, word, None] & bits[cols, word][None, :]
        if mask is not None:
            both &= mask[word]
        out += np.bitwise_count(both)


def _overlap_table(members: list[scoring.Candidate], rules: scoring.Rules) -> np.ndarray:
    """rules.time · scoring.time_overlap + rules.expectations · scoring.expectation_fit for every
    pair of classes, -1 where the times never meet; vectorised (classes² can be 10⁵+)."""
    max_gap = rules.max_tz_gap_hours
    parts_of = ("morning", "day", "evening", "night")
    kinds_of = ("weekdays", "weekends")
    tz = np.array([scoring.utc_offset_hours(c.timezone) for c in members], dtype=np.float32)
    parts = np.array([sum(1 << i for i, p in enumerate(parts_of) if p in c.availability) for c in members])
    kinds = np.array([sum(1 << i for i, k in enumerate(kinds_of) if k in c.availability) for c in members])
    gap = np.abs(tz[:, None] - tz[None, :])
    p_a, p_b, k_a, k_b = parts[:, None], parts[None, :], kinds[:, None], kinds[None, :]
    both = (p_a != 0) & (p_b != 0)
    share = np.bitwise_count(p_a & p_b) / np.maximum(np.bitwise_count(p_a | p_b), 1)
    overlap = np.where(both, share, 0.5) * ((1 - gap / (2 * max_gap)) if max_gap else 1)
    never = (gap > max_gap) | (both & ((p_a & p_b) == 0))
    never |= (k_a != 0) & (k_b != 0) & ((k_a & k_b) == 0)
    never |= overlap <= 0
    wants = sorted({e for c in members for e in c.expectations})
    masks = [sum(1 << wants.index(e) for e in c.expectations) for c in members]
    fit_of = {
        (x, y): scoring.expectation_fit(_unmask(x, wants), _unmask(y, wants))
        for x in set(masks)
        for y in set(masks)
    }
    mask = np.array(masks)
    distinct = sorted(set(masks))
    index = np.searchsorted(distinct, mask)
    fits = np.array([[fit_of[x, y] for y in distinct] for x in distinct], dtype=np.float32)
    fit = fits[index[:, None], index[None, :]]
    combined = rules.time * overlap + rules.expectations * fit
    return np.where(never, -1, combined).astype(np.float32)


def _unmask(mask: int, wants: list[str]) -> frozenset[str]:
    return frozenset(w for i, w in enumerate(wants) if mask >> i & 1)


class _Buffers:
    """Scratch memory reused for every block (fresh 10 MB temporaries cost more in page faults
    than the arithmetic itself), handed out as contiguous rows × columns views."""

    def __init__(self, size: int):
        self.shared = np.empty(size, dtype=np.uint8)
        self.tmp = np.empty(size, dtype=np.float32)
        self.refused = np.empty(size, dtype=bool)
        self.flag = np.empty(size, dtype=bool)

    def views(self, count: int, m: int) -> tuple[np.ndarray, ...]:
        return tuple(
            a[: count * m].reshape(count, m) for a in (self.shared, self.tmp, self.refused, self.flag)
        )


def score_block(
    enc: Encoded, rows: np.ndarray, cols: np.ndarray | None = None, buffers: _Buffers | None = None
) -> np.ndarray:
    """Scores (float32) of members `rows` against members `cols` (sorted; all when None); -1 where
    not allowed.

    Same rules and formula as scoring.score; values agree with it to float32 precision (≈1e-7).
    Which pairs were refused stays in `buffers.refused` until the next call with them.
    """
    cols = np.arange(enc.topics.shape[0]) if cols is None else cols
    count, m = len(rows), len(cols)
    buffers = buffers or _Buffers(count * m)
    shared, tmp, refused, flag = buffers.views(count, m)
    score = np.empty((count, m), dtype=np.float32)
    _popcount_shared(enc.topics, rows, cols, None, shared)
    np.take(enc.topic_value, shared, out=score)
    np.take(enc.overlap[enc.time_class[rows]], enc.time_class[cols], axis=1, out=tmp)
    np.less(tmp, 0, out=refused)
    score += tmp
    score += enc.half_help[rows, None]
    score += enc.half_help[None, cols]
    np.maximum(enc.need[rows, None], enc.need[None, cols], out=tmp)
    np.less(shared, tmp, out=flag)
    refused |= flag
    if enc.high is not None:  # a single shared topic that is a crisis topic for both
        high_shared = np.empty_like(shared)
        _popcount_shared(enc.topics, rows, cols, enc.high, high_shared)
        np.equal(high_shared, 1, out=flag)
        flag &= shared == 1
        refused |= flag
    high_risk, very_hard = enc.high_risk[cols], enc.very_hard[cols]
    for r in np.flatnonzero(enc.high_risk[rows]):  # never two people in acute crisis (rare)
        refused[r] |= high_risk
        refused[r] |= very_hard  # nor acute crisis with "very hard right now"
    if high_risk.any():
        np.logical_and(enc.very_hard[rows, None], high_risk[None, :], out=flag)
        refused |= flag
    if enc.strain.any():  # the steadier side's strain discounts the pair (scoring.STRAIN_FACTOR)
        score *= _STRAIN_FACTOR[np.minimum(enc.strain[rows, None], enc.strain[None, cols])]
    at = np.minimum(np.searchsorted(cols, rows), m - 1)  # not with oneself
    itself = np.flatnonzero(cols[at] == rows)
    refused[itself, at[itself]] = True
    np.putmask(score, refused, -1)
    return score


def candidate_edges(
    pool: Sequence[scoring.Candidate],
    *,
    excluded: set[tuple[int, int]],
    high_topics: frozenset[int],
    per_member: int = 8,
    rules: scoring.Rules = scoring.SPEC_RULES,
) -> tuple[list[tuple[int, int, float]], set[int]]:
    """Each member's best `per_member` candidates as edges (i < j, score), and who had any.

    Rows are scored a time class at a time, against only the members whose times can meet
    theirs (about a third of the pool): the other pairs are refused whatever else they share.
    """
    enc = encode(pool, high_topics, rules)
    n = len(pool)
    if min(per_member, n - 1) <= 0:
        return [], set()
    position = {c.member_id: i for i, c in enumerate(pool)}
    banned: dict[int, list[int]] = {}
    for a, b in excluded:
        if a in position and b in position:
            banned.setdefault(position[a], []).append(position[b])
            banned.setdefault(position[b], []).append(position[a])
    # Equal scores are common; a fixed pseudo-random tie-break (below the scores' precision)
    # spreads the chosen candidates instead of piling them on the same few members.
    rng = np.random.default_rng(n)
    size = min(ROW_BLOCK, n) * n
    jitter = rng.random(size, dtype=np.float32) * np.float32(1e-7)
    # Refused pairs are ranked at distinct values below -1: thousands of equal -1s would make
    # the partition below several times slower.
    floor = np.float32(-2) + rng.random(size, dtype=np.float32)
    found_i, found_j, found_v = [], [], []
    buffers = _Buffers(size)
    order = np.argsort(enc.time_class, kind="stable")
    for members in np.split(order, np.flatnonzero(np.diff(enc.time_class[order])) + 1):
        cols = np.flatnonzero(enc.overlap[enc.time_class[members[0]]][enc.time_class] >= 0)
        k = min(per_member, len(cols) - 1)
        if k <= 0:
            continue
        for start in range(0, len(members), ROW_BLOCK):
            rows = members[start : start + ROW_BLOCK]
            block = score_block(enc, rows, cols, buffers)
            count, m = block.shape
            _, ranked, refused, flag = buffers.views(count, m)
            for r, i in enumerate(rows.tolist()):
                if i in banned:
                    at = np.intersect1d(cols, banned[i], return_indices=True)[1]
                    block[r, at], refused[r, at] = -1, True
            np.add(block, jitter[: count * m].reshape(count, m), out=ranked)
            np.copyto(ranked, floor[: count * m].reshape(count, m), where=refused)
            # Each row's k-th best value (a partition of values is 4× cheaper than argpartition),
            # then the few entries at or above it; ties at the threshold are cut to k below.
            kth = np.partition(ranked, m - k, axis=1)[:, m - k]
            np.greater_equal(ranked, np.maximum(kth, 0)[:, None], out=flag)
            r, j = np.divmod(np.flatnonzero(flag), m)
            if len(r) > count * k:
                r, j = _first_k_per_row(r, j, ranked, k)
            found_i.append(rows[r])
            found_j.append(cols[j])
            found_v.append(block[r, j])
    if not found_i:
        return [], set()
    i_all, j_all = np.concatenate(found_i), np.concatenate(found_j)
    v_all = np.round(np.concatenate(found_v).astype(np.float64), 6)
    low, high = np.minimum(i_all, j_all), np.maximum(i_all, j_all)
    _, first = np.unique(low.astype(np.int64) * n + high, return_index=True)
    edges = list(zip(low[first].tolist(), high[first].tolist(), v_all[first].tolist(), strict=True))
    connected = {pool[i].member_id for i in np.unique(i_all).tolist()}
    return edges, connected


def _first_k_per_row(r: np.ndarray, j: np.ndarray, ranked: np.ndarray, k: int):
    """Of the entries (r, j), each row's k best by `ranked` (rows sorted, as np.nonzero gives)."""
    order = np.lexsort((-ranked[r, j], r))
    r, j = r[order], j[order]
    starts = np.searchsorted(r, r, side="left")
    keep = np.arange(len(r)) - starts < k
    return r[keep], j[keep]


def match(
    edges: list[tuple[int, int, float]],
    n: int,
    *,
    priority: Sequence[float] | None = None,
    exact: bool = True,
):
    """A matching over the candidate edges: [(i, j, score)]. `priority` (per member, ≥ 0) is
    added to the weight of that member's edges, so requeued members are served first.
    Exact (blossom) while n ≤ EXACT_LIMIT unless `exact` is off."""
    bonus = priority or [0.0] * n

    def weight(i: int, j: int, value: float) -> float:
        return value + bonus[i] + bonus[j]

    if exact and n <= EXACT_LIMIT:
        graph = nx.Graph()
        for i, j, value in edges:
            graph.add_edge(i, j, weight=weight(i, j, value), score=value)
        return [(i, j, graph[i][j]["score"]) for i, j in nx.max_weight_matching(graph)]
    if not edges:
        return []
    first, second, values = (np.array(column) for column in zip(*edges, strict=True))
    extra = np.asarray(bonus, dtype=np.float64)
    order = np.lexsort((second, first, -(values + extra[first] + extra[second])))
    first, second, values = first[order], second[order], values[order]
    size = int(max(first.max(), second.max())) + 1
    mate = [-1] * size
    for i, j in zip(first.tolist(), second.tolist(), strict=True):
        if mate[i] < 0 and mate[j] < 0:
            mate[i], mate[j] = j, i
    # Each member's neighbours in the edges' order (both directions, stable by position).
    position = np.arange(len(first))
    source = np.concatenate((first, second))
    by_source = np.lexsort((np.concatenate((position, position)), source))
    neighbours = np.concatenate((second, first))[by_source].tolist()
    bounds = np.searchsorted(source[by_source], np.arange(size + 1)).tolist()
    seen_at = np.full(size, len(first))
    np.minimum.at(seen_at, source, np.concatenate((position, position)))

    def adjacent(u: int) -> list[int]:
        return neighbours[bounds[u] : bounds[u + 1]]

    # Augmenting paths u – v = w – x (u, x free): swap to u = v, w = x, one more pair.
    for u in np.argsort(seen_at, kind="stable").tolist():
        if mate[u] >= 0 or bounds[u] == bounds[u + 1]:
            continue
        for v in adjacent(u):
            w = mate[v]
            if w < 0:
                mate[u], mate[v] = v, u
                break
            x = next((x for x in adjacent(w) if x != u and mate[x] < 0), None)
            if x is not None:
                mate[u], mate[v], mate[w], mate[x] = v, u, x, w
                break
    value_of = dict(zip(zip(first.tolist(), second.tolist(), strict=True), values.tolist(), strict=True))
    return [(i, j, value_of.get((i, j), value_of.get((j, i)))) for i, j in enumerate(mate) if 0 <= i < j]
