"""Threshold alerts for cron: churn, SLA breaches, overdue follow-ups, rotting deals, a thin pipeline.

Each alert has a threshold in config.toml (``alerts.<name>``, also set with
``crm alerts set NAME VALUE``); an alert without a threshold is off. The
measures, all taken at ``now``:

* ``churn_rate``: churn rate (percent) of the last complete month, as the churn
  report defines it; fires when above the threshold;
* ``sla_breaches``: open tickets breached now (the tickets report's definition);
  fires when above;
* ``overdue_followups``: open follow-ups past due (a follow-up due on a day is
  overdue once that day is over); fires when above;
* ``rotting_deals``: open deals longer in their stage than its rot limit; fires
  when above;
* ``pipeline_value``: Σ amount of the open deals in the default currency, in
  major units (other currencies are not converted, so not counted); fires when
  under the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from termcrm import money
from termcrm.errors import Invalid


@dataclass(frozen=True)
class AlertSpec:
    """One kind of alert: its config key, what it measures, and which way it fires."""

    name: str
    description: str
    above: bool
    """True: fires when the measure is above the threshold; False: when under it."""

    @property
    def key(self) -> str:
        """Its config.toml key."""
        return f"alerts.{self.name}"


SPECS: dict[str, AlertSpec] = {
    spec.name: spec
    for spec in (
        AlertSpec("churn_rate", "churn rate of the last complete month, percent", True),
        AlertSpec("sla_breaches", "open tickets past an SLA target", True),
        AlertSpec("overdue_followups", "open follow-ups past due", True),
        AlertSpec("rotting_deals", "open deals longer in their stage than its rot limit", True),
        AlertSpec("pipeline_value", "open pipeline value in the default currency", False),
    )
}
"""Every alert, by name."""

OFF_WORDS = frozenset({"off", "none", "unset", "-"})


@dataclass(frozen=True)
class Alert:
    """A firing alert."""

    name: str
    value: float | int
    threshold: float | int
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"alert": self.name, "value": self.value, "threshold": self.threshold, "message": self.message}


def spec(name: str) -> AlertSpec:
    """The alert called ``name`` (``alerts.`` prefix and dashes accepted), or Invalid listing them."""
    key = name.strip().lower().removeprefix("alerts.").replace("-", "_")
    if key not in SPECS:
        raise Invalid(f"no alert named {name!r}; alerts: {', '.join(SPECS)}")
    return SPECS[key]


def thresholds(session: Session) -> dict[str, float | int | None]:
    """Each alert's threshold from the settings (None: off)."""
    settings = session.info.get("settings")
    return {name: (settings.get(s.key) if settings is not None else None) for name, s in SPECS.items()}


def set_threshold(name: str, value: str, path: Path | None = None) -> float | int | None:
    """Write an alert's threshold to config.toml; ``off`` removes it. Returns the stored value."""
    from termcrm.config import set_config_value, unset_config_value

    chosen = spec(name)
    if value.strip().lower() in OFF_WORDS:
        unset_config_value(chosen.key, path)
        return None
    from termcrm.config import CONFIG_KEYS

    text = value.strip().rstrip("%").replace(",", "").replace("_", "")
    if CONFIG_KEYS[chosen.key].parse(text) < 0:
        raise Invalid(f"{chosen.name} threshold must be zero or more")
    stored: float | int = set_config_value(chosen.key, text, path)
    return stored


def measure(session: Session, name: str, now: datetime) -> tuple[float | int | None, str]:
    """(the current value of alert ``name``, a note such as the period it covers)."""
    from termcrm.services.reports._sql import DEAL, FOLLOWUP, STAGE, TICKET, at, days_between, whole

    if name == "churn_rate":
        from termcrm.services.reports import ReportParams, Window, period_of, shift
        from termcrm.services.reports.churn import churn_rates

        last = shift(period_of(now, "month"), "month", -1)
        rows = churn_rates(session, ReportParams(now=now, period="month"), Window(last.start, last.end, [last]))
        return rows[0]["churn_rate"], last.key
    if name == "sla_breaches":
        from termcrm.services.reports.tickets import OPEN_STATUSES, breached_now

        count = session.execute(
            sa.select(sa.func.count()).where(
                TICKET.c.archived_at.is_(None), TICKET.c.status.in_(OPEN_STATUSES), breached_now(at(now, "now"))
            )
        ).scalar()
        return whole(count), ""
    if name == "overdue_followups":
        from termcrm.dates import local_midnight, local_today

        today = local_midnight(local_today(now=now))
        f = FOLLOWUP.c
        count = session.execute(
            sa.select(sa.func.count()).where(
                f.status == "open",
                f.archived_at.is_(None),
                sa.or_(
                    sa.and_(f.due_has_time.is_(True), f.due_at < now),
                    sa.and_(f.due_has_time.is_(False), f.due_at < today),
                ),
            )
        ).scalar()
        return whole(count), ""
    if name == "rotting_deals":
        count = session.execute(
            sa.select(sa.func.count())
            .select_from(DEAL.join(STAGE, STAGE.c.id == DEAL.c.stage_id))
            .where(
                DEAL.c.status == "open",
                DEAL.c.archived_at.is_(None),
                STAGE.c.rot_days.is_not(None),
                days_between(at(now, "now"), DEAL.c.stage_entered_at) > STAGE.c.rot_days,
            )
        ).scalar()
        return whole(count), ""
    if name == "pipeline_value":
        from termcrm.services.reports import default_currency

        currency = default_currency(session)
        total = session.execute(
            sa.select(sa.func.sum(DEAL.c.amount)).where(
                DEAL.c.status == "open", DEAL.c.archived_at.is_(None), DEAL.c.currency == currency
            )
        ).scalar()
        return money.as_number(whole(total), currency), currency
    raise Invalid(f"no alert named {name!r}; alerts: {', '.join(SPECS)}")


def _message(name: str, value: float | int, threshold: float | int, note: str) -> str:
    if name == "churn_rate":
        return f"churn rate {value:.1f}% in {note} is above {threshold:g}%"
    if name == "sla_breaches":
        return f"{value} open ticket{'s' if value != 1 else ''} past an SLA target (more than {threshold:g})"
    if name == "overdue_followups":
        return f"{value} follow-up{'s' if value != 1 else ''} overdue (more than {threshold:g})"
    if name == "rotting_deals":
        return f"{value} deal{'s' if value != 1 else ''} rotting (more than {threshold:g})"
    places = money.exponent(note)
    return f"open pipeline {value:,.{places}f} {note} is under {threshold:,.{places}f} {note}"


def fires(spec_: AlertSpec, value: float | int | None, threshold: float | int | None) -> bool:
    """Whether a measure crosses its threshold (never when either is missing)."""
    if value is None or threshold is None:
        return False
    return value > threshold if spec_.above else value < threshold


def evaluate(session: Session, now: datetime | None = None) -> list[Alert]:
    """The alerts firing at ``now``, in the order of :data:`SPECS` (empty when none, or none set)."""
    from termcrm.dates import utcnow

    at_ = now or utcnow()
    out = []
    for name, threshold in thresholds(session).items():
        if threshold is None:
            continue
        value, note = measure(session, name, at_)
        if value is not None and fires(SPECS[name], value, threshold):
            out.append(Alert(name, value, threshold, _message(name, value, threshold, note)))
    return out


def status(session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every alert with its threshold (None: off), current value and whether it fires."""
    from termcrm.dates import utcnow

    at_ = now or utcnow()
    rows = []
    for name, threshold in thresholds(session).items():
        chosen = SPECS[name]
        value, note = measure(session, name, at_)
        rows.append(
            {
                "alert": name,
                "fires_when": "above" if chosen.above else "under",
                "threshold": threshold,
                "value": value,
                "note": note,
                "firing": fires(chosen, value, threshold),
                "key": chosen.key,
                "description": chosen.description,
            }
        )
    return rows
