"""Spreadsheet formula neutralising for CSV cells.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
would run as a formula when opened in a spreadsheet; termcrm prefixes such
cells with ``'`` on export and its own import removes exactly that prefix, so
``+1 555 0100`` survives the trip.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: str) -> str:
    """``'`` + value when a spreadsheet would read ``value`` as a formula."""
    if value and value.startswith(TRIGGERS):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    """Undo :func:`escape_formula`."""
    if len(value) >= 2 and value[0] == "'" and value[1:].startswith(TRIGGERS):
        return value[1:]
    return value
