"""The demo database gains segments and campaigns with members, responses, unsubscribes and sourced deals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _build(path: Path) -> dict[str, Any]:
    from sqlmodel import col, select

    from termcrm.config import Settings
    from termcrm.db import open_database
    from termcrm.demo import build
    from termcrm.models import Campaign, CampaignMember, Deal
    from termcrm.services import campaigns, segments

    build(str(path), contacts=150, seed=7, now=NOW)
    db = open_database(Settings(db_url=f"sqlite:///{path}", user="ann"))
    try:
        with db.read() as s:
            found = list(s.exec(select(Campaign).order_by(col(Campaign.id))).all())
            perf = {p.name: p.as_json() for p in campaigns.performance(s, found)}
            members = {
                c.name: sorted((m.contact_id, m.status) for m in s.exec(
                    select(CampaignMember).where(CampaignMember.campaign_id == c.id)
                ).all())
                for c in found
            }  # fmt: skip
            deals = s.exec(select(Deal).where(col(Deal.campaign_id).is_not(None))).all()
            return {
                "segments": {seg.name: segments.member_count(s, seg, now=NOW) for seg in segments.list_segments(s)},
                "campaigns": {c.name: (c.channel, c.status) for c in found},
                "performance": perf,
                "members": members,
                "deal_statuses": sorted(d.status for d in deals),
            }
    finally:
        db.dispose()


def test_demo_has_segments_campaigns_responses_and_sourced_deals(tmp_path: Path) -> None:
    data = _build(tmp_path / "demo.db")
    assert {"customers", "vip-customers", "newsletter", "leads", "vip-dormant"} <= set(data["segments"])
    assert data["segments"]["customers"] > 0
    statuses = {status for _channel, status in data["campaigns"].values()}
    assert {"completed", "active", "planned"} <= statuses
    perf = data["performance"]
    assert all(p["members"] > 0 for p in perf.values())
    assert sum(p["responded"] for p in perf.values()) > 0
    assert sum(p["unsubscribed"] for p in perf.values()) > 0
    assert "won" in data["deal_statuses"] and "open" in data["deal_statuses"]
    rois = [p["roi"] for p in perf.values() if p["roi"] is not None]
    assert any(r > 0 for r in rois) and any(r < 0 for r in rois), "the report shows winners and losers"


def test_demo_second_newsletter_leaves_out_who_unsubscribed_from_the_first(tmp_path: Path) -> None:
    data = _build(tmp_path / "demo.db")
    first = {cid for cid, status in data["members"]["Spring newsletter"] if status == "unsubscribed"}
    second = {cid for cid, _status in data["members"]["Autumn newsletter"]}
    assert first, "the demo has someone who unsubscribed"
    assert not first & second


def test_demo_marketing_is_deterministic(tmp_path: Path) -> None:
    one = _build(tmp_path / "one.db")
    two = _build(tmp_path / "two.db")
    assert one == two
