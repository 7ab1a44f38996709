"""The one exception type for bad input.

An :class:`InputError` carries a single human sentence naming the file, row or column and
what to do about it, worded for no front end in particular: when the problem is a value the
user chose, ``option`` names the request field (``start``, ``units``...), and each front end
puts its own name for that field in front of the sentence: the command line its flag
(``--start``), the GUI the label of its control (``Start``). The command line prints it and
exits 2; the GUI shows it in a dialog. Anything else that escapes is a bug and is reported
as one.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad user input: the message is shown to the user verbatim, without a traceback.

    ``option`` is the request field the user should change, ``file``, ``row`` and ``column``
    locate a bad cell; all optional, for front ends that point at the place (and for tests).
    """

    def __init__(
        self,
        message: str,
        *,
        option: str | None = None,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.option = option
        self.file = file
        self.row = row
        self.column = column

    def __str__(self) -> str:
        return self.message

    def worded(self, names: Mapping[str, str]) -> str:
        """The sentence as a front end shows it: its name for ``option`` (from ``names``), then the message."""
        if self.option is None:
            return self.message
        return f"{names.get(self.option, self.option.replace('_', ' '))}: {self.message}"
