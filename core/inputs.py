"""Free-text input that an app asked a member for (Member.awaiting = "<app>:<what>").

Apps register an async handler per prefix from their register(); the accounts app's message
handler dispatches to it, so one handler decides who consumes a non-command message.
"""

from collections.abc import Awaitable, Callable
from typing import Any

AwaitingHandler = Callable[[Any, Any, Any], Awaitable[None]]

awaiting_handlers: dict[str, AwaitingHandler] = {}
