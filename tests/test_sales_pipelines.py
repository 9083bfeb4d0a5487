"""Pipelines and stages through the services: lookup, summaries, adding and reshaping stages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from termcrm.errors import Ambiguous, Conflict, Invalid, NotFound
from termcrm.models import Deal, DealStageChange, Stage
from termcrm.services import contacts, deals, pipelines

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _contact(s, name: str = "Ann Lee"):
    first, last = contacts.split_name(name)
    return contacts.create_contact(s, contacts.ContactInput(first_name=first, last_name=last))


def _deal(s, title: str, amount: str, stage: str | None = None, currency: str | None = None, now=NOW):
    return deals.create_deal(
        s,
        deals.DealInput(
            title=title, contact=_contact(s, f"Person {title}"), amount=amount, stage=stage, currency=currency
        ),
        now=now,
    )


def _names(s, pipeline) -> list[tuple[int, str]]:
    return [(st.position, st.name) for st in pipelines.stages(s, pipeline)]


def test_fresh_database_has_the_sales_pipeline_with_six_stages(db) -> None:
    with db.read() as s:
        sales = pipelines.default_pipeline(s)
        assert sales.name == "sales"
        got = [(st.name, st.probability, st.kind) for st in pipelines.stages(s, sales)]
    assert got == [
        ("Lead", 10, "open"),
        ("Qualified", 20, "open"),
        ("Proposal", 50, "open"),
        ("Negotiation", 80, "open"),
        ("Won", 100, "won"),
        ("Lost", 0, "lost"),
    ]


def test_stage_resolves_by_name_any_case_unique_prefix_or_position(db) -> None:
    with db.read() as s:
        sales = pipelines.get_pipeline(s, "SAL")
        assert pipelines.resolve_stage(s, sales, "proposal").name == "Proposal"
        assert pipelines.resolve_stage(s, sales, "NEG").name == "Negotiation"
        assert pipelines.resolve_stage(s, sales, "2").name == "Qualified"
        with pytest.raises(Ambiguous) as ambiguous:
            pipelines.resolve_stage(s, sales, "l")
        assert "Lead" in ambiguous.value.message and "Lost" in ambiguous.value.message
        with pytest.raises(NotFound) as missing:
            pipelines.resolve_stage(s, sales, "demo")
        assert "1 Lead" in missing.value.message
        with pytest.raises(NotFound):
            pipelines.get_pipeline(s, "partners")


def test_summary_counts_totals_and_weights_each_stage_per_currency(db) -> None:
    with db.write("x") as s:
        _deal(s, "a", "1000", "proposal")
        _deal(s, "b", "250.50", "proposal")
        _deal(s, "c", "400", "proposal", currency="EUR")
        _deal(s, "d", "90", "lead")
        lost = _deal(s, "e", "70", "lead")
        deals.archive_deal(s, lost)
    with db.read() as s:
        summary = {x.name: x for x in pipelines.pipeline_summary(s, pipelines.default_pipeline(s), now=NOW)}
    proposal = summary["Proposal"]
    assert proposal.count == 3
    # 1000 + 250.50 USD; EUR kept apart, never added to USD.
    assert proposal.total.by_currency == {"USD": 125050, "EUR": 40000}
    # 50 % of 1250.50 USD = 625.25; 50 % of 400 EUR = 200.
    assert proposal.weighted.by_currency == {"USD": 62525, "EUR": 20000}
    # The archived deal does not count; Lead at 10 % of 90 = 9.
    assert summary["Lead"].count == 1
    assert summary["Lead"].weighted.by_currency == {"USD": 900}
    assert summary["Won"].count == 0 and summary["Won"].total.by_currency == {}


def test_summary_weighted_total_is_rounded_once_per_currency(db) -> None:
    with db.write("x") as s:
        _deal(s, "a", "0.01", "proposal")
        _deal(s, "b", "0.01", "proposal")
    with db.read() as s:
        proposal = pipelines.pipeline_summary(s, pipelines.default_pipeline(s), now=NOW)[2]
    # Σ amount × probability = (1 + 1) × 50 = 100 → 1 cent (per deal it would be 0.5 each).
    assert proposal.weighted.by_currency == {"USD": 1}


def test_summary_counts_rotting_deals_with_a_fixed_clock(db) -> None:
    with db.write("x") as s:
        sales = pipelines.default_pipeline(s)
        pipelines.edit_stage(s, pipelines.resolve_stage(s, sales, "lead"), rot_days=7)
        _deal(s, "old", "10", now=NOW - timedelta(days=8))
        _deal(s, "new", "10", now=NOW - timedelta(days=6))
    with db.read() as s:
        lead = pipelines.pipeline_summary(s, pipelines.default_pipeline(s), now=NOW)[0]
    assert (lead.count, lead.rotting) == (2, 1)


def test_add_pipeline_has_standard_stages_or_a_copy_or_none(db) -> None:
    with db.write("x") as s:
        sales = pipelines.default_pipeline(s)
        pipelines.add_stage(s, sales, "Demo", probability=35, after=pipelines.resolve_stage(s, sales, "qualified"))
        standard = pipelines.add_pipeline(s, "Partners")
        copied = pipelines.add_pipeline(s, "Renewals", copy_from=sales)
        empty = pipelines.add_pipeline(s, "Scratch", empty=True)
        assert [n for _, n in _names(s, standard)] == ["Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
        assert [n for _, n in _names(s, copied)][:4] == ["Lead", "Qualified", "Demo", "Proposal"]
        assert _names(s, empty) == []
        with pytest.raises(Conflict):
            pipelines.add_pipeline(s, "partners")
        with pytest.raises(Invalid) as no_stage:
            pipelines.first_stage(s, empty)
        assert "crm pipeline stage add Scratch" in no_stage.value.message


def test_add_stage_goes_before_the_closing_stages_and_positions_stay_contiguous(db) -> None:
    with db.write("x") as s:
        sales = pipelines.default_pipeline(s)
        review = pipelines.add_stage(s, sales, "Review", rot_days=5)
        assert review.probability == 0 and review.rot_days == 5
        pipelines.add_stage(s, sales, "Discovery", probability=15, after=pipelines.resolve_stage(s, sales, "lead"))
        parked = pipelines.add_stage(s, sales, "Parked", kind="lost")
        signed = pipelines.add_stage(s, sales, "Signed", kind="won")
        assert signed.probability == 100 and parked.probability == 0
        assert _names(s, sales) == [
            (1, "Lead"),
            (2, "Discovery"),
            (3, "Qualified"),
            (4, "Proposal"),
            (5, "Negotiation"),
            (6, "Review"),
            (7, "Won"),
            (8, "Lost"),
            (9, "Parked"),
            (10, "Signed"),
        ]
        with pytest.raises(Conflict):
            pipelines.add_stage(s, sales, "review")
        with pytest.raises(Invalid):
            pipelines.add_stage(s, sales, "Odd", kind="maybe")
        with pytest.raises(Invalid):
            pipelines.add_stage(s, sales, "Odd", probability=101)


def test_move_stage_reorders_and_renumbers(db) -> None:
    with db.write("x") as s:
        sales = pipelines.default_pipeline(s)
        pipelines.move_stage(s, pipelines.resolve_stage(s, sales, "negotiation"), 2)
        assert [n for _, n in _names(s, sales)] == ["Lead", "Negotiation", "Qualified", "Proposal", "Won", "Lost"]
        with pytest.raises(Invalid):
            pipelines.move_stage(s, pipelines.resolve_stage(s, sales, "lead"), 7)


def test_edit_stage_probability_moves_unpinned_deals_only(db) -> None:
    with db.write("x") as s:
        free = _deal(s, "free", "100", "proposal")
        pinned = _deal(s, "pinned", "100", "proposal")
        deals.update_deal(s, pinned, deals.DealChanges(probability=65))
        stage = pipelines.resolve_stage(s, pipelines.default_pipeline(s), "proposal")
        pipelines.edit_stage(s, stage, name="Offer", probability=40, rot_days=12)
    with db.read() as s:
        assert s.get(Deal, free.id).probability == 40
        assert s.get(Deal, pinned.id).probability == 65
        offer = s.get(Stage, stage.id)
        assert (offer.name, offer.probability, offer.rot_days) == ("Offer", 40, 12)
    with db.write("x") as s:
        pipelines.edit_stage(s, s.get(Stage, stage.id), rot_days=None)
        assert s.get(Stage, stage.id).rot_days is None


def test_stage_kind_cannot_change_while_it_holds_deals(db) -> None:
    with db.write("x") as s:
        _deal(s, "a", "10", "proposal")
        sales = pipelines.default_pipeline(s)
        with pytest.raises(Conflict) as refused:
            pipelines.edit_stage(s, pipelines.resolve_stage(s, sales, "proposal"), kind="won")
        assert "holds 1 deal" in refused.value.message
        pipelines.edit_stage(s, pipelines.resolve_stage(s, sales, "qualified"), kind="lost")
        assert pipelines.resolve_stage(s, sales, "qualified").kind == "lost"


def test_remove_stage_refuses_while_deals_are_in_it(db) -> None:
    with db.write("x") as s:
        _deal(s, "a", "10", "proposal")
        sales = pipelines.default_pipeline(s)
        with pytest.raises(Invalid) as refused:
            pipelines.remove_stage(s, pipelines.resolve_stage(s, sales, "proposal"))
    assert "--to" in refused.value.message


def test_remove_stage_with_to_moves_deals_and_keeps_their_history_readable(db) -> None:
    with db.write("x") as s:
        deal = _deal(s, "a", "10", "proposal")
        sales = pipelines.default_pipeline(s)
        proposal = pipelines.resolve_stage(s, sales, "proposal")
        moved = pipelines.remove_stage(
            s, proposal, to=pipelines.resolve_stage(s, sales, "negotiation"), now=NOW + timedelta(days=1)
        )
        assert moved == 1
    with db.read() as s:
        sales = pipelines.default_pipeline(s)
        assert [n for _, n in _names(s, sales)] == ["Lead", "Qualified", "Negotiation", "Won", "Lost"]
        assert [p for p, _ in _names(s, sales)] == [1, 2, 3, 4, 5]
        assert s.get(Deal, deal.id).probability == 80
        history = deals.stage_history(s, s.get(Deal, deal.id), NOW + timedelta(days=2))
        assert [(h["from"], h["to"]) for h in history] == [(None, "Proposal"), ("Proposal", "Negotiation")]
        assert history[1]["note"] == "stage Proposal removed"
        with pytest.raises(NotFound):
            pipelines.resolve_stage(s, sales, "proposal")
    with db.write("x") as s:
        sales = pipelines.default_pipeline(s)
        again = pipelines.add_stage(s, sales, "Proposal", probability=55)
        assert again.name == "Proposal"


def test_remove_unused_stage_deletes_it(db) -> None:
    with db.write("x") as s:
        sales = pipelines.default_pipeline(s)
        stage = pipelines.resolve_stage(s, sales, "qualified")
        stage_id = stage.id
        pipelines.remove_stage(s, stage)
    with db.read() as s:
        assert s.get(Stage, stage_id) is None
        assert s.exec(select(DealStageChange)).all() == []
