"""FactorDesk entry point: the GUI by default, the command line when given a subcommand.

Kept thin on purpose: it only decides which front end to start (or prints ``--version``).
Heavy imports happen in the front ends, and statsmodels, wrds and pandas-datareader only when
first used.
"""

from __future__ import annotations

import sys

GUI_FLAGS = ("--screenshot", "--selftest")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--version"]:
        from gui.resources import versions_line

        print(versions_line())
        return 0
    if not argv or argv[0] in GUI_FLAGS or argv[0].startswith(tuple(f + "=" for f in GUI_FLAGS)):
        from gui.app import run_gui

        return run_gui(argv)
    from cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
