"""Where one app reacts to another app's event: the one registry of cross-app hooks.

Each app connects its reactions in its `AppConfig.ready()`, which every process runs (web,
rq workers, management commands), never in `register(application)`, which only the web process
calls. Core runs the hooks and imports no app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

# The member blocked the bot (Telegram answered 403): called with their chat id.
member_unreachable: list[Callable[[int], Awaitable[None]]] = []
# A member is being erased, inside the erasure transaction: called with the Member.
member_erased: list[Callable[[Any], None]] = []
# A chat session ended (on commit): called with the session id.
session_ended: list[Callable[[int], None]] = []
# Before a message is relayed, in order; a check returning False keeps the message from the
# partner and has already told the sender why. Called with a chats.hooks.Outgoing.
before_relay: list[Callable[[Any], Awaitable[bool]]] = []
# After the partner received a message: called with a chats.hooks.Relayed.
after_relay: list[Callable[[Any], Awaitable[None]]] = []
# Redis keys an after_relay hook will read, fetched in the relay's own round trip and handed to
# it in `Relayed.cached`: called with the Relayed.
after_relay_keys: list[Callable[[Any], list[str]]] = []
# After a member rated a session: (bot, chat_id, member tg id, session_id, score).
after_rating: list[Callable[[Any, int, int, int, int], Awaitable[None]]] = []
# When a web or worker process starts (not management commands): load what the first member's
# update must not wait for (dictionaries, model weights).
process_start: list[Callable[[], None]] = []
# Asked instead of accounts' own check (services.member_seen_talking) whether a member's message
# is theirs to relay: chats answers with the same check and its session lookup in one statement.
# Called with (PTB context, tg_id); the first one answers.
talking_check: list[Callable[[Any, int], Awaitable[bool]]] = []
# Free text an app asked a member for (Member.awaiting = "<app>:<what>"), by app prefix.
awaiting_input: dict[str, Callable[[Any, Any, Any], Awaitable[None]]] = {}


def connect(hooks: list, hook: Callable, *, first: bool = False) -> None:
    """Add `hook` once (ready() may run more than once in tests)."""
    if hook in hooks:
        return
    if first:
        hooks.insert(0, hook)
    else:
        hooks.append(hook)


def process_started() -> None:
    """Run the process_start hooks (config.asgi and the rq worker call this once)."""
    for hook in process_start:
        hook()
