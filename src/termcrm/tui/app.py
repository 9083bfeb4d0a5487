"""The termcrm app: five screens (Contacts, Pipeline, Calendar, Tickets, Reports) over the services.

:func:`make_app` is the one factory: ``crm``, ``crm tui`` and ``crm demo``
run what it returns, and the tests drive the same object with a Pilot. A fixed
``now`` (a datetime, or a callable returning one) makes every screen
deterministic: it is handed to every service that takes a clock.

The app owns one :class:`~termcrm.db.Database`; every worker opens its own
short session from it. A timer asks :func:`termcrm.services.changes.data_version`
for a change token on a connection of its own, so writes by another process
(a ``crm`` command, a cron job) reach the screen without a key press.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen

from termcrm.tui.messages import ActionFailed, DataChanged, RecordSaved

if TYPE_CHECKING:
    from termcrm.config import Settings
    from termcrm.db import Database
    from termcrm.services.changes import Watcher

SCREENS_GROUP = Binding.Group("Screens", compact=True)
"""The number keys share one footer entry."""

MODE_SCREENS: dict[str, tuple[str, str, str]] = {
    "contacts": ("termcrm.tui.screens.contacts", "ContactsScreen", "Contacts"),
    "pipeline": ("termcrm.tui.screens.pipeline", "PipelineScreen", "Pipeline"),
    "calendar": ("termcrm.tui.screens.calendar", "CalendarScreen", "Calendar"),
    "tickets": ("termcrm.tui.screens.tickets", "TicketsScreen", "Tickets"),
    "reports": ("termcrm.tui.screens.reports", "ReportsScreen", "Reports"),
}
"""Mode name -> (module, screen class, title); modules are imported when the screen is first shown."""


def _lazy_screen(module: str, name: str) -> Callable[[], Screen[Any]]:
    def make() -> Screen[Any]:
        screen: Screen[Any] = getattr(importlib.import_module(module), name)()
        return screen

    return make


Clock = Callable[[], datetime]


def _clock(now: datetime | Callable[[], datetime] | None) -> Clock:
    from termcrm import dates

    if now is None:
        return dates.utcnow
    if isinstance(now, datetime):
        fixed = dates.as_utc(now)
        return lambda: fixed
    return lambda: dates.as_utc(now())


class CrmApp(App[None]):
    """The terminal user interface of termcrm."""

    CSS_PATH = "app.tcss"
    TITLE = "termcrm"
    ENABLE_COMMAND_PALETTE = True
    DEFAULT_MODE = "contacts"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        mode: _lazy_screen(module, name) for mode, (module, name, _title) in MODE_SCREENS.items()
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "go('contacts')", "Contacts", id="go-contacts", tooltip="Show the contacts.", group=SCREENS_GROUP),
        Binding(
            "2", "go('pipeline')", "Pipeline", id="go-pipeline", tooltip="Show the deal pipeline.", group=SCREENS_GROUP
        ),
        Binding(
            "3", "go('calendar')", "Calendar", id="go-calendar", tooltip="Show follow-ups by day.", group=SCREENS_GROUP
        ),
        Binding(
            "4", "go('tickets')", "Tickets", id="go-tickets", tooltip="Show the ticket queue.", group=SCREENS_GROUP
        ),
        Binding("5", "go('reports')", "Reports", id="go-reports", tooltip="Show the reports.", group=SCREENS_GROUP),
        Binding(
            "slash", "search", "Search", id="search", tooltip="Search contacts, companies, deals, tickets, articles."
        ),
        Binding("question_mark", "help", "Keys", id="help", tooltip="List every key of this screen."),
        Binding(
            "ctrl+p",
            "command_palette",
            "Palette",
            id="command-palette",
            tooltip="Open the command palette (go: pipeline, contact: new, ...).",
            priority=True,
        ),
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave termcrm."),
        Binding(
            "ctrl+q", "quit", "Quit", id="quit-anywhere", tooltip="Leave termcrm, even from a text field.", show=False
        ),
    ]

    def __init__(self, settings: Settings, *, now: datetime | Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.now: Clock = _clock(now)
        """The app's clock: every service that takes ``now`` gets ``self.now()``."""
        self._db: Database | None = None
        self.data_token: Any = None
        """The database's change token as last seen; screens compare it with the one they loaded at."""
        self._watcher: Watcher | None = None
        self._watch_lock = threading.Lock()
        self._db_lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._warm_up, name="termcrm-warm-up", daemon=True).start()
        from termcrm.config import keymap

        self.set_keymap(keymap(settings.values))
        theme = str(settings.get("tui.theme") or "")
        if theme:
            self._wanted_theme = theme
        else:
            self._wanted_theme = ""

    # ------------------------------------------------------------------ database

    @property
    def db(self) -> Database:
        """The app's one Database (opened, and migrated, on first use; safe from any thread)."""
        if self._db is None:
            with self._db_lock:
                if self._closed:
                    raise RuntimeError("the app has closed its database")
                if self._db is None:
                    from termcrm.db import open_database

                    self._db = open_database(self.settings, cache_kib=8192)
        return self._db

    def _warm_up(self) -> None:
        """Import the data layer and open the database while Textual draws the first frame.

        Importing SQLAlchemy and the models costs about as much as importing
        Textual; doing both at once gets the first rows on screen sooner.
        """
        try:
            self.db  # noqa: B018 - opening is the point
            import termcrm.services.contacts  # noqa: F401
        except Exception:  # noqa: BLE001 - the first worker reports the same failure to the user
            pass

    @property
    def user(self) -> str:
        """The acting user's name."""
        return self.settings.user

    def on_mount(self) -> None:
        if self._wanted_theme:
            if self._wanted_theme in self.available_themes:
                self.theme = self._wanted_theme
            else:
                self.notify(
                    f"unknown theme {self._wanted_theme!r} in tui.theme; "
                    f"themes: {', '.join(sorted(self.available_themes))}",
                    severity="warning",
                )
        interval = float(self.settings.get("tui.refresh_seconds") or 1.0)
        self.set_interval(max(0.2, interval), self.poll_changes, name="watch-changes")

    def on_unmount(self) -> None:
        self._close_db()

    def _close_db(self) -> None:
        with self._watch_lock:
            if self._watcher is not None:
                self._watcher.close()
                self._watcher = None
        with self._db_lock:
            self._closed = True
            if self._db is not None:
                self._db.dispose()
                self._db = None

    # ------------------------------------------------------------------ live refresh

    def poll_changes(self) -> None:
        """Ask the database whether anything was committed since the last look (in a worker)."""
        self._poll()

    @work(thread=True, exclusive=False, exit_on_error=False, group="watch")
    def _poll(self) -> None:
        if not self._watch_lock.acquire(blocking=False):
            return
        try:
            from termcrm.services.changes import Watcher

            if self._watcher is None:
                self._watcher = Watcher(self.db)
            try:
                token = self._watcher.token()
            except Exception:  # noqa: BLE001 - a dropped connection: the watcher reconnects next time
                return
        finally:
            self._watch_lock.release()
        self.call_from_thread(self._token_seen, token)

    def _token_seen(self, token: Any) -> None:
        if self.data_token is None:
            self.data_token = token
            return
        if token != self.data_token:
            self.data_token = token
            self.screen.post_message(DataChanged(token))

    def note_write(self) -> None:
        """This app just committed a write: look for the new token now rather than at the next tick."""
        self._poll()

    # ------------------------------------------------------------------ messages from workers

    def on_action_failed(self, message: ActionFailed) -> None:
        self.notify(message.text, severity=message.severity, timeout=6)  # type: ignore[arg-type]

    def on_record_saved(self, message: RecordSaved) -> None:
        self.notify(message.summary, timeout=3)
        self.note_write()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"go", "search", "help", "quit"} and isinstance(self.screen, ModalScreen):
            return False
        return True

    def action_go(self, mode: str) -> None:
        """Show one of the five screens."""
        if mode in MODE_SCREENS:
            self.switch_mode(mode)

    def action_search(self) -> None:
        """Open global search."""
        from termcrm.tui.screens.search import SearchScreen

        self.push_screen(SearchScreen())

    def action_help(self) -> None:
        """List the keys of the current screen."""
        from termcrm.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.screen))

    def open_record(self, kind: str, record_id: int) -> None:
        """Push the view of a record (contact, company, deal, ticket, kb_article, interaction)."""
        from termcrm.tui.screens import views

        screen = views.view_for(kind, record_id)
        if screen is not None:
            self.push_screen(screen)

    def run_screen_action(self, action: str) -> None:
        """Run ``action`` on the current screen if it has it; otherwise say where it lives."""
        method = getattr(self.screen, f"action_{action}", None)
        if method is None:
            self.notify(f"nothing to do here for {action.replace('_', ' ')}", severity="warning")
            return
        method()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        from termcrm.tui import palette

        yield from palette.commands(self, screen)


def make_app(settings: Settings, *, now: datetime | Callable[[], datetime] | None = None) -> CrmApp:
    """The app for ``settings``; ``now`` fixes the clock (tests, screenshots)."""
    return CrmApp(settings, now=now)
