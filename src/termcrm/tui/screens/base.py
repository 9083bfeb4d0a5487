"""What every termcrm screen shares: the typed app, reloading on changes, and running writes in workers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work
from textual.screen import Screen

from termcrm.errors import CrmError
from termcrm.tui.messages import ActionFailed, DataChanged, RecordSaved

if TYPE_CHECKING:
    from sqlmodel import Session

    from termcrm.tui.app import CrmApp


class CrmScreen(Screen[None]):
    """A screen whose data comes from workers and follows the database as it changes."""

    loaded_token: Any = None
    """The app's change token when this screen last loaded."""

    @property
    def crm(self) -> CrmApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def reload(self) -> None:
        """Load (again) what the screen shows, keeping the selection."""

    def begin_load(self) -> None:
        """Remember which version of the data the load about to start sees."""
        self.loaded_token = self.crm.data_token

    def on_screen_resume(self) -> None:
        if self.loaded_token != self.crm.data_token:
            self.reload()

    def on_data_changed(self, message: DataChanged) -> None:
        message.stop()
        self.reload()

    def failed(self, exc: BaseException) -> None:
        """Tell the user what went wrong (safe from a worker thread)."""
        text = exc.message if isinstance(exc, CrmError) else f"unexpected {type(exc).__name__}: {exc}"
        self.post_message(ActionFailed(text))

    def write(
        self,
        summary: str,
        action: Callable[[Session], Any],
        done: Callable[[Any], None] | None = None,
    ) -> None:
        """Run ``action(session)`` in one write session in a worker; ``done(result)`` runs on the app's thread."""
        self._write(summary, action, done)

    @work(thread=True, exclusive=False, exit_on_error=False, group="write")
    def _write(self, summary: str, action: Callable[[Session], Any], done: Callable[[Any], None] | None) -> None:
        try:
            with self.crm.db.write(summary) as session:
                result = action(session)
                said = _summary_of(session) or summary
        except Exception as exc:  # noqa: BLE001 - reported to the user, the app stays up
            self.failed(exc)
            return
        self.post_message(RecordSaved(said))
        if done is not None:
            self.app.call_from_thread(done, result)


def _summary_of(session: Session) -> str:
    """The change set's summary the service wrote (``move deal #4 to Proposal``)."""
    from termcrm.services import history

    state = session.info.get(history.INFO_KEY)
    return str(getattr(state, "summary", "") or "")
