"""The ``crm`` command: the console script's entry point, and ``python -m termcrm``."""

from __future__ import annotations

import gc
import threading

STARTUP_GRACE = 1.0
"""Seconds a command runs without the cyclic garbage collector."""


def pause_gc_while_starting(seconds: float = STARTUP_GRACE) -> None:
    """Turn the cyclic garbage collector off for the first ``seconds`` of the process.

    Starting a command builds hundreds of thousands of long-lived objects
    (modules, SQLAlchemy's and Typer's machinery, the tables); the collector
    walks them again and again while they are made and frees almost nothing,
    which costs a one-shot command a tenth of its time. Reference counting
    still frees everything else at once. A command that runs longer (an
    import, the TUI) gets the collector back after ``seconds``.
    """
    gc.disable()
    timer = threading.Timer(seconds, gc.enable)
    timer.daemon = True
    timer.start()


def main() -> None:
    """Run ``crm`` with the arguments of this process."""
    pause_gc_while_starting()
    from termcrm.cli import main as run

    run()


if __name__ == "__main__":
    main()
