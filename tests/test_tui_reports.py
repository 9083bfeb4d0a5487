"""The Reports screen shows every report the services register, as tables with bar charts."""

from __future__ import annotations

from typing import Any

from tui_support import FIXED, make, settle, shown


def seed(db: Any) -> None:
    from termcrm.services import contacts, deals

    with db.write("seed") as s:
        ann = contacts.create_contact(s, contacts.ContactInput(first_name="Ann", last_name="Lee"))
        deals.create_deal(s, deals.DealInput(title="Big", contact=ann, amount="9000"), now=FIXED)
        deals.create_deal(s, deals.DealInput(title="Small", contact=ann, amount="1000", stage="Proposal"), now=FIXED)


async def test_every_registered_report_is_listed_and_each_one_renders(db, settings) -> None:
    from termcrm.services import reports
    from termcrm.tui.screens.reports import ReportsScreen

    seed(db)
    expected = [r["title"] for r in reports.describe()]
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        options = screen.query_one("#reports-list")
        listed = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert listed == expected
        for index, name in enumerate(r["name"] for r in reports.describe()):
            if index:
                await pilot.press("down")
                await settle(pilot)
            assert screen.current == name
            assert shown(screen.query_one("#report-title")).strip(), name
            assert screen.query(".report-section"), name
            assert not [n for n in app._notifications if n.severity == "error"], name


async def test_pipeline_report_draws_a_bar_per_stage_scaled_to_the_largest(db, settings) -> None:
    from termcrm.tui.widgets.report_chart import ReportChart

    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        chart = app.screen.query(ReportChart).first()
        lines = shown(chart).splitlines()
        lead = next(line for line in lines if line.startswith("Lead"))
        proposal = next(line for line in lines if line.startswith("Proposal"))
        assert lead.rstrip().endswith("9,000.00") and proposal.rstrip().endswith("1,000.00")
        assert lead.count("█") > 8 * proposal.count("█") > 0


async def test_p_changes_the_period_and_the_report_is_computed_again(db, settings) -> None:
    seed(db)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert app.screen.period == "quarter"
        assert "period: quarter" in shown(app.screen.query_one("#report-params"))
