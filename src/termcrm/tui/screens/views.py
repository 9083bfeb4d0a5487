"""Which screen shows a record of a kind, plus two small viewers: plain text and a knowledge-base article."""

from __future__ import annotations

from typing import Any

from rich.markdown import Markdown
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from termcrm.tui.messages import ArticleLoaded


def view_for(kind: str, record_id: int) -> Screen[Any] | None:
    """The screen that shows a record of ``kind`` (the search index's kinds)."""
    if kind == "contact":
        from termcrm.tui.screens.contact_view import ContactViewScreen

        return ContactViewScreen(record_id)
    if kind == "company":
        from termcrm.tui.screens.company_view import CompanyViewScreen

        return CompanyViewScreen(record_id)
    if kind == "deal":
        from termcrm.tui.screens.deal_view import DealViewScreen

        return DealViewScreen(record_id)
    if kind == "ticket":
        from termcrm.tui.screens.ticket_view import TicketViewScreen

        return TicketViewScreen(record_id)
    if kind in ("kb_article", "article"):
        return ArticleScreen(record_id)
    if kind == "interaction":
        return InteractionScreen(record_id)
    return None


class TextScreen(ModalScreen[None]):
    """A title and some text, closed with escape."""

    BINDINGS = [Binding("escape", "close", "Close", id="text-close", tooltip="Close this window.")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.heading = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog text-dialog"):
            yield Label(Text(self.heading), classes="dialog-title")
            with VerticalScroll():
                yield Static(Text(self.body or "(no details)"), classes="text-body")

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)


class ArticleScreen(ModalScreen[None]):
    """A knowledge-base article, rendered as Markdown."""

    BINDINGS = [Binding("escape", "close", "Close", id="article-close", tooltip="Close the article.")]

    def __init__(self, article_id: int) -> None:
        super().__init__()
        self.article_id = article_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog text-dialog"):
            yield Label(f"Article #{self.article_id}", id="article-title", classes="dialog-title")
            with VerticalScroll():
                yield Static("loading…", id="article-body", classes="text-body")

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="article")
    def _load(self) -> None:
        from termcrm.services import kb

        app: Any = self.app
        try:
            with app.db.read() as session:
                data = kb.article_view(session, kb.article_ref(session, self.article_id))
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.post_message(ArticleLoaded(data))

    @on(ArticleLoaded)
    def _loaded(self, message: ArticleLoaded) -> None:
        d = message.data
        tags = " ".join(f"+{t}" for t in d.get("tags") or [])
        self.query_one("#article-title", Label).update(
            Text(f"#{d['id']} {d['title']}  ({d['status']}{', ' + tags if tags else ''})")
        )
        self.query_one("#article-body", Static).update(Markdown(d.get("body") or ""))

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)


class InteractionScreen(TextScreen):
    """An interaction found by search: its summary and details."""

    def __init__(self, interaction_id: int) -> None:
        super().__init__(f"Interaction #{interaction_id}", "loading…")
        self.interaction_id = interaction_id

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="interaction")
    def _load(self) -> None:
        from termcrm.models import Interaction
        from termcrm.services import interactions, refs

        app: Any = self.app
        try:
            with app.db.read() as session:
                item = refs.by_id(session, Interaction, self.interaction_id, "interaction")
                row = interactions.rows(session, [item])[0]
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._show, row)

    def _show(self, row: dict[str, Any]) -> None:
        from termcrm.tui import fmt

        head = f"{fmt.when(row.get('occurred_at'))} {row['kind']} with {row.get('contact') or '-'}: {row['summary']}"
        self.query_one(".dialog-title", Label).update(Text(head))
        self.query_one(".text-body", Static).update(Text(row.get("body") or "(no details)"))
