"""Demo sales: products with prices and costs, and deals in every stage with a year of stage history.

About 40 % of the contacts get one to three deals each (so the count follows
``ctx.scale``). Each deal walks the ``sales`` pipeline from Lead, with its
stage changes spread between its creation (up to a year before ``ctx.now``)
and now: older deals are more often closed, won or lost with a reason; open
ones sit somewhere between Lead and Negotiation, some long enough to rot.
About 60 % are priced with line items (amount = the sum of the lines), the
rest with a round manual amount. Rows go in with Core inserts (the demo can be
100,000 contacts large); the demo builder rebuilds the search index afterwards.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from termcrm import money
from termcrm.models import Company, Contact, Deal, DealStageChange, LineItem, Product, Stage
from termcrm.services import pipelines

PRODUCTS: tuple[tuple[str, str, int, int | None, str], ...] = (
    ("LIC-STD", "Standard licence, per seat and year", 240, 60, "seat"),
    ("LIC-PRO", "Professional licence, per seat and year", 480, 110, "seat"),
    ("ONB", "Onboarding package", 1500, 900, "one"),
    ("TRN-DAY", "Training day on site", 1200, 500, "few"),
    ("SUP-PRM", "Premium support, one year", 2400, 800, "one"),
    ("INT-DAY", "Integration work, per day", 950, 520, "days"),
    ("MIG", "Data migration", 3000, 1700, "one"),
    ("CNS-HR", "Consulting hour", 150, 70, "hours"),
    ("HW-TERM", "Terminal appliance", 890, 610, "few"),
    ("API-ADD", "API add-on, one year", 600, None, "one"),
)
"""(code, name, unit price, unit cost or None, how it is usually bought) in major units."""

QUANTITIES = {"seat": (5, 60), "one": (1, 1), "few": (1, 4), "days": (2, 15), "hours": (4, 40)}

ROT_DAYS = {"Lead": 30, "Qualified": 21, "Proposal": 14, "Negotiation": 10}
"""Rot limits the demo gives the open stages of the ``sales`` pipeline."""

SOURCES = ("referral", "web", "event", "outbound", "partner", "inbound call", "ads")
LOST_REASONS = (
    "price too high",
    "went with a competitor",
    "no budget this year",
    "timing: revisit next year",
    "no decision made",
    "missing feature",
    "champion left the company",
)
TOPICS = ("renewal", "expansion", "new licences", "pilot", "rollout", "support upgrade", "migration", "training")


def _insert(conn: sa.Connection, table: Any, rows: list[dict[str, Any]], *, returning: bool = True) -> list[int]:
    """Insert ``rows`` in batches; the new ids in the order of ``rows`` (on SQLite and PostgreSQL alike).

    On SQLite, which only this process writes while the demo builds, the rows
    get the next ids up front and go in through the driver, without
    SQLAlchemy's per-row parameter handling.
    """
    if conn.dialect.name == "sqlite" and rows:
        from termcrm.demo import bulk_insert

        first = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()) + 1
        new_ids = list(range(first, first + len(rows)))
        bulk_insert(conn, table.name, [{"id": new_id, **row} for new_id, row in zip(new_ids, rows, strict=True)])
        return new_ids if returning else []
    ids: list[int] = []
    for start in range(0, len(rows), 5000):
        batch = rows[start : start + 5000]
        if returning:
            stmt = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
            ids.extend(int(r[0]) for r in conn.execute(stmt, batch).all())
        else:
            conn.execute(sa.insert(table), batch)
    return ids


def _spread(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    """``count`` sorted instants strictly between ``start`` and ``end`` (minute precision)."""
    span = max(int((end - start).total_seconds() // 60), count + 1)
    picks = sorted(rng.sample(range(1, span), count)) if count < span - 1 else list(range(1, count + 1))
    return [start + timedelta(minutes=m) for m in picks]


def build(session: Session, rng: random.Random, ctx: Any) -> None:
    """Add the demo products and deals (see the module docstring)."""
    now: datetime = ctx.now
    currency: str = ctx.currency
    scale = 10 ** money.exponent(currency)
    conn = session.connection()
    product_table = Product.__table__  # type: ignore[attr-defined]
    deal_table = Deal.__table__  # type: ignore[attr-defined]
    change_table = DealStageChange.__table__  # type: ignore[attr-defined]
    line_table = LineItem.__table__  # type: ignore[attr-defined]
    stage_table = Stage.__table__  # type: ignore[attr-defined]

    pipeline = pipelines.default_pipeline(session)
    stage_list = pipelines.stages(session, pipeline)
    for stage in stage_list:
        if stage.name in ROT_DAYS and stage.rot_days is None:
            conn.execute(
                sa.update(stage_table)
                .where(stage_table.c.id == stage.id)
                .values(rot_days=ROT_DAYS[stage.name], version=stage_table.c.version + 1)
            )
            session.expire(stage)
    open_stages = [s for s in stage_list if s.kind == "open"]
    won = next((s for s in stage_list if s.kind == "won"), None)
    lost = next((s for s in stage_list if s.kind == "lost"), None)
    if not open_stages or won is None or lost is None:
        return

    # Products.
    product_rows = []
    for offset, (code, name, price, cost, _usage) in enumerate(PRODUCTS):
        created = now - timedelta(days=400 - offset)
        product_rows.append(
            {
                "code": code, "name": name, "unit_price": price * scale,
                "unit_cost": cost * scale if cost is not None else None, "currency": currency, "active": True,
                "created_at": created, "updated_at": created, "version": 1,
            }
        )  # fmt: skip
    for row, new_id in zip(product_rows, _insert(conn, product_table, product_rows), strict=True):
        row["id"] = new_id
    usage_of = {row["id"]: PRODUCTS[i][4] for i, row in enumerate(product_rows)}

    # Who buys: about 40 % of the contacts.
    if not ctx.contact_ids:
        return
    chosen = sorted(rng.sample(ctx.contact_ids, max(1, round(len(ctx.contact_ids) * 0.4))))
    people: dict[int, tuple[str, int | None, int | None]] = {}
    for start in range(0, len(chosen), 900):
        chunk = chosen[start : start + 900]
        for cid, name, company_id, owner_id in session.exec(
            select(Contact.id, Contact.display_name, Contact.company_id, Contact.owner_id).where(
                Contact.id.in_(chunk)  # type: ignore[union-attr]
            )
        ).all():
            people[int(cid or 0)] = (name, company_id, owner_id)
    company_ids = {p[1] for p in people.values() if p[1]}
    companies: dict[int, str] = {}
    ordered_companies = sorted(company_ids)
    for start in range(0, len(ordered_companies), 900):
        chunk = ordered_companies[start : start + 900]
        for company_id, company_name in session.exec(
            select(Company.id, Company.name).where(col(Company.id).in_(chunk))
        ).all():
            companies[int(company_id or 0)] = company_name

    deal_rows: list[dict[str, Any]] = []
    change_rows: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    did = 0  # index into deal_rows until the deals have their ids
    users = list(ctx.user_ids) or [None]
    for cid in chosen:
        name, company_id, owner_id = people.get(cid, ("", None, None))
        for _ in range(rng.choices((1, 2, 3), weights=(70, 20, 10))[0]):
            owner = owner_id if owner_id is not None and rng.random() < 0.8 else rng.choice(users)
            closed = rng.random() < 0.6
            age = rng.randint(20, 364) if closed else min(364, 2 + int(rng.expovariate(1 / 20)))
            created = now - timedelta(days=age, minutes=rng.randint(0, 1439))
            if closed:
                outcome = "won" if rng.random() < 0.55 else "lost"
                reach = len(open_stages) - 1 if outcome == "won" else rng.randrange(len(open_stages))
            else:
                outcome = "open"
                reach = min(len(open_stages) - 1, int(rng.random() ** 1.4 * len(open_stages)))
            path = [open_stages[0]]
            for stage in open_stages[1 : reach + 1]:
                if outcome == "won" and stage is not open_stages[reach] and rng.random() < 0.2:
                    continue  # some wins skip a step
                path.append(stage)
            if outcome == "won":
                path.append(won)
            elif outcome == "lost":
                path.append(lost)
            if outcome == "open":  # most open deals moved lately; some sit long enough to rot
                end = max(created + (now - created) * 0.3, now - timedelta(days=rng.choice((2, 5, 8, 12, 20, 40))))
            else:
                end = created + (now - created) * rng.uniform(0.35, 0.98)
            times = [created, *_spread(rng, created, end, len(path) - 1)]
            last_at = times[-1]
            final = path[-1]
            pinned = outcome == "open" and rng.random() < 0.05
            probability = rng.randrange(5, 100, 5) if pinned else final.probability
            # Amount: line items for most deals, a round figure for the rest.
            amount = 0
            if rng.random() < 0.6:
                for position in range(1, rng.choice((1, 1, 2, 2, 3)) + 1):
                    product = rng.choice(product_rows)
                    low, high = QUANTITIES[usage_of[product["id"]]]
                    qty = rng.randint(low, high)
                    discount = rng.choice((0, 0, 0, 0, 500, 1000, 1500))
                    line_rows.append(
                        {
                            "deal_id": did, "product_id": product["id"], "description": product["name"],
                            "position": position, "quantity": qty, "unit_price": product["unit_price"],
                            "unit_cost": product["unit_cost"], "discount_bp": discount, "version": 1,
                        }
                    )  # fmt: skip
                    amount += money.apply_percent(qty * product["unit_price"], discount)
            else:
                amount = rng.randint(10, 600) * 50 * scale
            if outcome == "open":
                expected = (now + timedelta(days=rng.randint(-10, 90))).date()
            else:
                expected = last_at.date()
            buyer = companies.get(company_id) if company_id else None
            deal_rows.append(
                {
                    "title": f"{buyer or name}: {rng.choice(TOPICS)}",
                    "contact_id": cid, "company_id": company_id, "pipeline_id": pipeline.id,
                    "stage_id": final.id, "status": outcome, "amount": amount, "currency": currency,
                    "probability": probability, "probability_pinned": pinned, "expected_close": expected,
                    "owner_id": owner, "source": rng.choice(SOURCES),
                    "lost_reason": rng.choice(LOST_REASONS) if outcome == "lost" else None,
                    "closed_at": last_at if outcome != "open" else None, "stage_entered_at": last_at,
                    "created_at": created, "updated_at": last_at, "version": len(path),
                }
            )  # fmt: skip
            previous: int | None = None
            for stage, at in zip(path, times, strict=True):
                change_rows.append(
                    {"deal_id": did, "from_stage_id": previous, "to_stage_id": stage.id, "at": at, "user_id": owner}
                )
                previous = stage.id
            did += 1
    ids = _insert(conn, deal_table, deal_rows)
    for rows in (change_rows, line_rows):
        for row in rows:
            row["deal_id"] = ids[row["deal_id"]]
    _insert(conn, change_table, change_rows, returning=False)
    _insert(conn, line_table, line_rows, returning=False)
