"""Spreadsheet formula neutralising for CSV cells (re-exported from :mod:`termcrm.io.csvread`).

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
would run as a formula when opened in a spreadsheet; termcrm prefixes such
cells with ``'`` on export and its own import removes exactly that prefix, so
``+1 555 0100`` survives the trip. There is one implementation, in
:mod:`termcrm.io.csvread`, where :func:`unescape_formula` is the exact inverse of
:func:`escape_formula`; this module keeps the name the renderers import.
"""

from __future__ import annotations

from termcrm.io.csvread import escape_formula, unescape_formula

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula."""

__all__ = ["TRIGGERS", "escape_formula", "unescape_formula"]
