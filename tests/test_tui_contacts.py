"""The Contacts screen, the contact and company views, and the contact forms, driven with a Pilot."""

from __future__ import annotations

from typing import Any

import pytest

from termcrm.io.charts import display_width
from tui_support import FIXED, column, make, settle, shown


def add_contacts(db: Any, names: list[str], **extra: Any) -> list[int]:
    from termcrm.services import contacts

    ids = []
    with db.write("seed") as s:
        for name in names:
            first, _, last = name.partition(" ")
            data = contacts.ContactInput(first_name=first, last_name=last, **extra)
            ids.append(contacts.create_contact(s, data, allow_duplicate=True).id)
    return ids


async def type_text(pilot: Any, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


def screen_table(app: Any) -> Any:
    return app.screen.query_one("#contacts-table")


async def test_list_loads_one_window_and_fetches_the_next_near_the_end(db, settings) -> None:
    add_contacts(db, [f"Person {n:03d}" for n in range(130)])
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = screen_table(app)
        assert table.row_count == 100
        assert "100 of 130 contacts" in str(app.screen.query_one("#contacts-status").render())
        await pilot.press("end")
        await settle(pilot)
        assert table.row_count == 130
        assert column(table, 0)[-1] == "Person 129"


async def test_filter_words_narrow_the_list_and_a_bad_field_is_reported(db, settings) -> None:
    add_contacts(db, ["Ann Lee", "Bob Stone"])
    add_contacts(db, ["Cy Customer"], stage="customer", tags=["vip"])
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await type_text(pilot, "stage:customer +vip")
        await pilot.press("enter")
        await settle(pilot)
        assert column(screen_table(app), 0) == ["Cy Customer"]
        filter_input = app.screen.query_one("#contacts-filter")
        filter_input.value = "colour:blue"
        await pilot.press("f", "enter")
        await settle(pilot)
        status = str(app.screen.query_one("#contacts-status").render())
        assert "colour" in status and "valid" in status
        assert column(screen_table(app), 0) == ["Cy Customer"]


async def test_sort_key_and_header_click_reorder_from_sql(db, settings) -> None:
    add_contacts(db, ["Ann Lee"], stage="lead")
    add_contacts(db, ["Bob Stone"], stage="customer")
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert column(screen_table(app), 0) == ["Ann Lee", "Bob Stone"]
        await pilot.click("#contacts-table", offset=(4, 0))
        await settle(pilot)
        assert column(screen_table(app), 0) == ["Bob Stone", "Ann Lee"]
        await pilot.press("s")
        await settle(pilot)
        assert app.screen.sort == "-last_contacted"


async def test_add_contact_form_saves_through_the_service(db, settings) -> None:
    from termcrm.services import contacts

    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "field-first_name"
        await type_text(pilot, "Zoe")
        await pilot.press("tab")
        await type_text(pilot, "Zed")
        await pilot.press("tab")
        await type_text(pilot, "zoe@example.com")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert column(screen_table(app), 0) == ["Zoe Zed"]
    with db.read() as s:
        found = contacts.list_contacts(s, ["email:zoe@example.com"])
        assert [c.display_name for c in found] == ["Zoe Zed"]
        assert found[0].stage == "lead"


async def test_bad_email_stays_in_the_form_next_to_the_field_and_keeps_what_was_typed(db, settings) -> None:
    from termcrm.services import contacts
    from termcrm.tui.widgets.forms import FormScreen

    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "Zoe")
        await pilot.press("tab", "tab")
        await type_text(pilot, "not-an-email")
        await pilot.press("tab")
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        assert form.query_one("#row-email").has_class("-invalid")
        assert "not an email address" in str(form.query_one("#error-email").render())
        assert form.value_of("first_name") == "Zoe"
        assert form.value_of("email") == "not-an-email"
        await pilot.press("escape")
        await settle(pilot)
    with db.read() as s:
        assert contacts.count_contacts(s) == 0


async def test_stale_edit_shows_both_values_and_overwrite_keeps_mine(db, settings) -> None:
    from termcrm.services import contacts, refs
    from termcrm.tui.widgets.forms import ConflictScreen, FormScreen

    [cid] = add_contacts(db, ["Ann Lee"], title="Buyer")
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        with db.write("someone else") as s:
            contacts.update_contact(s, refs.contact(s, cid), contacts.ContactChanges(values={"title": "CTO"}))
        form.set_value("title", "Head of Buying")
        await pilot.press("ctrl+s")
        await settle(pilot)
        conflict = app.screen
        assert isinstance(conflict, ConflictScreen)
        assert ("Title", "Head of Buying", "CTO") in conflict.rows
        await pilot.press("o")
        await settle(pilot)
    with db.read() as s:
        assert refs.contact(s, cid).title == "Head of Buying"


async def test_stale_edit_reload_takes_the_stored_values_into_the_form(db, settings) -> None:
    from termcrm.services import contacts, refs
    from termcrm.tui.widgets.forms import ConflictScreen, FormScreen

    [cid] = add_contacts(db, ["Ann Lee"], title="Buyer")
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        with db.write("someone else") as s:
            contacts.update_contact(s, refs.contact(s, cid), contacts.ContactChanges(values={"title": "CTO"}))
        form.set_value("city", "Lisbon")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictScreen)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert app.screen.value_of("title") == "CTO"
        await pilot.press("ctrl+s")
        await settle(pilot)
    with db.read() as s:
        contact = refs.contact(s, cid)
        assert contact.title == "CTO"
        assert contact.city is None


@pytest.mark.parametrize("answer, archived", [("y", True), ("n", False)])
async def test_archive_asks_first_and_archives_only_on_yes(db, settings, answer: str, archived: bool) -> None:
    from termcrm.services import refs
    from termcrm.tui.widgets.confirm import ConfirmScreen

    [cid] = add_contacts(db, ["Ann Lee"])
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press(answer)
        await settle(pilot)
        assert column(screen_table(app), 0) == ([] if archived else ["Ann Lee"])
    with db.read() as s:
        assert (refs.contact(s, cid, archived=True).archived_at is not None) is archived


async def test_contact_view_shows_fields_company_deals_timeline_followups_and_tickets(db, settings) -> None:
    from termcrm.services import contacts, deals, followups, interactions, refs, tickets
    from termcrm.tui.screens.contact_view import ContactViewScreen

    with db.write("seed") as s:
        c = contacts.create_contact(
            s,
            contacts.ContactInput(
                first_name="Ann", last_name="Lee", emails=["ann@example.com"], company="Acme", tags=["vip"]
            ),
        )
        deals.create_deal(s, deals.DealInput(title="Big deal", contact=c, amount="5000"), now=FIXED)
        interactions.log_interaction(s, kind="call", summary="Intro call", contact=c, occurred_at=FIXED)
        followups.add_followup(s, "Send proposal", due="2026-11-25", contact=c, now=FIXED)
        tickets.open_ticket(s, "Cannot log in", contact=refs.contact(s, c.id), now=FIXED)
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, ContactViewScreen)
        fields = shown(view.query_one("#cv-fields"))
        for text in ("Ann Lee", "ann@example.com", "Acme", "+vip"):
            assert text in fields
        sections = {s.key: s for s in view.query("SectionView")}
        assert [i["title"] for i in sections["sales"].items] == ["Big deal"]
        assert "open value: 5,000.00 USD" in shown(sections["sales"].query_one(".section-summary"))
        assert [i["summary"] for i in sections["timeline"].items] == ["Intro call"]
        assert [i["title"] for i in sections["followups"].items] == ["Send proposal"]
        assert [i["subject"] for i in sections["tickets"].items] == ["Cannot log in"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "ContactsScreen"


async def test_contact_view_keys_log_an_interaction_and_add_a_followup_deal_and_ticket(db, settings) -> None:
    from termcrm.models import Deal, Followup, Interaction, Ticket
    from termcrm.tui.widgets.forms import FormScreen

    [cid] = add_contacts(db, ["Ann Lee"])
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        for key, values in (
            ("l", {"summary": "Called about renewal"}),
            ("f", {"title": "Send the quote", "due": "2026-11-27"}),
            ("n", {"title": "Renewal 2027", "amount": "1200"}),
            ("t", {"subject": "Invoice is wrong"}),
        ):
            await pilot.press(key)
            await settle(pilot)
            form = app.screen
            assert isinstance(form, FormScreen), key
            for name, text in values.items():
                form.set_value(name, text)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert not isinstance(app.screen, FormScreen), form.query_one("#form-error").render()
    from sqlmodel import select

    with db.read() as s:
        assert [i.summary for i in s.exec(select(Interaction).where(Interaction.contact_id == cid))] == [
            "Called about renewal"
        ]
        followup = s.exec(select(Followup).where(Followup.contact_id == cid)).one()
        assert followup.title == "Send the quote" and followup.due_at.date().isoformat() == "2026-11-27"
        deal = s.exec(select(Deal).where(Deal.contact_id == cid)).one()
        assert (deal.title, deal.amount) == ("Renewal 2027", 120000)
        assert s.exec(select(Ticket).where(Ticket.contact_id == cid)).one().subject == "Invoice is wrong"


async def test_company_view_lists_people_and_enter_opens_a_person(db, settings) -> None:
    from termcrm.tui.screens.company_view import CompanyViewScreen
    from termcrm.tui.screens.contact_view import ContactViewScreen

    add_contacts(db, ["Ann Lee", "Bob Stone"], company="Acme")
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CompanyViewScreen)
        people = app.screen.query_one("#co-section-people")
        assert [p["name"] for p in people.items] == ["Ann Lee", "Bob Stone"]
        people.table.focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ContactViewScreen)
        assert app.screen.data["name"] == "Bob Stone"


async def test_cjk_and_accented_names_line_up_with_latin_ones(db, settings) -> None:
    add_contacts(db, ["田中 太郎"], company="東京株式会社")
    add_contacts(db, ["José Muñoz"], company="Acme")
    add_contacts(db, ["Zoë Åberg"], company="Zeta")
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = screen_table(app)
        starts = []
        for y in range(1, 4):
            text = table.render_line(y).text
            for company in ("東京株式会社", "Acme", "Zeta"):
                if company in text:
                    starts.append(display_width(text[: text.index(company)]))
        assert len(starts) == 3
        assert len(set(starts)) == 1
