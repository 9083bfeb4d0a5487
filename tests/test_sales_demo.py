"""The demo's sales data: deals in every stage with a year of consistent stage history, products, lines."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from termcrm.demo import DemoContext
from termcrm.demo import sales as demo_sales
from termcrm.models import Deal, DealStageChange, LineItem, Product, Stage
from termcrm.services import contacts, deals

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class _Rollback(Exception):
    pass


def _build(db, seed: int, keep: bool) -> list[tuple]:
    """Build the sales demo over 60 contacts; return a fingerprint of the deals (rolled back unless ``keep``)."""
    fingerprint: list[tuple] = []
    try:
        with db.write("demo") as s:
            ids = [
                contacts.create_contact(
                    s, contacts.ContactInput(first_name=f"P{i}", last_name="Demo", company=f"Co {i % 7}")
                ).id
                for i in range(60)
            ]
            ctx = DemoContext(now=NOW, contact_ids=ids, user_ids=[], currency="USD", scale=60 / 200)
            demo_sales.build(s, random.Random(seed), ctx)
            s.flush()
            fingerprint = [
                (d.title, d.stage_id, d.amount, d.stage_entered_at, d.probability)
                for d in s.exec(select(Deal).order_by(Deal.id)).all()
            ]
            if not keep:
                raise _Rollback
    except _Rollback:
        pass
    return fingerprint


def test_demo_is_deterministic_for_a_seed(db) -> None:
    first = _build(db, 7, keep=False)
    assert first and _build(db, 7, keep=False) == first
    assert _build(db, 8, keep=False) != first


@pytest.fixture
def demo(db):
    _build(db, 7, keep=True)
    return db


def test_demo_deals_cover_every_stage_for_about_forty_percent_of_contacts(demo) -> None:
    with demo.read() as s:
        every = s.exec(select(Deal)).all()
        stages = {st.id: st for st in s.exec(select(Stage)).all()}
        assert {stages[d.stage_id].name for d in every} == {
            "Lead",
            "Qualified",
            "Proposal",
            "Negotiation",
            "Won",
            "Lost",
        }
        assert len({d.contact_id for d in every}) == 24  # 40 % of 60
        assert all(d.status == stages[d.stage_id].kind for d in every)
        assert all(d.lost_reason for d in every if d.status == "lost")
        assert all(d.closed_at is not None for d in every if d.status != "open")
        assert any(stages[d.stage_id].rot_days for d in every)


def test_demo_stage_history_is_spread_over_the_past_year_and_consistent(demo) -> None:
    with demo.read() as s:
        for deal in s.exec(select(Deal)).all():
            changes = s.exec(
                select(DealStageChange).where(DealStageChange.deal_id == deal.id).order_by(DealStageChange.at)
            ).all()
            assert changes[0].from_stage_id is None and changes[0].at == deal.created_at
            assert all(a.to_stage_id == b.from_stage_id for a, b in zip(changes, changes[1:], strict=False))
            assert changes[-1].to_stage_id == deal.stage_id
            assert changes[-1].at == deal.stage_entered_at
            assert NOW - timedelta(days=366) < changes[0].at <= changes[-1].at < NOW
            if deal.status != "open":
                assert deal.closed_at == deal.stage_entered_at


def test_demo_products_have_costs_and_line_items_sum_to_the_deal_amount(demo) -> None:
    with demo.read() as s:
        catalogue = s.exec(select(Product)).all()
        assert len(catalogue) == len(demo_sales.PRODUCTS)
        assert sum(1 for p in catalogue if p.unit_cost is not None) == len(catalogue) - 1
        priced = 0
        for deal in s.exec(select(Deal)).all():
            items = s.exec(select(LineItem).where(LineItem.deal_id == deal.id)).all()
            if items:
                priced += 1
                assert deal.amount == deals.line_totals(items).total
        assert priced > 0
