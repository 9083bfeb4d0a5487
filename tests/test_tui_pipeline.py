"""The Pipeline kanban and the deal view, driven with a Pilot; every move is checked in the database."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from tui_support import FIXED, make, settle, shown


def seed(db: Any) -> dict[str, int]:
    """Ann Lee with three open deals: two in Lead (the larger first on the board), one in Proposal."""
    from termcrm.services import contacts, deals

    with db.write("seed") as s:
        c = contacts.create_contact(s, contacts.ContactInput(first_name="Ann", last_name="Lee", company="Acme"))
        big = deals.create_deal(s, deals.DealInput(title="Big", contact=c, amount="9000"), now=FIXED)
        small = deals.create_deal(s, deals.DealInput(title="Small", contact=c, amount="1000"), now=FIXED)
        prop = deals.create_deal(s, deals.DealInput(title="Prop", contact=c, amount="500", stage="Proposal"), now=FIXED)
        return {"big": big.id or 0, "small": small.id or 0, "prop": prop.id or 0}


def stage_of(db: Any, deal_id: int) -> tuple[str, str]:
    from termcrm.models import Deal, Stage

    with db.read() as s:
        deal = s.get(Deal, deal_id)
        assert deal is not None
        stage = s.get(Stage, deal.stage_id)
        assert stage is not None
        return stage.name, deal.status


async def open_board(pilot: Any) -> Any:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    return pilot.app.screen


async def test_board_has_a_column_per_open_stage_with_count_total_and_weighted(db, settings) -> None:
    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        assert [c.name for c in board.columns] == ["Lead", "Qualified", "Proposal", "Negotiation"]
        lead = board.columns[0]
        assert (lead.count, lead.total) == (2, "10,000.00 USD")
        assert lead.weighted == "1,000.00 USD"
        head = shown(board.query("KanbanColumn").first().query_one(".column-head"))
        assert "Lead  2" in head and "10,000.00 USD" in head


async def test_board_opens_on_the_first_card_of_the_first_non_empty_column(db, settings) -> None:
    from termcrm.services import deals, refs

    ids = seed(db)
    with db.write("empty the lead column") as s:
        for key in ("big", "small"):
            deals.move_deal_to(s, refs.deal(s, ids[key]), "Qualified", now=FIXED)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        assert board.selected()["title"] == "Big"
        assert board.columns[board.col].name == "Qualified"
        selected = [card.row["title"] for card in board.query("DealCard.-selected")]
        assert selected == ["Big"]


async def test_right_bracket_moves_the_deal_one_stage_right_and_records_the_history(db, settings) -> None:
    from termcrm.models import DealStageChange

    ids = seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        assert board.selected()["title"] == "Big"
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert board.columns[board.col].name == "Qualified"
        assert board.selected()["title"] == "Big"
    assert stage_of(db, ids["big"]) == ("Qualified", "open")
    with db.read() as s:
        moves = s.exec(select(DealStageChange).where(DealStageChange.deal_id == ids["big"])).all()
        assert len(moves) == 2


async def test_shift_left_and_left_bracket_move_back_and_arrows_move_the_selection(db, settings) -> None:
    ids = seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        await pilot.press("down")
        assert board.selected()["title"] == "Small"
        await pilot.press("right", "right")
        assert board.selected()["title"] == "Prop"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert stage_of(db, ids["prop"]) == ("Qualified", "open")
        await pilot.press("shift+left")
        await settle(pilot)
        assert stage_of(db, ids["prop"]) == ("Lead", "open")
        assert board.columns[board.col].name == "Lead"


async def test_capital_w_wins_and_capital_l_loses_with_the_reason_asked(db, settings) -> None:
    from termcrm.models import Deal
    from termcrm.tui.widgets.forms import FormScreen

    ids = seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        await pilot.press("W")
        await settle(pilot)
        assert stage_of(db, ids["big"]) == ("Won", "won")
        assert board.selected()["title"] == "Small"
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#row-reason").has_class("-invalid")
        for ch in "price":
            await pilot.press(ch)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
    assert stage_of(db, ids["small"]) == ("Lost", "lost")
    with db.read() as s:
        deal = s.get(Deal, ids["small"])
        assert deal is not None and deal.lost_reason == "price"


async def test_v_shows_the_won_and_lost_columns(db, settings) -> None:
    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert [c.kind for c in board.columns][-2:] == ["won", "lost"]
        await pilot.press("v")
        await settle(pilot)
        assert {c.kind for c in board.columns} == {"open"}


async def test_p_switches_pipeline_and_o_filters_by_owner(db, settings) -> None:
    from termcrm.services import contacts, deals, pipelines

    seed(db)
    with db.write("second pipeline") as s:
        renewals = pipelines.add_pipeline(s, "Renewals")
        c = contacts.create_contact(s, contacts.ContactInput(first_name="Bo"))
        deals.create_deal(s, deals.DealInput(title="Renew Bo", contact=c, pipeline=renewals, owner="zed"), now=FIXED)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert board.pipeline_name == "Renewals"
        assert board.selected()["title"] == "Renew Bo"
        await pilot.press("o")
        await settle(pilot)
        options = app.screen.query_one("OptionList")
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels[0] == "everyone" and "tester (you)" in labels
        await pilot.press(*["down"] * labels.index("tester (you)"), "enter")
        await settle(pilot)
        assert board.owner == "tester"
        assert sum(c.count for c in board.columns) == 0


async def test_n_adds_a_deal_in_the_selected_stage(db, settings) -> None:
    from termcrm.models import Deal, Stage

    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        await pilot.press("right")
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        form.set_value("title", "Fresh")
        form.set_value("contact", "Ann Lee")
        form.set_value("amount", "750")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert board.selected()["title"] == "Fresh"
    with db.read() as s:
        deal = s.exec(select(Deal).where(Deal.title == "Fresh")).one()
        stage = s.get(Stage, deal.stage_id)
        assert stage is not None and stage.name == "Qualified"
        assert deal.amount == 75000


async def test_enter_opens_the_deal_view_with_history_and_its_keys_move_it(db, settings) -> None:
    from termcrm.tui.screens.deal_view import DealViewScreen

    ids = seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_board(pilot)
        await pilot.press("enter")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, DealViewScreen)
        assert "Big" in shown(view.query_one("#dv-title"))
        assert "9,000.00 USD" in shown(view.query_one("#dv-fields"))
        assert [h["to"] for h in view.query_one("#dv-history").items] == ["Lead"]
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert [h["to"] for h in view.query_one("#dv-history").items] == ["Lead", "Qualified"]
    assert stage_of(db, ids["big"]) == ("Qualified", "open")


async def test_a_stale_card_refuses_the_move(db, settings, monkeypatch) -> None:
    from termcrm.services import deals, refs
    from termcrm.tui.app import CrmApp

    monkeypatch.setattr(CrmApp, "poll_changes", lambda self: None)  # the board has not seen the other write yet
    ids = seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_board(pilot)
        with db.write("someone else") as s:
            deals.update_deal(s, refs.deal(s, ids["big"]), deals.DealChanges(amount="9500"))
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert any("changed by someone else" in n.message for n in app._notifications)
    assert stage_of(db, ids["big"]) == ("Lead", "open")


async def test_move_stage_offers_every_stage_even_hidden_won_and_lost(db, settings) -> None:
    from termcrm.tui.widgets.picker import PickerScreen

    ids = seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        board.action_move_stage()
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        labels = [label for _value, label in app.screen.options]
        assert labels == [
            "Lead (open)",
            "Qualified (open)",
            "Proposal (open)",
            "Negotiation (open)",
            "Won (won)",
            "Lost (lost)",
        ]
        await pilot.press("down", "down", "down", "down", "enter")
        await settle(pilot)
    assert stage_of(db, ids["big"]) == ("Won", "won")


async def test_owner_filter_narrows_the_cards_and_the_column_figures(db, settings) -> None:
    from termcrm.services import contacts, deals

    seed(db)
    with db.write("zed's deal") as s:
        c = contacts.create_contact(s, contacts.ContactInput(first_name="Bo"))
        deals.create_deal(s, deals.DealInput(title="Zed's", contact=c, amount="300", owner="zed"), now=FIXED)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)
        assert (board.columns[0].count, board.columns[0].total) == (3, "10,300.00 USD")
        board.owner = "zed"
        board.reload()
        await settle(pilot)
        lead = board.columns[0]
        assert (lead.count, lead.total, lead.weighted) == (1, "300.00 USD", "30.00 USD")
        assert [c["title"] for c in lead.cards] == ["Zed's"]
        assert [c.count for c in board.columns[1:]] == [0, 0, 0]
