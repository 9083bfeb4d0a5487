"""Quotas: a user's revenue target for a year, a quarter or a month.

A period is written ``2026``, ``2026-Q4`` or ``2026-11``; one quota per user
and period, in one currency (setting it again replaces it). The forecast and
performance reports compare won revenue with these targets.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlmodel import Session, select

from termcrm import money
from termcrm.errors import Invalid, NotFound
from termcrm.services import history, refs

if TYPE_CHECKING:
    from termcrm.models import Quota, User

PERIOD_FORMS = "use a year (2026), a quarter (2026-Q4) or a month (2026-11)"
_PERIOD = re.compile(r"^(\d{4})(?:-(?:q([1-4])|(\d{1,2})))?$")


def parse_period(text: str) -> str:
    """The canonical form of a quota period (``2026``, ``2026-Q4``, ``2026-11``), or Invalid."""
    match = _PERIOD.match(text.strip().lower())
    if not match:
        raise Invalid(f"period {text!r} is not a year, quarter or month: {PERIOD_FORMS}")
    year, quarter, month = match.groups()
    if quarter:
        return f"{year}-Q{quarter}"
    if month:
        if not 1 <= int(month) <= 12:
            raise Invalid(f"period {text!r} has no month {month}: {PERIOD_FORMS}")
        return f"{year}-{int(month):02d}"
    return year


def period_days(period: str) -> tuple[date, date]:
    """(first day, day after the last) of a canonical quota period."""
    key = parse_period(period)
    year = int(key[:4])
    if len(key) == 4:
        first, months = date(year, 1, 1), 12
    elif "Q" in key:
        first, months = date(year, 3 * (int(key[-1]) - 1) + 1, 1), 3
    else:
        first, months = date(year, int(key[5:]), 1), 1
    return first, first + relativedelta(months=months)


def set_quota(session: Session, user: str, amount: str, period: str, currency: str | None = None) -> Quota:
    """Set (or replace) ``user``'s quota for ``period``; the amount is in major units of ``currency``.

    ``user`` must be a known user, or the acting user (``me``), who is registered on the spot.
    """
    from termcrm.models import Quota

    key = parse_period(period)
    who = _user(session, user)
    settings = session.info.get("settings")
    code = money.check_currency(currency or (settings.currency if settings is not None else "USD"))
    minor = money.parse_amount(amount, code)
    if minor < 0:
        raise Invalid(f"quota {amount!r} is negative: give zero or more")
    quota = session.exec(select(Quota).where(Quota.user_id == who.id, Quota.period == key)).first()
    if quota is None:
        assert who.id is not None
        quota = Quota(user_id=who.id, period=key, amount=minor, currency=code)
    else:
        quota.amount, quota.currency = minor, code
    session.add(quota)
    session.flush()
    history.set_summary(session, f"set quota of {who.name} for {key} to {money.format_money(minor, code)}")
    return quota


def _user(session: Session, ref: str) -> User:
    from termcrm.models import User

    settings = session.info.get("settings")
    acting = settings.user.strip().lower() if settings is not None else None
    if ref.strip().lower() in ("me", acting):
        found = session.get(User, history.acting_user_id(session))
        assert found is not None
        return found
    return refs.user(session, ref)


def remove_quota(session: Session, user: str, period: str) -> Quota:
    """Delete ``user``'s quota for ``period``."""
    from termcrm.models import Quota

    key = parse_period(period)
    who = refs.user(session, user)
    quota = session.exec(select(Quota).where(Quota.user_id == who.id, Quota.period == key)).first()
    if quota is None:
        raise NotFound(f"{who.name} has no quota for {key}")
    session.delete(quota)
    session.flush()
    history.set_summary(session, f"remove quota of {who.name} for {key}")
    return quota


def list_quotas(session: Session, user: str | None = None, period: str | None = None) -> list[dict[str, Any]]:
    """Quotas by period then user, each with the revenue won in it so far (same owner, currency and period).

    ``period`` filters by prefix of the canonical key: ``2026`` lists the year,
    its quarters and months.
    """
    from termcrm.dates import local_midnight
    from termcrm.services.reports._sql import DEAL, QUOTA, USER

    quota = QUOTA
    stmt = sa.select(quota, USER.c.name.label("user_name")).join(USER, USER.c.id == quota.c.user_id)
    if user:
        stmt = stmt.where(quota.c.user_id == refs.user(session, user).id)
    if period:
        key = parse_period(period)
        stmt = stmt.where(sa.or_(quota.c.period == key, quota.c.period.startswith(f"{key}-")))
    stmt = stmt.order_by(quota.c.period, USER.c.name_key)
    rows = []
    for found in session.execute(stmt).all():
        first, end = period_days(found.period)
        won = session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(DEAL.c.amount), 0)).where(
                DEAL.c.owner_id == found.user_id,
                DEAL.c.status == "won",
                DEAL.c.currency == found.currency,
                DEAL.c.archived_at.is_(None),
                DEAL.c.closed_at >= local_midnight(first),
                DEAL.c.closed_at < local_midnight(end),
            )
        ).scalar()
        won_minor = int(won or 0)
        rows.append(
            {
                "id": found.id,
                "user": found.user_name,
                "period": found.period,
                "amount": money.as_number(found.amount, found.currency),
                "currency": found.currency,
                "won": money.as_number(won_minor, found.currency),
                "attainment": round(100.0 * won_minor / found.amount, 1) if found.amount else None,
            }
        )
    return rows
