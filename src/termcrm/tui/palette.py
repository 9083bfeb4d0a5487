"""The command palette's entries (``ctrl+p``), each named ``noun: verb`` like ``go: pipeline``.

Commands that act on the selected record come from the screen's ``PALETTE``
(``deal: move stage`` on the pipeline or a deal view), so each names what it
acts on; the others work from anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand

if TYPE_CHECKING:
    from textual.screen import Screen

    from termcrm.tui.app import CrmApp


def commands(app: CrmApp, screen: Screen[Any]) -> Iterator[SystemCommand]:
    """Every palette entry for ``screen``."""
    from termcrm.tui.app import MODE_SCREENS

    def go(mode: str) -> Callable[[], None]:
        return lambda: app.action_go(mode)

    for mode, (_module, _cls, title) in MODE_SCREENS.items():
        yield SystemCommand(f"go: {mode}", f"Show the {title} screen", go(mode))
    yield SystemCommand("search: everything", "Search contacts, companies, deals, tickets, articles", app.action_search)
    yield SystemCommand("contact: new", "Add a contact", lambda: _push(app, "contact"))
    yield SystemCommand("deal: new", "Add a deal", lambda: _push(app, "deal"))
    yield SystemCommand("followup: new", "Add a follow-up", lambda: _push(app, "followup"))
    yield SystemCommand("ticket: new", "Open a ticket", lambda: _push(app, "ticket"))
    for title, action, text in getattr(screen, "PALETTE", ()):
        if callable(getattr(screen, f"action_{action}", None)):
            yield SystemCommand(title, text, _screen_action(screen, action))
    yield SystemCommand("app: keys", "List every key of this screen", app.action_help)
    yield SystemCommand("app: theme", "Change the colours (set tui.theme to keep one)", app.action_change_theme)
    yield SystemCommand(
        "app: screenshot", "Save an SVG screenshot of the screen", lambda: app.set_timer(0.1, app.deliver_screenshot)
    )
    yield SystemCommand("app: quit", "Leave termcrm", app.action_quit)


def _screen_action(screen: Screen[Any], action: str) -> Callable[[], None]:
    return lambda: getattr(screen, f"action_{action}")()


def _push(app: CrmApp, what: str) -> None:
    """Open the form for a new record of ``what``, linked to what the screen shows when it can be."""
    from termcrm.tui import editors

    screen: Any = app.screen
    new = getattr(screen, "new_record_form", None)
    form = new(what) if callable(new) else None
    if form is None:
        if what == "contact":
            form = editors.contact_form(app.now)
        elif what == "deal":
            form = editors.deal_form(app.now, app.settings.currency)
        elif what == "followup":
            form = editors.followup_form(app.now)
        else:
            form = editors.ticket_form(app.now)

    def done(result: Any) -> None:
        if result:
            app.notify(f"saved {what} #{result}")
            reload = getattr(app.screen, "reload", None)
            if callable(reload):
                reload()

    app.push_screen(form, done)
