"""Reusable widgets: forms, confirmation and picker modals, kanban cards, the month grid, report charts."""
