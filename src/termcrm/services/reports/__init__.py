"""Text reports: the registry, their parameters, and the result shape every front end renders.

A report is a module with ``TITLE`` (a heading), ``SUMMARY`` (one line for
listings) and ``build(session, params) -> Report``. :data:`REPORTS` maps each
report name to its module; :func:`available` lists the ones that import, so a
report appears as soon as its module exists (``campaigns`` is written with the
marketing module). The figures are computed in SQL (GROUP BY, conditional
sums, window functions); Python only shapes the handful of rows that come back.

A :class:`Report` is a title, the parameters it ran with, and sections; a
:class:`Section` is a table (columns and rows) that may name one numeric column
to draw as a bar chart and one to draw as a sparkline. Rows hold raw values:
money in integer minor units beside a ``currency`` key (totals are grouped by
currency, never added across them), percentages as 0-100 floats, durations in
days or hours, times as aware datetimes. :meth:`Report.to_json` and
:func:`write_csv` give scripts the same numbers the table shows.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import ModuleType
from typing import IO, TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta

from termcrm import money
from termcrm.errors import Invalid, NotFound

if TYPE_CHECKING:
    from sqlmodel import Session

REPORTS: dict[str, str] = {
    "pipeline": "termcrm.services.reports.pipeline",
    "forecast": "termcrm.services.reports.forecast",
    "winloss": "termcrm.services.reports.winloss",
    "activity": "termcrm.services.reports.activity",
    "tickets": "termcrm.services.reports.tickets",
    "customers": "termcrm.services.reports.customers",
    "churn": "termcrm.services.reports.churn",
    "performance": "termcrm.services.reports.performance",
    "campaigns": "termcrm.services.reports.campaigns",
}
"""Report name -> module (``TITLE``, ``SUMMARY``, ``build(session, params)``), in menu order."""

PERIODS = ("week", "month", "quarter")
"""Lengths of the periods reports group by."""

KINDS = ("text", "int", "money", "percent", "days", "hours", "number", "date", "datetime")
"""How a column's values are shown: see :func:`cell_text` and :func:`json_value`."""


# --------------------------------------------------------------------------- result shape


@dataclass(frozen=True)
class Col:
    """A report column: the row key, its header, and how its values are shown."""

    key: str
    header: str = ""
    kind: str = "text"
    show: bool = True
    """False: in JSON and CSV only, left out of the table to keep it narrow."""

    @property
    def title(self) -> str:
        """The header text."""
        return self.header or self.key.replace("_", " ")


@dataclass
class Section:
    """One table of a report.

    ``bar`` names a numeric column drawn as a bar beside each row (money bars
    are scaled per currency); ``spark`` names a column drawn as a sparkline
    under the table, in row order (rows of a series are periods, oldest first).
    """

    key: str
    title: str
    columns: list[Col]
    rows: list[dict[str, Any]] = field(default_factory=list)
    bar: str | None = None
    spark: str | None = None
    empty: str = "nothing to show"

    def column(self, key: str) -> Col:
        """The column named ``key``."""
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    def to_json(self) -> dict[str, Any]:
        """``{"title": ..., "rows": [...]}`` with JSON-ready values."""
        return {"title": self.title, "rows": [json_row(self.columns, row) for row in self.rows]}


@dataclass
class Report:
    """What a report computed: title, the parameters it ran with, and its sections."""

    name: str
    title: str
    params: dict[str, Any]
    sections: list[Section]

    def section(self, key: str) -> Section:
        """The section named ``key``."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def to_json(self) -> dict[str, Any]:
        """The whole report as JSON-ready data: ``{"report", "title", "params", "sections": {key: ...}}``."""
        return {
            "report": self.name,
            "title": self.title,
            "params": {k: _json_scalar(v) for k, v in self.params.items()},
            "sections": {s.key: s.to_json() for s in self.sections},
        }


def _json_scalar(value: Any) -> Any:
    if isinstance(value, datetime):
        from termcrm.dates import iso

        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def json_value(col: Col, row: Mapping[str, Any]) -> Any:
    """A cell as JSON: money in major units (the row's ``currency``), ISO dates, rounded ratios."""
    value = row.get(col.key)
    if value is None:
        return None
    if col.kind == "money":
        return money.as_number(int(value), str(row.get("currency") or "USD"))
    if col.kind in ("percent", "days", "hours", "number"):
        return round(float(value), 2)
    if col.kind == "int":
        return int(value)
    if col.kind == "date":
        return value.isoformat() if isinstance(value, date) and not isinstance(value, datetime) else _local_date(value)
    return _json_scalar(value)


def json_row(columns: Sequence[Col], row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as JSON, keyed by column; a row with money keeps its ``currency`` key."""
    out = {col.key: json_value(col, row) for col in columns}
    if "currency" in row and "currency" not in out:
        out["currency"] = row["currency"]
    return out


def _local_date(value: datetime | date) -> str:
    if isinstance(value, datetime):
        from termcrm.dates import to_local

        return to_local(value).date().isoformat()
    return value.isoformat()


def cell_text(col: Col, row: Mapping[str, Any]) -> str:
    """A cell as people read it: ``1,250.00``, ``62.5%``, ``3.2``, ``2026-11-23``; empty for None."""
    value = row.get(col.key)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    kind = col.kind
    if kind == "money":
        currency = str(row.get("currency") or "USD")
        return f"{money.to_major(int(value), currency):,.{money.exponent(currency)}f}"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "percent":
        return f"{float(value):.1f}%"
    if kind in ("days", "hours"):
        return f"{float(value):,.1f}"
    if kind == "number":
        return f"{float(value):.2f}"
    if kind == "date":
        return _local_date(value)
    if kind == "datetime" and isinstance(value, datetime):
        from termcrm.dates import format_local

        return format_local(value)
    return str(value)


NUMERIC_KINDS = frozenset({"int", "money", "percent", "days", "hours", "number"})


def bar_cells(section: Section, width: int) -> list[str]:
    """The bar drawn for each row of ``section`` (empty strings when it has no bar column).

    Money bars share a scale only with rows of the same currency.
    """
    from termcrm.io.charts import bar

    if section.bar is None:
        return ["" for _ in section.rows]
    col = section.column(section.bar)
    maxima: dict[Any, float] = {}
    for row in section.rows:
        group = row.get("currency") if col.kind == "money" else None
        value = row.get(col.key)
        if value is not None:
            maxima[group] = max(maxima.get(group, 0.0), float(value))
    cells = []
    for row in section.rows:
        group = row.get("currency") if col.kind == "money" else None
        value = row.get(col.key)
        cells.append(bar(float(value) if value is not None else None, maxima.get(group, 0.0), width))
    return cells


def spark_line(section: Section) -> str | None:
    """``header  ▁▃▅█`` for the section's sparkline column, or None when it has none."""
    from termcrm.io.charts import sparkline

    if section.spark is None or not section.rows:
        return None
    col = section.column(section.spark)
    values = [row.get(col.key) for row in section.rows]
    return f"{col.title}  {sparkline([float(v) if v is not None else None for v in values])}"


def display_rows(section: Section, bar_width: int = 20) -> tuple[list[str], list[list[str]], list[str]]:
    """(headers, rows of cell texts, alignments) for a plain table, with the bar as a last column."""
    shown = [col for col in section.columns if col.show]
    headers = [col.title for col in shown]
    aligns = ["right" if col.kind in NUMERIC_KINDS else "left" for col in shown]
    bars = bar_cells(section, bar_width) if section.bar else []
    rows = []
    for index, row in enumerate(section.rows):
        cells = [cell_text(col, row) for col in shown]
        if section.bar:
            cells.append(bars[index])
        rows.append(cells)
    if section.bar:
        headers.append("")
        aligns.append("left")
    return headers, rows, aligns


def render_text(report: Report, width: int = 100) -> str:
    """The report as plain text (title, then each section as an aligned table, bars and sparklines).

    For front ends that show text (the TUI's Reports screen, mail from cron).
    """
    from termcrm.io.charts import display_width, pad

    lines = [report.title, ""]
    for section in report.sections:
        lines.append(section.title)
        if not section.rows:
            lines.extend([f"  ({section.empty})", ""])
            continue
        headers, rows, aligns = display_rows(section, bar_width=0)
        widths = [max([display_width(h)] + [display_width(r[i]) for r in rows]) for i, h in enumerate(headers)]
        used = sum(widths) + 2 * len(widths)
        bar_w = max(min(30, width - used), 0) if section.bar else 0
        bars = bar_cells(section, bar_w) if section.bar else []
        lines.append("  " + "  ".join(pad(h, w, a) for h, w, a in zip(headers, widths, aligns, strict=True)).rstrip())
        for index, row in enumerate(rows):
            text = "  ".join(pad(c, w, a) for c, w, a in zip(row, widths, aligns, strict=True))
            if section.bar:
                text = text.rstrip() + " " + bars[index]
            lines.append(("  " + text).rstrip())
        spark = spark_line(section)
        if spark:
            lines.append("  " + spark)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_csv(report: Report, stream: IO[str]) -> None:
    """Every section as a CSV block: a header row starting with ``section``, its rows, a blank line."""
    import csv

    from termcrm.io.csvsafe import escape_formula

    writer = csv.writer(stream, lineterminator="\n")
    for index, section in enumerate(report.sections):
        if index:
            stream.write("\n")
        data = section.to_json()["rows"]
        keys = [col.key for col in section.columns]
        if any("currency" in row for row in data) and "currency" not in keys:
            keys.append("currency")
        writer.writerow(["section", *keys])
        for row in data:
            writer.writerow([section.key, *(escape_formula(_csv_cell(row.get(k))) for k in keys)])


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# --------------------------------------------------------------------------- periods and windows


@dataclass(frozen=True)
class Period:
    """A calendar week (Monday first), month or quarter in local time.

    ``start``/``end`` are the UTC instants of local midnight on ``first_day``
    and ``end_day`` (the day after the last one).
    """

    key: str
    first_day: date
    end_day: date
    start: datetime
    end: datetime


def period_first_day(day: date, period: str) -> date:
    """The first day of the ``period`` containing ``day``."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise Invalid(f"period {period!r} is not one of: {', '.join(PERIODS)}")


def _step(period: str, count: int = 1) -> relativedelta:
    return {
        "week": relativedelta(weeks=count),
        "month": relativedelta(months=count),
        "quarter": relativedelta(months=3 * count),
    }[period]


def period_key(first_day: date, period: str) -> str:
    """``2026-W48`` (ISO week), ``2026-11`` or ``2026-Q4``."""
    if period == "week":
        year, week, _ = first_day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return first_day.strftime("%Y-%m")
    return f"{first_day.year}-Q{(first_day.month - 1) // 3 + 1}"


def make_period(first_day: date, period: str) -> Period:
    """The period that starts on ``first_day``."""
    from termcrm.dates import local_midnight

    end_day = first_day + _step(period)
    return Period(period_key(first_day, period), first_day, end_day, local_midnight(first_day), local_midnight(end_day))


def period_of(instant: datetime, period: str) -> Period:
    """The period containing ``instant`` (local calendar)."""
    from termcrm.dates import to_local

    return make_period(period_first_day(to_local(instant).date(), period), period)


def shift(p: Period, period: str, count: int) -> Period:
    """The period ``count`` periods after ``p`` (before it when negative)."""
    return make_period(p.first_day + _step(period, count), period)


MAX_PERIODS = 1000
"""The most periods a report covers (each is a column of its SQL and a row of its table)."""


def periods_between(since: datetime, until: datetime, period: str) -> list[Period]:
    """Every period overlapping ``[since, until)``, oldest first (at most :data:`MAX_PERIODS`)."""
    out = [period_of(since, period)]
    while out[-1].end < until:
        if len(out) == MAX_PERIODS:
            raise Invalid(
                f"the report would cover more than {MAX_PERIODS} {period}s:"
                " give a later --since, an earlier --until or a longer --period"
            )
        out.append(shift(out[-1], period, 1))
    return out


@dataclass(frozen=True)
class Window:
    """The time range a report covers, ``[since, until)``, and the periods overlapping it."""

    since: datetime
    until: datetime
    periods: list[Period]


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class ReportParams:
    """What a report was asked for. ``now`` fixes the clock; ``since``/``until`` are UTC instants."""

    now: datetime
    since: datetime | None = None
    until: datetime | None = None
    period: str = "month"
    owner: str | None = None
    pipeline: str | None = None
    top: int | None = None
    days: int | None = None

    def window(self, default_periods: int = 12) -> Window:
        """``[since, until)``: by default the current period and the ``default_periods - 1`` before it, up to now."""
        until = self.until or self.now
        if self.since is not None:
            since = self.since
        else:
            since = shift(
                period_of(until - timedelta(microseconds=1), self.period), self.period, 1 - default_periods
            ).start
        if since >= until:
            raise Invalid("--since must be before --until")
        return Window(since, until, periods_between(since, until, self.period))

    def as_dict(self, window: Window | None = None, **extra: Any) -> dict[str, Any]:
        """The parameters as shown in a report's header and JSON ``params``."""
        out: dict[str, Any] = {}
        if window is not None:
            out["since"] = window.since
            out["until"] = window.until
        out["period"] = self.period
        out["owner"] = self.owner
        out["pipeline"] = self.pipeline
        out.update(extra)
        out["now"] = self.now
        return out


MAX_DAYS = 36500
"""The largest ``--days`` a report takes."""


def make_params(
    *,
    now: datetime | None = None,
    since: str | None = None,
    until: str | None = None,
    period: str | None = None,
    owner: str | None = None,
    pipeline: str | None = None,
    top: int | None = None,
    days: int | None = None,
) -> ReportParams:
    """Parameters from what the user typed: ``--until 2026-11-30`` includes that whole day."""
    from termcrm import dates

    clock = dates.as_utc(now) if now is not None else dates.utcnow()
    since_at = dates.parse_when(since, now=clock).at if since else None
    until_at = None
    if until:
        when = dates.parse_when(until, now=clock)
        until_at = when.at if when.has_time else dates.local_midnight(when.local_date() + timedelta(days=1))
    chosen = (period or "month").strip().lower()
    if chosen not in PERIODS:
        raise Invalid(f"period {period!r} is not one of: {', '.join(PERIODS)}")
    if top is not None and top < 1:
        raise Invalid("--top must be at least 1")
    if days is not None and days < 1:
        raise Invalid("--days must be at least 1")
    if days is not None and days > MAX_DAYS:
        raise Invalid(f"--days must be at most {MAX_DAYS} (100 years)")
    if top is not None:
        top = min(top, money.LARGEST_INTEGER)  # a ranking that long shows every row
    return ReportParams(
        now=clock,
        since=since_at,
        until=until_at,
        period=chosen,
        owner=owner,
        pipeline=pipeline,
        top=top,
        days=days,
    )


# --------------------------------------------------------------------------- registry


def load(name: str) -> ModuleType:
    """The module of report ``name``; Invalid listing the names when there is none."""
    key = name.strip().lower()
    names = available()
    if key not in names:
        raise Invalid(f"no report named {name!r}; reports: {', '.join(names)}")
    return importlib.import_module(REPORTS[key])


def available() -> list[str]:
    """The names of the reports whose module imports, in menu order.

    A report whose module (or a module it needs) is not there yet is left out;
    any other import error is a bug and is raised.
    """
    names = []
    for name, path in REPORTS.items():
        try:
            importlib.import_module(path)
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith("termcrm."):
                raise
            continue
        names.append(name)
    return names


def describe() -> list[dict[str, str]]:
    """``[{"name", "title", "summary"}]`` of every available report."""
    out = []
    for name in available():
        module = importlib.import_module(REPORTS[name])
        out.append({"name": name, "title": str(module.TITLE), "summary": str(getattr(module, "SUMMARY", ""))})
    return out


def run(session: Session, name: str, params: ReportParams) -> Report:
    """Compute report ``name`` with ``params``."""
    module = load(name)
    report: Report = module.build(session, params)
    return report


# --------------------------------------------------------------------------- shared look-ups


def owner_id(session: Session, params: ReportParams) -> int | None:
    """The id of ``--owner`` (``me`` is the acting user), or None for everyone."""
    if not params.owner:
        return None
    from termcrm.services import refs

    user = refs.user(session, params.owner)
    return user.id


def pipeline_id(session: Session, params: ReportParams, *, default_first: bool = False) -> int | None:
    """The id of ``--pipeline`` (id, name, or unique name prefix); the first pipeline when asked and none given."""
    import sqlalchemy as sa

    from termcrm.services.reports._sql import PIPELINE as table

    rows = session.execute(
        sa.select(table.c.id, table.c.name, table.c.name_key)
        .where(table.c.archived_at.is_(None))
        .order_by(table.c.position, table.c.id)
    ).all()
    if not params.pipeline:
        return int(rows[0].id) if default_first and rows else None
    text = params.pipeline.strip().lower().lstrip("#")
    if text.isdigit():
        for row in rows:
            if row.id == int(text):
                return int(row.id)
    exact = [r for r in rows if r.name_key == text]
    matches = exact or [r for r in rows if r.name_key.startswith(text)]
    if len(matches) == 1:
        return int(matches[0].id)
    names = ", ".join(r.name for r in rows)
    if not matches:
        raise NotFound(f"no pipeline named {params.pipeline!r}; pipelines: {names}")
    from termcrm.errors import Ambiguous

    raise Ambiguous(f"{params.pipeline!r} matches several pipelines", [f"#{r.id} {r.name}" for r in matches])


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the users with ``ids``."""
    import sqlalchemy as sa

    from termcrm.services.reports._sql import USER as table

    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {
        int(r.id): str(r.name)
        for r in session.execute(sa.select(table.c.id, table.c.name).where(table.c.id.in_(wanted)))
    }


def default_currency(session: Session) -> str:
    """The configured default currency."""
    settings = session.info.get("settings")
    return str(settings.get("currency")) if settings is not None else "USD"


def ratio(part: float | int | None, whole: float | int | None) -> float | None:
    """``part / whole`` as a percentage, or None when ``whole`` is zero."""
    if not whole or part is None:
        return None
    return 100.0 * float(part) / float(whole)
