"""The one exception type for bad input.

An :class:`InputError` carries a single human sentence naming the file, row or column and
what to do about it. The command line prints it and exits 2; the GUI shows it in a dialog.
Anything else that escapes is a bug and is reported as one.
"""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad user input: the message is shown to the user verbatim, without a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

