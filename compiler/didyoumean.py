"""Suggestions for typos, by edit distance (as HCL's didyoumean)."""

from __future__ import annotations

from typing import Iterable


def distance(a: str, b: str, limit: int = 8) -> int:
    """Optimal string alignment distance (Levenshtein plus transpositions), capped at ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate within a third of the word's length (at least 1, at most 3)."""
    word_l = word.lower()
    ranked = sorted((distance(word_l, c.lower()), abs(len(c) - len(word)), c) for c in set(candidates))
    best = (ranked[0][0], ranked[0][2]) if ranked else None
    if best is None:
        return None
    limit = max(1, min(3, len(word) // 3))
    candidate = best[1].lower()
    if best[0] <= limit or (len(word) >= 3 and word_l in candidate) or (len(candidate) >= 3 and candidate in word_l):
        return best[1]
    return None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"did you mean `x`?"`` or an empty string."""
    guess = suggest(word, candidates)
    return f"did you mean `{guess}`?" if guess else ""


def one_of(candidates: Iterable[str]) -> str:
    names = [f"`{c}`" for c in sorted(set(candidates))]
    if not names:
        return "nothing is defined"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]
