"""Builders for the report tests' hand-made datasets, and the tests of the report periods and windows.

The other ``test_reports_*`` files import :class:`World`: it inserts rows with
the models directly so every timestamp is exactly what a test's hand-worked
figures assume. The clock is fixed at :data:`NOW` (a Monday, noon UTC; the
tests run with TZ=UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def ago(days: float = 0, hours: float = 0) -> datetime:
    """``NOW`` minus a span."""
    return NOW - timedelta(days=days, hours=hours)


def utc(*parts: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


class World:
    """Inserts a hand-built dataset into one write session."""

    def __init__(self, session: Any) -> None:
        from sqlmodel import select

        from termcrm.models import Stage

        self.s = session
        self.stages = {st.name: st for st in session.exec(select(Stage).where(Stage.pipeline_id == 1)).all()}
        self.users: dict[str, int] = {}
        self.pipeline_stages: dict[int, dict[str, Any]] = {1: self.stages}

    def _add(self, obj: Any) -> Any:
        self.s.add(obj)
        self.s.flush()
        return obj

    def user(self, name: str) -> int:
        from termcrm.models import User

        if name not in self.users:
            self.users[name] = self._add(User(name=name, name_key=name.lower())).id
        return self.users[name]

    def company(self, name: str) -> int:
        from termcrm.models import Company

        return int(self._add(Company(name=name, name_key=name.lower())).id)

    def contact(self, name: str, company: int | None = None, **fields: Any) -> int:
        from termcrm.models import Contact

        return int(self._add(Contact(first_name=name, display_name=name, company_id=company, **fields)).id)

    def pipeline(self, name: str) -> int:
        """A second pipeline with the standard stages (its deals: ``deal(..., pipeline=id)``)."""
        from sqlmodel import select

        from termcrm.models import Stage
        from termcrm.services.pipelines import add_pipeline

        pid = int(add_pipeline(self.s, name).id or 0)
        self.pipeline_stages[pid] = {st.name: st for st in self.s.exec(select(Stage).where(Stage.pipeline_id == pid))}
        return pid

    def rot(self, stage: str, days: int | None) -> None:
        st = self.stages[stage]
        st.rot_days = days
        self._add(st)

    def deal(
        self,
        title: str,
        stage: str = "Lead",
        amount: int = 0,
        *,
        currency: str = "USD",
        probability: int | None = None,
        owner: str | None = None,
        contact: int | None = None,
        company: int | None = None,
        created: datetime | None = None,
        entered: datetime | None = None,
        closed: datetime | None = None,
        close: date | None = None,
        reason: str | None = None,
        archived: bool = False,
        history: list[tuple[str, datetime]] | None = None,
        pipeline: int = 1,
    ) -> int:
        """A deal in ``stage`` of the sales pipeline (or of ``pipeline``); ``amount`` in minor units."""
        from termcrm.models import Deal, DealStageChange

        st = self.pipeline_stages[pipeline][stage]
        created = created or ago(30)
        deal = self._add(
            Deal(
                title=title,
                pipeline_id=pipeline,
                stage_id=st.id,
                status=st.kind,
                amount=amount,
                currency=currency,
                probability=st.probability if probability is None else probability,
                owner_id=self.user(owner) if owner else None,
                contact_id=contact,
                company_id=company,
                created_at=created,
                stage_entered_at=entered or created,
                closed_at=closed,
                expected_close=close,
                lost_reason=reason,
                archived_at=ago(1) if archived else None,
            )
        )
        previous = None
        for name, when in history or []:
            to = self.pipeline_stages[pipeline][name].id
            self._add(DealStageChange(deal_id=deal.id, from_stage_id=previous, to_stage_id=to, at=when))
            previous = to
        return int(deal.id)

    def line(self, deal: int, quantity: int, price: int, cost: int | None = None, discount_bp: int = 0) -> None:
        from termcrm.models import LineItem

        self._add(LineItem(deal_id=deal, quantity=quantity, unit_price=price, unit_cost=cost, discount_bp=discount_bp))

    def interaction(
        self,
        when: datetime,
        kind: str = "call",
        *,
        contact: int | None = None,
        company: int | None = None,
        user: str | None = None,
        archived: bool = False,
    ) -> None:
        from termcrm.models import Interaction

        self._add(
            Interaction(
                kind=kind,
                summary=kind,
                occurred_at=when,
                contact_id=contact,
                company_id=company,
                user_id=self.user(user) if user else None,
                archived_at=ago(1) if archived else None,
            )
        )

    def followup(
        self,
        due: datetime,
        *,
        has_time: bool = True,
        status: str = "open",
        done_at: datetime | None = None,
        assignee: str | None = None,
    ) -> None:
        from termcrm.models import Followup

        self._add(
            Followup(
                title="f",
                due_at=due,
                due_has_time=has_time,
                status=status,
                done_at=done_at,
                assignee_id=self.user(assignee) if assignee else None,
            )
        )

    def ticket(
        self,
        created: datetime,
        priority: str = "normal",
        status: str = "open",
        *,
        fr_due: datetime | None = None,
        fr_at: datetime | None = None,
        res_due: datetime | None = None,
        resolved: datetime | None = None,
        closed: datetime | None = None,
        pending_since: datetime | None = None,
        satisfaction: int | None = None,
        assignee: str | None = None,
        archived: bool = False,
    ) -> None:
        from termcrm.models import Ticket

        self._add(
            Ticket(
                subject="t",
                created_at=created,
                priority=priority,
                status=status,
                first_response_due=fr_due,
                first_response_at=fr_at,
                resolution_due=res_due,
                resolved_at=resolved,
                closed_at=closed,
                pending_since=pending_since,
                satisfaction=satisfaction,
                assignee_id=self.user(assignee) if assignee else None,
                archived_at=ago(1) if archived else None,
            )
        )

    def quota(self, user: str, period: str, amount: int, currency: str = "USD") -> None:
        from termcrm.models import Quota

        self._add(Quota(user_id=self.user(user), period=period, amount=amount, currency=currency))


def run_report(db: Any, name: str, **params: Any) -> Any:
    """Run report ``name`` at ``NOW`` (params as the CLI takes them: text dates)."""
    from termcrm.services import reports

    with db.read() as session:
        return reports.run(session, name, reports.make_params(now=NOW, **params))


def rows(report: Any, section: str) -> list[dict[str, Any]]:
    """A section's rows as JSON (money in major units)."""
    return report.section(section).to_json()["rows"]


# --------------------------------------------------------------------------- periods and windows


def test_period_keys_are_iso_week_month_and_quarter() -> None:
    from termcrm.services.reports import make_period, period_first_day

    day = date(2026, 11, 25)
    assert make_period(period_first_day(day, "week"), "week").key == "2026-W48"
    assert period_first_day(day, "week") == date(2026, 11, 23)
    assert make_period(period_first_day(day, "month"), "month").key == "2026-11"
    assert make_period(period_first_day(day, "quarter"), "quarter").key == "2026-Q4"
    assert make_period(period_first_day(date(2027, 1, 1), "week"), "week").key == "2026-W53"


def test_default_window_is_twelve_periods_up_to_now() -> None:
    from termcrm.services.reports import make_params

    window = make_params(now=NOW).window()
    assert window.since == utc(2025, 12, 1)
    assert window.until == NOW
    assert [p.key for p in window.periods][:2] == ["2025-12", "2026-01"]
    assert window.periods[-1].key == "2026-11" and len(window.periods) == 12
    quarters = make_params(now=NOW, period="quarter").window(default_periods=2)
    assert [p.key for p in quarters.periods] == ["2026-Q3", "2026-Q4"]


def test_until_date_includes_that_whole_day_and_since_must_come_first() -> None:
    from termcrm.errors import Invalid
    from termcrm.services.reports import make_params

    params = make_params(now=NOW, since="2026-10-01", until="2026-10-31")
    window = params.window()
    assert (window.since, window.until) == (utc(2026, 10, 1), utc(2026, 11, 1))
    assert [p.key for p in window.periods] == ["2026-10"]
    with pytest.raises(Invalid):
        make_params(now=NOW, since="2026-11-01", until="2026-10-01").window()
    with pytest.raises(Invalid):
        make_params(now=NOW, period="year")


def test_unknown_report_name_lists_the_reports(db: Any) -> None:
    from termcrm.errors import Invalid
    from termcrm.services import reports

    with pytest.raises(Invalid) as err, db.read() as session:
        reports.run(session, "sales", reports.make_params(now=NOW))
    for name in ("pipeline", "forecast", "winloss", "activity", "tickets", "customers", "churn", "performance"):
        assert name in err.value.message
    assert reports.available()[:8] == [
        "pipeline",
        "forecast",
        "winloss",
        "activity",
        "tickets",
        "customers",
        "churn",
        "performance",
    ]
