"""The one error type of the chat-command grammar: a user mistake, told back in Korean."""

from __future__ import annotations


class CommandError(Exception):
    """A malformed command. It names the field the user got wrong and shows a valid line.

    ``field`` is the Korean field name (e.g. ``"시간"``, ``"요일"``, ``"ID"``) or, for an
    unknown form key, the key exactly as typed. ``message`` is Korean and says what is wrong;
    ``example`` is one valid line the user can copy.
    """

    def __init__(self, field: str | None, message: str, example: str | None = None) -> None:
        super().__init__(field, message, example)
        self.field = field
        self.message = message
        self.example = example

    def __str__(self) -> str:
        return self.reply_text()

    def reply_text(self) -> str:
        """The chat reply, e.g. ``❌ 시간: '25:00'은 ...`` plus an ``예)`` line."""
        head = f"❌ {self.field}: {self.message}" if self.field else f"❌ {self.message}"
        return f"{head}\n예) {self.example}" if self.example else head
