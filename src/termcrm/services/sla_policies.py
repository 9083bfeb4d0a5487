"""SLA policies: the first-response and resolution targets of each ticket priority.

Migration 0002 seeds the defaults (urgent 1h / 8h, high 4h / 24h, normal 8h / 72h,
low 24h / 120h). Targets are stored in minutes and count working time when
``sla.business_hours`` is set in config (around the clock otherwise). A changed
target applies to tickets opened or re-prioritised afterwards; ``recompute``
moves the due times of the open tickets of that priority too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from termcrm.errors import Invalid
from termcrm.services import history
from termcrm.services.common import check_choice
from termcrm.vocab import TICKET_PRIORITIES

if TYPE_CHECKING:
    from termcrm.models import SlaPolicy

DEFAULTS: dict[str, tuple[int, int]] = {
    "urgent": (60, 480),
    "high": (240, 1440),
    "normal": (480, 4320),
    "low": (1440, 7200),
}
"""(first response, resolution) minutes per priority, used when a policy row is missing."""


def format_minutes(minutes: int) -> str:
    """``90`` → ``1h 30m``; ``4320`` → ``72h``: SLA targets read best in hours."""
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return f"{hours}h {rest}m"
    if hours:
        return f"{hours}h"
    return f"{rest}m"


def duration_minutes(text: str, what: str) -> int:
    """Whole minutes of a duration the user typed (``4h``, ``1h30m``, ``2d``); at least one."""
    from termcrm.dates import parse_duration

    delta = parse_duration(text)
    if delta % timedelta(minutes=1):
        raise Invalid(f"{what} {text!r} is not a whole number of minutes")
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        raise Invalid(f"{what} must be at least one minute")
    return minutes


def get_policy(session: Session, priority: str) -> SlaPolicy:
    """The policy of ``priority`` (the default targets when its row is missing)."""
    from termcrm.models import SlaPolicy

    key = check_choice(priority, TICKET_PRIORITIES, "priority")
    policy = session.get(SlaPolicy, key)
    if policy is None:
        first, resolution = DEFAULTS[key]
        policy = SlaPolicy(priority=key, first_response_minutes=first, resolution_minutes=resolution)
    return policy


def targets(session: Session) -> dict[str, tuple[int, int]]:
    """(first response, resolution) minutes of every priority."""
    from termcrm.models import SlaPolicy

    found = {p.priority: (p.first_response_minutes, p.resolution_minutes) for p in session.exec(select(SlaPolicy))}
    return {p: found.get(p, DEFAULTS[p]) for p in TICKET_PRIORITIES}


def business_hours_text(session: Session) -> str:
    """The ``sla.business_hours`` setting ("" means around the clock)."""
    settings = session.info.get("settings")
    value = settings.get("sla.business_hours") if settings is not None else ""
    return str(value or "").strip()


def policy_rows(session: Session) -> list[dict[str, Any]]:
    """JSON-ready rows of every priority's targets, most urgent first."""
    hours = business_hours_text(session) or "around the clock"
    out = []
    for priority in reversed(TICKET_PRIORITIES):
        first, resolution = targets(session)[priority]
        out.append(
            {
                "priority": priority,
                "first_response": format_minutes(first),
                "resolution": format_minutes(resolution),
                "first_response_minutes": first,
                "resolution_minutes": resolution,
                "business_hours": hours,
            }
        )
    return out


def set_policy(
    session: Session,
    priority: str,
    *,
    first_response: str | None = None,
    resolution: str | None = None,
    recompute: bool = False,
    now: datetime | None = None,
) -> SlaPolicy:
    """Change a priority's targets (durations like ``4h``); ``recompute`` re-dates its open tickets."""
    from termcrm.models import SlaPolicy

    if first_response is None and resolution is None:
        raise Invalid("nothing to change: give --first-response and/or --resolution")
    key = check_choice(priority, TICKET_PRIORITIES, "priority")
    policy = session.get(SlaPolicy, key)
    if policy is None:
        first, res = DEFAULTS[key]
        policy = SlaPolicy(priority=key, first_response_minutes=first, resolution_minutes=res)
    if first_response is not None:
        policy.first_response_minutes = duration_minutes(first_response, "first-response target")
    if resolution is not None:
        policy.resolution_minutes = duration_minutes(resolution, "resolution target")
    if policy.resolution_minutes < policy.first_response_minutes:
        raise Invalid(
            f"the resolution target ({format_minutes(policy.resolution_minutes)}) cannot be shorter than the "
            f"first-response target ({format_minutes(policy.first_response_minutes)})"
        )
    session.add(policy)
    session.flush()
    moved = 0
    if recompute:
        from termcrm.services import tickets

        moved = tickets.recompute_open_dues(session, key, now=now)
    history.set_summary(
        session,
        f"set SLA {key}: first response {format_minutes(policy.first_response_minutes)}, "
        f"resolution {format_minutes(policy.resolution_minutes)}"
        + (f" ({moved} open tickets re-dated)" if moved else ""),
    )
    return policy
