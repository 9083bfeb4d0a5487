"""The screens: the five modes (contacts, pipeline, calendar, tickets, reports), record views and modals."""
