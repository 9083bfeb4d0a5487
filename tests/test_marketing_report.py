"""The campaigns report: members, rates, cost, won revenue, cost per conversion and ROI, worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _seed(db) -> None:
    """Four campaigns whose figures the tests below work out by hand.

    Summit (event, cost 1,000.00 USD, 2026-03-01..03): members Ann, Bob, Cy, Dee.
      Ann responded and has an open deal (9,999.00: not revenue); Bob's deal won 2,500.00;
      Cy's deal won 1,500.00; Dee did nothing; Eve (not a member) brought a won deal of 700.00 EUR.
    Ads (ads, cost 2,000.00, 2026-04-01..30): member Bob, whose deal won 1,000.00.
    Newsletter (email, no cost, 2026-05-10): members Ann and Dee, nothing else.
    Old fair (mail, cost 500.00, 2025-10-01..02): member Dee, whose deal was lost (800.00).
    """
    from termcrm.services import campaigns, contacts, deals

    with db.write("seed") as s:
        people = {}
        for first in ("Ann", "Bob", "Cy", "Dee", "Eve"):
            people[first] = contacts.create_contact(
                s, contacts.ContactInput(first_name=first, last_name="Test", emails=[f"{first.lower()}@example.com"])
            )

        def campaign(name: str, channel: str, cost: str, start: date, end: date | None, members: list[str]):
            c = campaigns.create_campaign(s, name, channel=channel, actual_cost=cost, start=start, end=end)
            campaigns.add_members(s, c, contacts=[f"{m.lower()}@example.com" for m in members], now=NOW)
            return c

        def deal(c, who: str, amount: str, outcome: str, currency: str = "USD") -> None:
            d = deals.create_deal(
                s,
                deals.DealInput(
                    title=f"{who} {c.name}", contact=people[who], amount=amount, currency=currency, campaign=c
                ),
                now=NOW,
            )
            if outcome == "won":
                deals.win_deal(s, d, now=NOW)
            elif outcome == "lost":
                deals.lose_deal(s, d, "price", now=NOW)

        summit = campaign("Summit", "event", "1000", date(2026, 3, 1), date(2026, 3, 3), ["Ann", "Bob", "Cy", "Dee"])
        campaigns.respond(s, summit, people["Ann"], at=NOW)
        deal(summit, "Ann", "9999", "open")
        deal(summit, "Bob", "2500", "won")
        deal(summit, "Cy", "1500", "won")
        deal(summit, "Eve", "700", "won", currency="EUR")
        ads = campaign("Ads", "ads", "2000", date(2026, 4, 1), date(2026, 4, 30), ["Bob"])
        deal(ads, "Bob", "1000", "won")
        campaign("Newsletter", "email", "0", date(2026, 5, 10), None, ["Ann", "Dee"])
        fair = campaign("Old fair", "mail", "500", date(2025, 10, 1), date(2025, 10, 2), ["Dee"])
        deal(fair, "Dee", "800", "lost")


def _report(db, **params):
    from termcrm.services.reports import make_params, run

    with db.read() as s:
        return run(s, "campaigns", make_params(now=NOW, **params))


def test_figures_per_campaign_worked_out_by_hand(db) -> None:
    _seed(db)
    rows = {r["campaign"]: r for r in _report(db).to_json()["sections"]["campaigns"]["rows"]}
    summit = rows["Summit"]
    # 4 members; Ann responded, Bob and Cy converted through their deals, and Ann's open deal converts her too.
    assert summit["members"] == 4
    assert summit["response_rate"] == 75.0  # 3 / 4
    assert summit["conversion_rate"] == 75.0  # 3 / 4
    assert summit["cost"] == 1000
    assert summit["revenue"] == 4000  # 2,500 + 1,500 won; the open 9,999 and the EUR deal are not in it
    assert summit["cost_per_conversion"] == 333.33  # 1,000.00 / 3 = 333.333… → 333.33
    assert summit["roi"] == 300.0  # (4,000 − 1,000) / 1,000
    assert summit["other_revenue"] == "700.00 EUR"
    assert summit["currency"] == "USD"
    ads = rows["Ads"]
    assert (ads["members"], ads["response_rate"], ads["conversion_rate"]) == (1, 100.0, 100.0)
    assert ads["revenue"] == 1000 and ads["cost_per_conversion"] == 2000
    assert ads["roi"] == -50.0  # (1,000 − 2,000) / 2,000
    fair = rows["Old fair"]
    assert fair["revenue"] == 0 and fair["roi"] == -100.0  # a lost deal converts the member but earns nothing
    assert fair["conversion_rate"] == 100.0
    news = rows["Newsletter"]
    assert news["roi"] is None and news["cost_per_conversion"] is None and news["response_rate"] == 0.0


def test_sorted_by_roi_with_campaigns_without_cost_last(db) -> None:
    _seed(db)
    rows = _report(db).to_json()["sections"]["campaigns"]["rows"]
    assert [r["campaign"] for r in rows] == ["Summit", "Ads", "Old fair", "Newsletter"]


def test_totals_per_currency(db) -> None:
    _seed(db)
    totals = _report(db).to_json()["sections"]["totals"]["rows"]
    assert totals == [
        {
            "currency": "USD",
            "campaigns": 4,
            "members": 8,  # 4 + 1 + 2 + 1
            "converted": 5,  # 3 + 1 + 0 + 1
            "cost": 3500,
            "revenue": 5000,  # 4,000 + 1,000
            "cost_per_conversion": 700,  # 3,500 / 5
            "roi": 42.86,  # (5,000 − 3,500) / 3,500 = 42.857… %
        }
    ]


def test_since_and_until_select_campaigns_by_their_dates(db) -> None:
    _seed(db)

    def names(**params) -> list[str]:
        return sorted(r["campaign"] for r in _report(db, **params).to_json()["sections"]["campaigns"]["rows"])

    assert names(since="2026-01-01") == ["Ads", "Newsletter", "Summit"]
    assert names(until="2026-03-31") == ["Old fair", "Summit"]
    assert names(since="2026-03-03", until="2026-03-03") == ["Summit"]  # its last day overlaps
    assert names(since="2026-04-15", until="2026-04-20") == ["Ads"]
    assert names(since="2027-01-01") == []


def test_roi_is_drawn_as_a_bar_chart(db) -> None:
    from termcrm.services.reports import bar_cells, render_text

    _seed(db)
    report = _report(db)
    section = report.section("campaigns")
    assert section.bar == "roi"
    bars = bar_cells(section, 20)
    assert bars[0] == "█" * 20  # the best ROI fills the bar
    assert bars[1:] == ["", "", ""]  # negative and missing ROI draw nothing
    text = render_text(report, width=220)
    assert "Campaigns by ROI" in text and "300.0%" in text and "█" in text


def test_report_is_listed_in_the_registry(db) -> None:
    from termcrm.services.reports import available

    assert "campaigns" in available()


def test_empty_database_gives_empty_sections(db) -> None:
    report = _report(db)
    assert report.section("campaigns").rows == [] and report.section("totals").rows == []


def test_campaign_show_gives_the_same_return(db, crm) -> None:
    _seed(db)
    shown = crm.ok("campaign", "show", "Summit", "-f", "json").json()
    assert shown["revenue"] == 4000 and shown["roi"] == 3.0 and shown["cost_per_conversion"] == 333.33
    assert shown["other_revenue"] == [{"amount": 700, "currency": "EUR"}]
    assert shown["won_deals"] == 3 and shown["deals"] == 4


def test_crm_report_campaigns_prints_the_report(db, crm) -> None:
    _seed(db)
    data = crm.ok("report", "campaigns", "--since", "2026-01-01", "-f", "json").json()
    assert [r["campaign"] for r in data["sections"]["campaigns"]["rows"]] == ["Summit", "Ads", "Newsletter"]
    assert data["sections"]["campaigns"]["rows"][0]["roi"] == 300.0
    table = crm.ok("report", "campaigns").stdout
    assert "Campaigns by ROI" in table and "Summit" in table and "█" in table
