"""The environment every benchmark runs its processes in.

A user's installed copy runs from compiled bytecode: pip writes ``.pyc`` files
for a wheel at install time, and an editable install writes them on its first
run. Some shells set ``PYTHONDONTWRITEBYTECODE``, which would make every timed
process recompile termcrm's own modules from source (about 100 ms a start),
while the floor's modules (typer, sqlmodel) come from compiled site-packages.
So the benchmarks drop that variable and compile the package once before
timing, to compare like with like.
"""

from __future__ import annotations

import compileall
import os
from pathlib import Path

import termcrm


def bench_env(**extra: str) -> dict[str, str]:
    """``os.environ`` plus ``extra``, without PYTHONDONTWRITEBYTECODE, with termcrm compiled."""
    compileall.compile_dir(Path(termcrm.__file__).parent, quiet=1)
    env = {**os.environ, "NO_COLOR": "1", **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env
