"""Deals through the services: stages and status, probability, history and undo, line items, lists, views."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from termcrm.errors import Invalid, NotFound
from termcrm.models import Company, Deal, DealStageChange, LineItem, Stage, User
from termcrm.services import contacts, deals, history, pipelines, products

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=3)


def _contact(s, name: str = "Ann Lee", company: str | None = "Acme"):
    first, last = contacts.split_name(name)
    return contacts.create_contact(s, contacts.ContactInput(first_name=first, last_name=last, company=company))


def _stage(s, name: str, pipeline=None):
    return pipelines.resolve_stage(s, pipeline or pipelines.default_pipeline(s), name)


def _new(s, title: str = "Big deal", **kw):
    contact = kw.pop("contact", None) or _contact(s, f"Buyer {title}")
    now = kw.pop("now", NOW)
    return deals.create_deal(s, deals.DealInput(title=title, contact=contact, **kw), now=now)


def _changes(s, deal) -> list[tuple[str | None, str, datetime]]:
    rows = s.exec(select(DealStageChange).where(DealStageChange.deal_id == deal.id).order_by(DealStageChange.id)).all()
    names = {st.id: st.name for st in pipelines.stages(s, pipelines.default_pipeline(s))}
    return [(names.get(r.from_stage_id), names[r.to_stage_id], r.at) for r in rows]


# ---------------------------------------------------------------- create


def test_new_deal_starts_in_the_first_open_stage_with_its_probability_and_a_history_row(db) -> None:
    with db.write("x") as s:
        deal = _new(s, amount="5,000")
        assert (deal.status, deal.probability, deal.probability_pinned) == ("open", 10, False)
        assert deal.amount == 500000 and deal.currency == "USD"
        assert deal.stage_entered_at == NOW and deal.closed_at is None
        assert _changes(s, deal) == [(None, "Lead", NOW)]
        change = s.exec(select(DealStageChange)).one()
        assert s.get(User, change.user_id).name == "tester"


def test_deal_needs_a_contact_or_a_company(db) -> None:
    with db.write("x") as s, pytest.raises(Invalid) as refused:
        deals.create_deal(s, deals.DealInput(title="Orphan"))
    assert "--contact" in refused.value.message


def test_contact_deal_takes_the_contacts_company(db) -> None:
    with db.write("x") as s:
        contact = _contact(s, "Bo Chen", company="Globex")
        deal = _new(s, contact=contact)
        assert deal.company_id == contact.company_id is not None


def test_deal_can_start_in_a_given_stage_and_a_lost_one_needs_a_reason(db) -> None:
    with db.write("x") as s:
        deal = _new(s, stage="neg", amount="10")
        assert (deal.probability, deal.status) == (80, "open")
        with pytest.raises(Invalid) as refused:
            _new(s, "Gone", stage="lost")
        assert "needs a reason" in refused.value.message
        gone = _new(s, "Gone", stage="lost", lost_reason="no budget")
        assert (gone.status, gone.closed_at, gone.lost_reason) == ("lost", NOW, "no budget")


# ---------------------------------------------------------------- moves


def test_move_to_won_closes_deal_and_records_stage_history(db) -> None:
    with db.write("x") as s:
        deal = _new(s, amount="100")
        deals.move_deal(s, deal, _stage(s, "proposal"), note="sent offer", now=NOW + timedelta(days=1))
        deals.move_deal(s, deal, _stage(s, "won"), now=LATER)
        assert (deal.status, deal.closed_at, deal.probability) == ("won", LATER, 100)
        assert deal.stage_entered_at == LATER
        assert _changes(s, deal) == [
            (None, "Lead", NOW),
            ("Lead", "Proposal", NOW + timedelta(days=1)),
            ("Proposal", "Won", LATER),
        ]
        notes = [r.note for r in s.exec(select(DealStageChange).order_by(DealStageChange.id)).all()]
        assert notes == [None, "sent offer", None]


def test_move_to_lost_needs_a_reason_and_keeps_it(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        with pytest.raises(Invalid) as refused:
            deals.move_deal(s, deal, _stage(s, "lost"), now=LATER)
        assert "--reason" in refused.value.message
        deals.move_deal(s, deal, _stage(s, "lost"), reason="went with a competitor", now=LATER)
        assert (deal.status, deal.lost_reason, deal.closed_at, deal.probability) == (
            "lost",
            "went with a competitor",
            LATER,
            0,
        )


def test_moving_a_closed_deal_to_an_open_stage_reopens_it(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        deals.lose_deal(s, deal, "price", now=LATER)
        deals.move_deal(s, deal, _stage(s, "qualified"), now=LATER + timedelta(days=1))
        assert (deal.status, deal.closed_at, deal.lost_reason, deal.probability) == ("open", None, None, 20)


def test_reopen_goes_back_to_the_last_open_stage_by_default(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        deals.move_deal(s, deal, _stage(s, "negotiation"), now=NOW + timedelta(hours=1))
        deals.win_deal(s, deal, now=LATER)
        deals.reopen_deal(s, deal, now=LATER + timedelta(hours=1))
        assert (s.get(Stage, deal.stage_id).name, deal.status) == ("Negotiation", "open")
        with pytest.raises(Invalid):
            deals.reopen_deal(s, deal)
        deals.win_deal(s, deal, now=LATER + timedelta(hours=2))
        with pytest.raises(Invalid):
            deals.reopen_deal(s, deal, _stage(s, "lost"))
        deals.reopen_deal(s, deal, _stage(s, "lead"), now=LATER + timedelta(hours=3))
        assert _stage(s, "lead").id == deal.stage_id


def test_won_and_lost_refuse_a_deal_already_so_and_moving_to_the_same_stage(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        with pytest.raises(Invalid):
            deals.move_deal(s, deal, _stage(s, "lead"))
        deals.win_deal(s, deal, now=LATER)
        with pytest.raises(Invalid):
            deals.win_deal(s, deal)
        deals.lose_deal(s, deal, "changed their mind", now=LATER + timedelta(days=1))
        assert deal.closed_at == LATER + timedelta(days=1)
        with pytest.raises(Invalid):
            deals.lose_deal(s, deal, "again")


def test_a_reason_on_a_move_to_an_open_stage_is_refused(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        with pytest.raises(Invalid):
            deals.move_deal(s, deal, _stage(s, "proposal"), reason="why not")


def test_pinned_probability_survives_moves_until_unpinned(db) -> None:
    with db.write("x") as s:
        deal = _new(s, probability=65)
        assert (deal.probability, deal.probability_pinned) == (65, True)
        deals.move_deal(s, deal, _stage(s, "proposal"), now=LATER)
        deals.move_deal(s, deal, _stage(s, "negotiation"), now=LATER + timedelta(days=1))
        assert deal.probability == 65
        deals.update_deal(s, deal, deals.DealChanges(probability="auto"))
        assert (deal.probability, deal.probability_pinned) == (80, False)
        deals.update_deal(s, deal, deals.DealChanges(probability="30%"))
        deals.move_deal(s, deal, _stage(s, "qualified"), now=LATER + timedelta(days=2))
        assert deal.probability == 30
        with pytest.raises(Invalid):
            deals.update_deal(s, deal, deals.DealChanges(probability="120"))


def test_move_into_another_pipeline_changes_the_deals_pipeline(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        partners = pipelines.add_pipeline(s, "Partners")
        deals.move_deal_to(s, deal, "proposal", pipeline="partners", now=LATER)
        assert deal.pipeline_id == partners.id
        assert deal.stage_id == pipelines.resolve_stage(s, partners, "proposal").id


def test_undo_of_a_move_restores_stage_and_history(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        deal_id = deal.id
    with db.write("move") as s:
        deals.move_deal(s, s.get(Deal, deal_id), _stage(s, "won"), now=LATER)
    with db.write("undo") as s:
        result = history.undo(s)
        assert result.summary.startswith("win deal #")
    with db.read() as s:
        deal = s.get(Deal, deal_id)
        assert (deal.status, deal.closed_at, deal.probability) == ("open", None, 10)
        assert deal.stage_id == _stage(s, "lead").id
        assert deal.stage_entered_at == NOW
        assert _changes(s, deal) == [(None, "Lead", NOW)]


# ---------------------------------------------------------------- days in stage and rotting


def test_days_in_stage_and_rotting_follow_a_fixed_clock(db) -> None:
    with db.write("x") as s:
        pipelines.edit_stage(s, _stage(s, "lead"), rot_days=10)
        deal = _new(s)
        stage = _stage(s, "lead")
        assert deals.days_in_stage(deal, NOW + timedelta(days=9, hours=23)) == 9
        assert not deals.is_rotting(deal, stage, NOW + timedelta(days=10))
        assert deals.is_rotting(deal, stage, NOW + timedelta(days=10, minutes=1))
        row = deals.deal_rows(s, [deal], NOW + timedelta(days=11))[0]
        assert (row["days_in_stage"], row["rotting"]) == (11, True)
        won = _new(s, "Closed")
        deals.lose_deal(s, won, "price", now=NOW)
        assert not deals.deal_rows(s, [won], NOW + timedelta(days=400))[0]["rotting"]


def test_a_move_resets_the_rot_clock(db) -> None:
    with db.write("x") as s:
        pipelines.edit_stage(s, _stage(s, "lead"), rot_days=5)
        pipelines.edit_stage(s, _stage(s, "qualified"), rot_days=5)
        deal = _new(s)
        deals.move_deal(s, deal, _stage(s, "qualified"), now=NOW + timedelta(days=6))
        assert deals.deal_rows(s, [deal], NOW + timedelta(days=8))[0]["rotting"] is False


# ---------------------------------------------------------------- line items and money


def test_line_items_sum_exactly(db) -> None:
    with db.write("x") as s:
        deal = _new(s, amount="999")
        dime = products.create_product(s, "Dime", price="0.10")
        for _ in range(3):
            deals.add_line(s, deal, dime)
        assert deal.amount == 30
        row = deals.deal_rows(s, [deal])[0]
    assert row["amount"] == 0.3
    assert row["weighted_amount"] == 0.03


def test_line_discounts_round_half_even_per_line(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        nickel = products.create_product(s, "Nickel", price="0.05")
        fifteen = products.create_product(s, "Fifteen", price="0.15")
        deals.add_line(s, deal, nickel, discount="50")  # 2.5 cents → 2
        deals.add_line(s, deal, fifteen, discount="50%")  # 7.5 cents → 8
        widget = products.create_product(s, "Widget", price="19.99", cost="12.50")
        deals.add_line(s, deal, widget, quantity=3, discount="12.5")  # 59.97 less 12.5 % = 52.47375 → 52.47
        assert deal.amount == 2 + 8 + 5247
        totals = deals.line_totals(deals.lines(s, deal))
        assert (totals.subtotal, totals.discount, totals.total) == (5 + 15 + 5997, 5 + 15 + 5997 - 5257, 5257)
        assert totals.cost is None  # two lines have no cost


def test_line_price_override_and_description(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        widget = products.create_product(s, "Widget", price="10", cost="4")
        line = deals.add_line(s, deal, widget, quantity=2, price="7.50", description="Widget (promo)")
        assert (line.unit_price, line.unit_cost, line.description) == (750, 400, "Widget (promo)")
        rows = deals.line_rows(s, deal)
    assert rows[0]["total"] == 15 and rows[0]["margin"] == 7


def test_manual_amount_on_a_deal_with_lines_is_refused_with_a_clear_message(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        deals.add_line(s, deal, products.create_product(s, "Widget", price="10"))
        with pytest.raises(Invalid) as refused:
            deals.update_deal(s, deal, deals.DealChanges(amount="500"))
    assert "has 1 line item(s)" in refused.value.message
    assert "10.00 USD" in refused.value.message
    assert "crm deal item" in refused.value.message


def test_product_in_another_currency_than_the_deal_is_refused(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        euro = products.create_product(s, "Euro thing", price="10", currency="eur")
        with pytest.raises(Invalid) as refused:
            deals.add_line(s, deal, euro)
        assert "EUR" in refused.value.message and "USD" in refused.value.message
        assert deals.lines(s, deal) == []


def test_removing_a_line_renumbers_and_sums_again(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        a = products.create_product(s, "A", price="1")
        b = products.create_product(s, "B", price="2")
        c = products.create_product(s, "C", price="4")
        for product in (a, b, c):
            deals.add_line(s, deal, product)
        deals.remove_line(s, deal, 2)
        assert [(x.position, x.description) for x in deals.lines(s, deal)] == [(1, "A"), (2, "C")]
        assert deal.amount == 500
        with pytest.raises(NotFound):
            deals.remove_line(s, deal, 3)
        deals.remove_line(s, deal, 1)
        deals.remove_line(s, deal, 1)
        assert deal.amount == 0
        deals.update_deal(s, deal, deals.DealChanges(amount="12"))
        assert deal.amount == 1200


def test_bad_quantities_and_discounts_are_refused(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        widget = products.create_product(s, "Widget", price="10")
        for kwargs in ({"quantity": 0}, {"discount": "101"}, {"discount": "1.234"}, {"discount": "ten"}):
            with pytest.raises(Invalid):
                deals.add_line(s, deal, widget, **kwargs)
        assert s.exec(select(LineItem)).all() == []


def test_currency_change_rescales_a_manual_amount_and_is_refused_with_lines(db) -> None:
    with db.write("x") as s:
        deal = _new(s, amount="100")
        deals.update_deal(s, deal, deals.DealChanges(currency="jpy"))
        assert (deal.amount, deal.currency) == (100, "JPY")
        with pytest.raises(Invalid):
            deals.update_deal(s, deal, deals.DealChanges(amount="100.5"))  # yen have no decimals
        deals.update_deal(s, deal, deals.DealChanges(currency="EUR", amount="100.50"))
        assert (deal.amount, deal.currency) == (10050, "EUR")
        deals.add_line(s, deal, products.create_product(s, "Thing", price="5", currency="EUR"))
        with pytest.raises(Invalid) as refused:
            deals.update_deal(s, deal, deals.DealChanges(currency="USD"))
        assert "remove them" in refused.value.message


def test_edit_fields_and_clear_them(db) -> None:
    with db.write("x") as s:
        deal = _new(s, source="web", expected_close=date(2026, 4, 1))
        other = _contact(s, "Cy Dee", company=None)
        deals.update_deal(
            s,
            deal,
            deals.DealChanges(title="Bigger deal", contact=other, owner="ann", source="", expected_close=""),
        )
        assert (deal.title, deal.contact_id, deal.source, deal.expected_close) == ("Bigger deal", other.id, None, None)
        assert s.get(User, deal.owner_id).name == "ann"
        with pytest.raises(Invalid):
            deals.update_deal(s, deal, deals.DealChanges(contact="", company=""))
        with pytest.raises(Invalid):
            deals.update_deal(s, deal, deals.DealChanges(lost_reason="nope"))


def test_archive_and_restore(db) -> None:
    with db.write("x") as s:
        deal = _new(s)
        deals.archive_deal(s, deal, now=LATER)
        assert deals.list_deals(s) == []
        assert [d.id for d in deals.list_deals(s, archived=True)] == [deal.id]
        with pytest.raises(Invalid):
            deals.archive_deal(s, deal)
        deals.restore_deal(s, deal)
        assert [d.id for d in deals.list_deals(s)] == [deal.id]


# ---------------------------------------------------------------- listing


@pytest.fixture
def book(db):
    """Four deals spread over stages, owners, amounts and dates."""
    with db.write("x") as s:
        ann = _contact(s, "Ann Lee", company="Acme")
        bob = _contact(s, "Bob Stone", company="Globex")
        a = _new(s, "Acme renewal", contact=ann, amount="8000", stage="proposal", owner="ann", source="referral",
                 expected_close=date(2026, 3, 20))  # fmt: skip
        b = _new(s, "Acme pilot", contact=ann, amount="1200", owner="bob", source="web",
                 expected_close=date(2026, 6, 1), now=NOW - timedelta(days=40))  # fmt: skip
        c = _new(s, "Globex rollout", contact=bob, amount="30000", stage="negotiation", owner="ann")
        d = _new(s, "Globex support", contact=bob, amount="5000", stage="won", owner="bob")
        pipelines.edit_stage(s, _stage(s, "lead"), rot_days=30)
        return {"a": a.id, "b": b.id, "c": c.id, "d": d.id}


def _ids(db, *words: str, sort: str | None = None, now: datetime = NOW) -> list[int]:
    with db.read() as s:
        return [d.id for d in deals.list_deals(s, list(words), sort=sort, now=now)]


def test_deal_list_filters(db, book) -> None:
    a, b, c, d = book["a"], book["b"], book["c"], book["d"]
    assert _ids(db, "stage:proposal") == [a]
    assert _ids(db, "stage:NEG") == [c]
    assert _ids(db, "stage!=lead") == [a, c, d]
    assert _ids(db, "amount>5000") == [a, c]
    assert _ids(db, "amount>=5000") == [a, c, d]
    assert _ids(db, "status:open") == [a, b, c]
    assert _ids(db, "status:won") == [d]
    assert _ids(db, "owner:ann") == [a, c]
    assert _ids(db, "close<+30d") == [a]
    assert _ids(db, "rotting:yes") == [b]
    assert _ids(db, "rotting:no") == [a, c, d]
    assert _ids(db, "pipeline:sales") == [a, b, c, d]
    assert _ids(db, "contact:bob") == [c, d]
    assert _ids(db, "company:acme") == [a, b]
    assert _ids(db, "source:ref") == [a]
    assert _ids(db, "created>-7d") == [a, c, d]
    assert _ids(db, "days>39") == [b]
    assert _ids(db, "probability>=50", "status:open") == [a, c]
    assert _ids(db, "weighted>4000") == [c, d]
    assert _ids(db, "globex") == [c, d]
    with db.read() as s:
        proposal_id = _stage(s, "proposal").id
    assert _ids(db, f"stage_id:{proposal_id}", "pipeline_id:1") == [a]


def test_deal_list_sorts_by_stage_amount_and_names(db, book) -> None:
    a, b, c, d = book["a"], book["b"], book["c"], book["d"]
    assert _ids(db, sort="stage") == [b, a, c, d]
    assert _ids(db, sort="-amount") == [c, a, d, b]
    assert _ids(db, sort="contact,title") == [b, a, c, d]


def test_unknown_filter_field_names_the_valid_ones(db, book) -> None:
    with db.read() as s, pytest.raises(Invalid) as refused:
        deals.list_deals(s, ["colour:red"])
    assert "stage" in refused.value.message and "rotting" in refused.value.message
    with db.read() as s, pytest.raises(Invalid) as unknown:
        deals.list_deals(s, ["stage:demo"])
    assert "Proposal" in unknown.value.message


def test_rows_carry_the_documented_keys(db, book) -> None:
    with db.read() as s:
        row = deals.deal_rows(s, [s.get(Deal, book["a"])], NOW + timedelta(days=2))[0]
    for key in (
        "id", "title", "contact_id", "company_id", "pipeline", "stage", "status", "amount", "currency",
        "probability", "weighted_amount", "expected_close", "owner", "source", "lost_reason", "closed_at",
        "stage_entered_at", "days_in_stage", "rotting", "contact", "company", "campaign_id",
    ):  # fmt: skip
        assert key in row, key
    assert (row["pipeline"], row["stage"], row["amount"], row["weighted_amount"]) == ("sales", "Proposal", 8000, 4000)
    assert (row["contact"], row["company"], row["owner"], row["days_in_stage"]) == ("Ann Lee", "Acme", "ann", 2)
    assert row["expected_close"] == "2026-03-20"
    assert row["stage_entered_at"].startswith("2026-03-02T12:00:00")


def test_deal_view_has_lines_history_with_days_and_the_contact(db, book) -> None:
    with db.write("x") as s:
        deal = s.get(Deal, book["b"])
        deals.move_deal(s, deal, _stage(s, "qualified"), now=NOW - timedelta(days=10))
        view = deals.deal_view(s, deal, NOW)
    assert [(h["from"], h["to"], h["days"]) for h in view["history"]] == [(None, "Lead", 30), ("Lead", "Qualified", 10)]
    assert view["contact_detail"]["name"] == "Ann Lee"
    assert view["lines"] == [] and view["subtotal"] is None


# ---------------------------------------------------------------- sales section of contact and company views


def test_contact_section_shows_open_deals_revenue_purchases_and_margin(db) -> None:
    with db.write("x") as s:
        ann = _contact(s, "Ann Lee", company="Acme")
        widget = products.create_product(s, "Widget", price="100", cost="60")
        service = products.create_product(s, "Service", price="50")
        first = _new(s, "First", contact=ann)
        deals.add_line(s, first, widget, quantity=2)  # 200, cost 120
        deals.add_line(s, first, service)  # 50, cost unknown
        deals.win_deal(s, first, now=NOW)
        second = _new(s, "Second", contact=ann, amount="300")
        deals.win_deal(s, second, now=LATER)
        _new(s, "Open one", contact=ann, amount="1000", stage="proposal")
        _new(s, "Euro one", contact=ann, amount="70", currency="EUR", stage="proposal")
        lost = _new(s, "Lost one", contact=ann, amount="999")
        deals.lose_deal(s, lost, "price", now=NOW)
        name, section = deals.contact_section(s, ann)
    assert name == "sales"
    summary = section["summary"]
    assert summary["open deals"] == 2
    assert summary["open value"] == "70.00 EUR + 1,000.00 USD"
    assert summary["won revenue"] == "550.00 USD"
    assert summary["purchases"] == 2
    assert summary["last purchase"] == "2026-03-05"
    # Margin only where costs are known: 200 - 120 = 80 on 200 of revenue.
    assert summary["margin"] == "80.00 USD (40.0%)"
    assert section["won_revenue"] == [{"amount": 550, "currency": "USD"}]
    assert {item["title"] for item in section["items"]} == {"First", "Second", "Open one", "Euro one", "Lost one"}


def test_contact_and_company_views_include_the_sales_section(db) -> None:
    from termcrm.services import companies

    with db.write("x") as s:
        ann = _contact(s, "Ann Lee", company="Acme")
        deal = _new(s, "Renewal", contact=ann, amount="10")
        deals.win_deal(s, deal, now=NOW)
        view = contacts.contact_view(s, ann)
        company_view = companies.company_view(s, s.get(Company, ann.company_id))
    assert view["sales"]["purchases"] == 1
    assert company_view["sales"]["won_revenue"] == [{"amount": 10, "currency": "USD"}]


def test_deal_interactions_are_newest_first_without_archived_ones(db) -> None:
    from termcrm.services import interactions

    with db.write("x") as s:
        ann = _contact(s, "Ann Lee")
        deal = _new(s, contact=ann)
        for days, summary in ((5, "older"), (1, "newest"), (3, "middle")):
            interactions.log_interaction(
                s, kind="call", summary=summary, contact=ann, deal_id=deal.id, occurred_at=NOW - timedelta(days=days)
            )
        gone = interactions.log_interaction(s, kind="note", summary="gone", contact=ann, deal_id=deal.id)
        gone.archived_at = NOW
        interactions.log_interaction(s, kind="call", summary="other deal", contact=ann)
        assert [i.summary for i in deals.deal_interactions(s, deal)] == ["newest", "middle", "older"]
        assert [i["summary"] for i in deals.deal_view(s, deal, NOW)["interactions"]] == ["newest", "middle", "older"]
