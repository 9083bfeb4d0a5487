"""Reports that pick their SQL by size give the same figures in every form.

The activity report counts each period with its own index range up to
``PERIOD_SCANS`` periods and groups by period past that; the same window is
reported both ways here.
"""

from __future__ import annotations

from typing import Any

import pytest

from test_reports_builders import World, ago, rows, run_report


def _activity_world(db: Any) -> None:
    with db.write("data") as s:
        w = World(s)
        ann = w.contact("Ann")
        bob = w.contact("Bob")
        acme = w.company("Acme")
        for days, who in ((1, ann), (3, ann), (10, bob), (40, ann), (41, bob), (75, bob), (200, ann)):
            w.interaction(ago(days), "call" if days % 2 else "email", contact=who, user="ann" if days < 50 else "ben")
        w.interaction(ago(5), "meeting", company=acme, user="ann")  # touches no contact
        w.interaction(ago(6), contact=bob, archived=True)  # archived: never counts


@pytest.mark.parametrize("params", [{}, {"period": "week", "since": "2026-09-01"}, {"owner": "ann"}])
def test_activity_periods_counted_by_range_or_grouped_agree(
    db: Any, params: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from termcrm.services.reports import activity

    _activity_world(db)
    by_range = run_report(db, "activity", **params)
    monkeypatch.setattr(activity, "PERIOD_SCANS", 0)
    grouped = run_report(db, "activity", **params)
    assert by_range.to_json()["sections"] == grouped.to_json()["sections"]
    assert sum(r["interactions"] for r in rows(by_range, "periods")) == rows(by_range, "summary")[0]["interactions"]
