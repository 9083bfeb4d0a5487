"""What the report tables should hold, worked out in Python from the records, and a check against them.

The database keeps the report tables current with triggers (migrations
0006_report_tables and 0007_report_scopes).
:func:`expected` recomputes their contents here from deals, interactions and
contacts, independently of the trigger SQL; :func:`assert_current` compares.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RECENT = 8
NO_CLOSE = 2147483647


def us(value: datetime) -> int:
    """An aware datetime as integer microseconds since 1970."""
    return (value - EPOCH) // timedelta(microseconds=1)


def expected(conn: Any) -> tuple[list[tuple[Any, ...]], ...]:
    """Every report table's rows (in ``REPORT_TABLES`` order) as the triggers should have left them."""
    import sqlalchemy as sa

    from termcrm.models import Contact, Deal, Interaction

    contact_t, deal_t, talk_t = Contact.__table__, Deal.__table__, Interaction.__table__  # type: ignore[attr-defined]
    company_of = {r.id: r.company_id for r in conn.execute(sa.select(contact_t.c.id, contact_t.c.company_id))}

    def key(company_id: int | None, contact_id: int | None) -> int | None:
        if company_id is not None:
            return company_id
        if contact_id is None:
            return None
        found = company_of.get(contact_id)
        return found if found is not None else -contact_id

    events: list[dict[str, Any]] = []
    for d in conn.execute(sa.select(deal_t)):
        k = key(d.company_id, d.contact_id)
        if d.status == "won" and d.archived_at is None and d.closed_at is not None and k is not None:
            events.append(
                {
                    "customer_key": k,
                    "kind": 1,
                    "source_id": d.id,
                    "at_us": us(d.closed_at),
                    "currency": d.currency,
                    "amount": d.amount,
                    "owner_id": d.owner_id,
                    "pipeline_id": d.pipeline_id,
                }
            )
    for i in conn.execute(sa.select(talk_t)):
        k = key(i.company_id, i.contact_id)
        if i.archived_at is None and k is not None:
            events.append(
                {
                    "customer_key": k,
                    "kind": 2,
                    "source_id": i.id,
                    "at_us": us(i.occurred_at),
                    "currency": None,
                    "amount": None,
                    "owner_id": None,
                    "pipeline_id": None,
                }
            )
    by_customer: dict[int, list[dict[str, Any]]] = {}
    for e in events:
        by_customer.setdefault(e["customer_key"], []).append(e)
    customers = []
    for k, own in by_customer.items():
        own.sort(key=lambda e: (e["at_us"], e["kind"], e["source_id"]))
        purchases = [e["at_us"] for e in own if e["kind"] == 1]
        first = min(purchases) if purchases else None
        talks = [e["at_us"] for e in own if e["kind"] == 2]
        customers.append((k, first, max(talks) if talks else None))
        previous = None
        for e in own:
            if e["kind"] == 2 and (first is None or e["at_us"] < first):
                e["prev_us"] = e["at_us"]
            else:
                e["prev_us"] = previous["at_us"] if previous is not None and previous["at_us"] >= first else None
            previous = e
    purchases = [e for e in events if e["kind"] == 1]
    sales = _sales(purchases, lambda e: ())
    scoped = _sales([e for e in purchases if e["owner_id"] is not None], lambda e: (1, e["owner_id"]))
    scoped += _sales(purchases, lambda e: (2, e["pipeline_id"]))
    event_rows = [
        tuple(e[c] for c in ("customer_key", "kind", "source_id", "at_us", "currency", "amount"))
        + (e["owner_id"], e["pipeline_id"], e["prev_us"])
        for e in events
    ]
    open_deals: dict[tuple[Any, ...], list[int]] = {}
    for d in conn.execute(sa.select(deal_t)):
        if d.status == "open" and d.archived_at is None:
            entered = us(d.stage_entered_at)
            seconds, micros = divmod(entered, 1_000_000)
            cell = open_deals.setdefault((d.pipeline_id, d.stage_id, d.currency, d.owner_id or 0), [0, 0, 0, 0, 0])
            for i, value in enumerate((1, d.amount, d.amount * d.probability, seconds, micros)):
                cell[i] += value
    opened = [(*k, *v) for k, v in open_deals.items()]
    by_close: dict[tuple[Any, ...], list[int]] = {}
    for d in conn.execute(sa.select(deal_t)):
        if d.status == "open" and d.archived_at is None:
            day = (d.expected_close - date(1970, 1, 1)).days if d.expected_close is not None else NO_CLOSE
            cell = by_close.setdefault((day, d.currency, d.pipeline_id, d.owner_id or 0), [0, 0, 0])
            for i, value in enumerate((1, d.amount, d.amount * d.probability)):
                cell[i] += value
    closing = [(*k, *v) for k, v in by_close.items()]
    from termcrm.models import DealStageChange

    change_t = DealStageChange.__table__  # type: ignore[attr-defined]
    entered: dict[int, set[int]] = {}
    for c in conn.execute(sa.select(change_t.c.deal_id, change_t.c.to_stage_id)):
        entered.setdefault(c.deal_id, set()).add(c.to_stage_id)
    lost = [
        (
            d.id,
            d.pipeline_id,
            d.owner_id,
            us(d.closed_at),
            "," + ",".join(str(i) for i in sorted(entered.get(d.id, ()))) + ",",
        )
        for d in conn.execute(sa.select(deal_t))
        if d.status == "lost" and d.archived_at is None and d.closed_at is not None
    ]
    return _sorted(event_rows, sales, customers, opened, closing, lost, scoped)


def _sales(purchases: list[dict[str, Any]], scope: Any) -> list[tuple[Any, ...]]:
    """Summary rows (``scope(event)`` + customer, currency, count, sum, first, last, the latest) of ``purchases``."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for e in purchases:
        groups.setdefault((*scope(e), e["customer_key"], e["currency"]), []).append(e)
    rows = []
    for key, own in groups.items():
        latest = sorted(own, key=lambda e: (e["at_us"], e["source_id"]), reverse=True)[:RECENT]
        recent: list[Any] = []
        for i in range(RECENT):
            total = sum(e["amount"] for e in latest[: i + 1])
            recent += [latest[i]["at_us"], total] if i < len(latest) else [None, None]
        times = [e["at_us"] for e in own]
        rows.append((*key, len(own), sum(e["amount"] for e in own), min(times), max(times), *recent))
    return rows


def actual(conn: Any) -> tuple[list[tuple[Any, ...]], ...]:
    """Every report table's rows (in ``REPORT_TABLES`` order) as the database holds them."""
    import sqlalchemy as sa

    from termcrm.models.report_tables import REPORT_TABLES, metadata

    found = []
    for name in REPORT_TABLES:
        table = metadata.tables[name]
        # the events without their own id, which the recount cannot know
        columns = [c for c in table.c if name != "report_event" or c.name != "id"]
        found.append([tuple(r) for r in conn.execute(sa.select(*columns))])
    return _sorted(*found)


def _sorted(*tables: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], ...]:
    """Each table's rows in one order, so that two readings compare as lists."""
    return tuple(sorted(rows, key=repr) for rows in tables)


def assert_current(db: Any) -> None:
    """The report tables hold exactly what the records say."""
    with db.engine.connect() as conn:
        want, got = expected(conn), actual(conn)
        conn.rollback()
    from termcrm.models.report_tables import REPORT_TABLES as names

    for name, w, g in zip(names, want, got, strict=True):
        assert g == w, f"{name}: missing {sorted(set(w) - set(g), key=repr)}, stale {sorted(set(g) - set(w), key=repr)}"
