"""One error type for everything a user can get wrong, so the CLI can print it in one line."""

from __future__ import annotations


class GongkaiError(Exception):
    """A problem with the user's input: names the file and, where there is one, the line."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.message}"
