"""Writes made by another process show up on the screen within two seconds, without a key press."""

from __future__ import annotations

from typing import Any

from tui_support import FIXED, column, make, settle


async def wait_until(pilot: Any, check: Any, seconds: float = 2.0) -> bool:
    waited = 0.0
    while waited <= seconds:
        if check():
            return True
        await pilot.pause(0.1)
        waited += 0.1
    return check()


async def test_a_contact_added_elsewhere_appears_in_the_list(db, settings) -> None:
    from termcrm.db import open_database
    from termcrm.services import contacts

    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(1.2)  # the watcher has seen the database once
        other = open_database(settings)
        try:
            with other.write("cron job") as s:
                contacts.create_contact(s, contacts.ContactInput(first_name="Zed", last_name="Remote"))
        finally:
            other.dispose()
        table = app.screen.query_one("#contacts-table")
        assert await wait_until(pilot, lambda: "Zed Remote" in column(table, 0))


async def test_a_deal_moved_elsewhere_moves_on_the_board(db, settings) -> None:
    from termcrm.db import open_database
    from termcrm.services import contacts, deals, refs

    with db.write("seed") as s:
        ann = contacts.create_contact(s, contacts.ContactInput(first_name="Ann"))
        deal_id = deals.create_deal(s, deals.DealInput(title="Big", contact=ann), now=FIXED).id
    app = make(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.pause(1.2)
        board = app.screen
        assert [len(c.cards) for c in board.columns] == [1, 0, 0, 0]
        other = open_database(settings)
        try:
            with other.write("crm deal move") as s:
                deals.move_deal_to(s, refs.deal(s, deal_id), "Proposal", now=FIXED)
        finally:
            other.dispose()
        assert await wait_until(pilot, lambda: [len(c.cards) for c in board.columns] == [0, 0, 1, 0])


def test_the_change_token_moves_only_when_something_is_committed(db) -> None:
    from termcrm.db import open_database
    from termcrm.services import changes, contacts

    watcher = changes.Watcher(db)
    try:
        first = watcher.token()
        assert watcher.token() == first
        other = open_database(db.settings)
        try:
            with other.read() as s:
                contacts.count_contacts(s)
            assert watcher.token() == first
            with other.write("add") as s:
                contacts.create_contact(s, contacts.ContactInput(first_name="Ann"))
        finally:
            other.dispose()
        assert watcher.token() != first
    finally:
        watcher.close()
