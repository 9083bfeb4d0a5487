"""The demo database: realistic, deterministic data for trying termcrm and for tests.

:func:`build` makes users, companies and contacts (names from several
cultures, CJK included), tags and a year of interactions; then each module
that has a ``termcrm.demo.<area>`` file with ``build(session, rng, ctx)``
adds its own records (deals, follow-ups, tickets, campaigns). Everything is
derived from the seed and a fixed clock (``ctx.now``), so the same seed gives
the same database.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from datetime import datetime

AREAS = ("sales", "followups", "service", "marketing")
"""Modules under termcrm.demo that extend the demo, in this order."""


@dataclass
class DemoContext:
    """What the core demo made, for the modules that extend it."""

    now: datetime
    """The demo's clock: every generated time is relative to it."""
    contact_ids: list[int] = field(default_factory=list)
    company_ids: list[int] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    user_names: list[str] = field(default_factory=list)
    currency: str = "USD"
    scale: float = 1.0
    """contacts / 200: modules size their data proportionally."""


def extend(session: object, rng: random.Random, ctx: DemoContext) -> list[str]:
    """Run every present area module's ``build``; returns the areas that ran."""
    ran = []
    for area in AREAS:
        try:
            module = importlib.import_module(f"termcrm.demo.{area}")
        except ModuleNotFoundError as exc:
            if exc.name == f"termcrm.demo.{area}":
                continue
            raise
        module.build(session, rng, ctx)
        ran.append(area)
    return ran
