"""Anonymous avatars: a colour and an animal emoji, derived from the member's pseudonymous ref."""

from __future__ import annotations

import hashlib

COLOURS = ("🔴", "🟠", "🟡", "🟢", "🔵", "🟣", "🟤", "⚫", "⚪")
ANIMALS = (
    "🦊", "🦉", "🐢", "🐳", "🦋", "🐝", "🐧", "🦔", "🐨", "🦦", "🐿", "🦩",
    "🐙", "🦜", "🐞", "🦌", "🐼", "🦥", "🐌", "🦢", "🐬", "🦭", "🐇", "🦡",
)  # fmt: skip


def avatar_for(ref: str, variant: int = 0) -> str:
    """The avatar of `ref`; each `variant` gives another one (for "another avatar" in /profile)."""
    digest = hashlib.sha256(f"{ref}:{variant}".encode()).digest()
    number = int.from_bytes(digest[:4], "big")
    return COLOURS[number % len(COLOURS)] + ANIMALS[(number // len(COLOURS)) % len(ANIMALS)]


def avatar_next(ref: str, current: str) -> str:
    """A different avatar than `current`, still determined by the ref."""
    for variant in range(1, 50):
        candidate = avatar_for(f"{ref}:{current}", variant)
        if candidate != current:
            return candidate
    return current
