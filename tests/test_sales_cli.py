"""Sales through the CLI: crm deal, crm pipeline, crm product, crm log --deal, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def people(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "--email", "ann@acme.example", "--company", "Acme")
    crm.ok("contact", "add", "Bob Stone", "--company", "Globex")


def _deal(crm, *args: str) -> dict:
    return crm.ok("deal", "add", *args, "-f", "json").json()


# ---------------------------------------------------------------- deal add / list / show


def test_deal_add_then_list_in_json_has_the_documented_keys(crm, people) -> None:
    made = _deal(crm, "Acme renewal", "--contact", "ann@acme.example", "--amount", "12,500.50", "--close", "2030-01-31",
                 "--owner", "ann", "--source", "referral")  # fmt: skip
    assert made["stage"] == "Lead" and made["company"] == "Acme"
    rows = crm.ok("deal", "list", "-f", "json").json()
    assert len(rows) == 1
    row = rows[0]
    for key in (
        "id", "title", "contact_id", "company_id", "pipeline", "stage", "status", "amount", "currency",
        "probability", "weighted_amount", "expected_close", "owner", "source", "lost_reason", "closed_at",
        "stage_entered_at", "days_in_stage", "rotting",
    ):  # fmt: skip
        assert key in row, key
    assert (row["amount"], row["currency"], row["probability"], row["weighted_amount"]) == (12500.5, "USD", 10, 1250.05)
    assert (row["expected_close"], row["owner"], row["source"], row["status"]) == (
        "2030-01-31",
        "ann",
        "referral",
        "open",
    )


def test_deal_add_for_a_company_in_a_stage_and_table_output(crm, people) -> None:
    added = crm.ok("deal", "add", "Globex rollout", "--company", "Globex", "--amount", "30k", "--stage", "neg")
    assert "added deal #1 Globex rollout (Negotiation)" in added.stderr
    result = crm.ok("deal", "list")
    assert "Globex rollout" in result.stdout and "30,000.00 USD" in result.stdout and "80%" in result.stdout


def test_deal_add_errors(crm, people) -> None:
    no_party = crm("deal", "add", "Orphan")
    assert no_party.exit_code == 2 and "--contact" in no_party.stderr
    unknown = crm("deal", "add", "X", "--contact", "nobody at all")
    assert unknown.exit_code == 3
    bad_amount = crm("deal", "add", "X", "--contact", "Ann", "--amount", "lots")
    assert bad_amount.exit_code == 2 and "cannot read amount" in bad_amount.stderr
    bad_stage = crm("deal", "add", "X", "--contact", "Ann", "--stage", "L")
    assert bad_stage.exit_code == 4 and "Lead" in bad_stage.stderr and "Lost" in bad_stage.stderr
    lost_no_reason = crm("deal", "add", "X", "--contact", "Ann", "--stage", "lost")
    assert lost_no_reason.exit_code == 2
    assert crm.ok("deal", "list", "-f", "json").json() == []


def test_deal_list_filter_words(crm, people) -> None:
    _deal(crm, "A", "--contact", "Ann", "--amount", "8000", "--stage", "proposal", "--owner", "ann", "--close", "+10d")
    _deal(crm, "B", "--contact", "Bob", "--amount", "1200", "--owner", "bob")
    _deal(crm, "C", "--company", "Globex", "--amount", "9000", "--stage", "won")
    ids = lambda *w: [int(x) for x in crm.ok("deal", "list", *w, "-f", "ids").stdout.split()]  # noqa: E731
    assert ids("stage:proposal") == [1]
    assert ids("amount>5000") == [1, 3]
    assert ids("status:open") == [1, 2]
    assert ids("owner:ann") == [1]
    assert ids("close<+30d") == [1]
    assert ids("company:globex") == [2, 3]
    assert ids("rotting:yes") == []
    assert ids("--sort", "-amount", "--limit", "2") == [3, 1]
    unknown = crm("deal", "list", "colour:red")
    assert unknown.exit_code == 2 and "valid fields" in unknown.stderr


def test_deal_show_has_lines_history_and_related_interactions(crm, people) -> None:
    _deal(crm, "Renewal", "--contact", "Ann")
    crm.ok("log", "Ann", "call", "Talked budget", "--deal", "1")
    crm.ok("deal", "move", "1", "prop", "--note", "sent the offer")
    view = crm.ok("deal", "show", "1", "-f", "json").json()
    assert [(h["from"], h["to"], h["note"]) for h in view["history"]] == [
        (None, "Lead", None),
        ("Lead", "Proposal", "sent the offer"),
    ]
    assert [i["summary"] for i in view["interactions"]] == ["Talked budget"]
    assert view["interactions"][0]["deal_id"] == 1
    assert view["contact_detail"]["email"] == "ann@acme.example"
    table = crm.ok("deal", "show", "Renewal").stdout
    assert "Stage history" in table and "sent the offer" in table and "Talked budget" in table


def test_log_with_deal_names_the_deal(crm, people) -> None:
    _deal(crm, "Renewal", "--contact", "Ann")
    row = crm.ok("log", "Ann", "meeting", "Kick-off", "--deal", "Renewal", "-f", "json").json()
    assert row["deal_id"] == 1
    missing = crm("log", "Ann", "call", "x", "--deal", "99")
    assert missing.exit_code == 3


# ---------------------------------------------------------------- moves


def test_deal_move_by_prefix_or_position_and_ambiguity(crm, people) -> None:
    _deal(crm, "Renewal", "--contact", "Ann", "--amount", "100")
    assert crm.ok("deal", "move", "1", "QUAL", "-f", "json").json()["stage"] == "Qualified"
    assert crm.ok("deal", "move", "Renewal", "4", "-f", "json").json()["stage"] == "Negotiation"
    ambiguous = crm("deal", "move", "1", "l")
    assert ambiguous.exit_code == 4
    missing = crm("deal", "move", "1", "demo")
    assert missing.exit_code == 3 and "stages:" in missing.stderr


def test_deal_move_to_lost_needs_a_reason_when_not_a_terminal(crm, people) -> None:
    _deal(crm, "Renewal", "--contact", "Ann")
    refused = crm("deal", "move", "1", "lost")
    assert refused.exit_code == 2 and "--reason" in refused.stderr
    assert crm.ok("deal", "show", "1", "-f", "json").json()["status"] == "open"
    row = crm.ok("deal", "move", "1", "lost", "--reason", "no budget", "-f", "json").json()
    assert (row["status"], row["lost_reason"], row["probability"]) == ("lost", "no budget", 0)
    assert row["closed_at"] is not None
    reopened = crm.ok("deal", "move", "1", "proposal", "-f", "json").json()
    assert (reopened["status"], reopened["closed_at"], reopened["lost_reason"]) == ("open", None, None)


def test_deal_won_lost_reopen(crm, people) -> None:
    _deal(crm, "Renewal", "--contact", "Ann")
    crm.ok("deal", "move", "1", "negotiation")
    won = crm.ok("deal", "won", "1", "-f", "json").json()
    assert (won["status"], won["stage"], won["probability"]) == ("won", "Won", 100)
    again = crm("deal", "won", "1")
    assert again.exit_code == 2 and "already won" in again.stderr
    reopened = crm.ok("deal", "reopen", "1", "-f", "json").json()
    assert (reopened["stage"], reopened["status"]) == ("Negotiation", "open")
    assert crm("deal", "lost", "1").exit_code == 2
    lost = crm.ok("deal", "lost", "1", "--reason", "timing", "-f", "json").json()
    assert (lost["status"], lost["lost_reason"]) == ("lost", "timing")
    assert crm.ok("deal", "reopen", "1", "qualified", "-f", "json").json()["stage"] == "Qualified"
    assert crm("deal", "reopen", "1").exit_code == 2


def test_undo_of_a_move_restores_the_stage_and_its_history(crm, people) -> None:
    _deal(crm, "Renewal", "--contact", "Ann")
    crm.ok("deal", "move", "1", "proposal")
    crm.ok("undo")
    view = crm.ok("deal", "show", "1", "-f", "json").json()
    assert (view["stage"], view["probability"]) == ("Lead", 10)
    assert [h["to"] for h in view["history"]] == ["Lead"]


def test_pinned_probability_through_edit_and_moves(crm, people) -> None:
    _deal(crm, "Renewal", "--contact", "Ann", "--probability", "65")
    assert crm.ok("deal", "move", "1", "proposal", "-f", "json").json()["probability"] == 65
    auto = crm.ok("deal", "edit", "1", "--probability", "auto", "-f", "json").json()
    assert (auto["probability"], auto["probability_pinned"]) == (50, False)
    assert crm("deal", "edit", "1", "--probability", "150").exit_code == 2


# ---------------------------------------------------------------- edit, archive, campaign


def test_deal_edit_fields(crm, people) -> None:
    _deal(crm, "Renewal", "--contact", "Ann", "--amount", "100", "--source", "web")
    row = crm.ok("deal", "edit", "1", "--title", "Big renewal", "--amount", "250.75", "--source", "",
                 "--close", "2030-02-01", "--owner", "bob", "-f", "json").json()  # fmt: skip
    assert (row["title"], row["amount"], row["source"], row["expected_close"], row["owner"]) == (
        "Big renewal",
        250.75,
        None,
        "2030-02-01",
        "bob",
    )
    assert crm("deal", "edit", "1", "--reason", "x").exit_code == 2


def test_deal_campaign_must_exist(crm, people, db) -> None:
    from termcrm.models import Campaign

    with db.write("x") as s:
        s.add(Campaign(name="Spring mailing", channel="email"))
    missing = crm("deal", "add", "X", "--contact", "Ann", "--campaign", "42")
    assert missing.exit_code == 3 and "campaign" in missing.stderr
    assert _deal(crm, "X", "--contact", "Ann", "--campaign", "1")["campaign_id"] == 1
    assert crm.ok("deal", "edit", "1", "--campaign", "", "-f", "json").json()["campaign_id"] is None


def test_deal_rm_archives_after_confirmation_and_restore_brings_it_back(crm, people) -> None:
    _deal(crm, "Renewal", "--contact", "Ann")
    refused = crm("deal", "rm", "1")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    crm.ok("deal", "rm", "1", "--yes")
    assert crm.ok("deal", "list", "-f", "json").json() == []
    assert [r["id"] for r in crm.ok("deal", "list", "--archived", "-f", "json").json()] == [1]
    crm.ok("deal", "restore", "1")
    assert [r["id"] for r in crm.ok("deal", "list", "-f", "json").json()] == [1]


# ---------------------------------------------------------------- line items


def test_deal_items_sum_exactly_and_manual_amount_is_refused(crm, people) -> None:
    _deal(crm, "Renewal", "--contact", "Ann", "--amount", "500")
    crm.ok("product", "add", "Dime", "--code", "D10", "--price", "0.10")
    for _ in range(3):
        crm.ok("deal", "item", "add", "1", "D10")
    assert crm.ok("deal", "show", "1", "-f", "json").json()["amount"] == 0.3
    refused = crm("deal", "edit", "1", "--amount", "10")
    assert refused.exit_code == 2 and "line item" in refused.stderr
    items = crm.ok("deal", "item", "list", "1", "-f", "json").json()
    assert [(i["line"], i["total"]) for i in items] == [(1, 0.1), (2, 0.1), (3, 0.1)]
    crm.ok("deal", "item", "rm", "1", "2")
    assert crm.ok("deal", "show", "1", "-f", "json").json()["amount"] == 0.2
    assert crm("deal", "item", "rm", "1", "7").exit_code == 3


def test_deal_item_add_with_qty_price_discount_and_table(crm, people) -> None:
    _deal(crm, "Renewal", "--contact", "Ann")
    crm.ok("product", "add", "Widget", "--price", "19.99", "--cost", "12")
    line = crm.ok("deal", "item", "add", "1", "widget", "--qty", "3", "--discount", "10", "-f", "json").json()
    # 3 × 19.99 = 59.97, less 10 % = 53.973 → 53.97
    assert (line["quantity"], line["unit_price"], line["discount_percent"], line["total"]) == (3, 19.99, 10, 53.97)
    custom = crm.ok("deal", "item", "add", "1", "Widget", "--price", "5", "-f", "json").json()
    assert custom["total"] == 5
    table = crm.ok("deal", "item", "list", "1")
    assert "53.97 USD" in table.stdout and "subtotal" in table.stdout and "-6.00 USD" in table.stdout


def test_deal_item_in_another_currency_is_refused(crm, people) -> None:
    _deal(crm, "Renewal", "--contact", "Ann")
    crm.ok("product", "add", "Euro widget", "--price", "10", "--currency", "EUR")
    refused = crm("deal", "item", "add", "1", "Euro widget")
    assert refused.exit_code == 2 and "never mixed" in refused.stderr
    assert crm.ok("deal", "item", "list", "1", "-f", "json").json() == []


# ---------------------------------------------------------------- quotes


def test_deal_quote_in_three_formats_and_to_a_file(crm, people, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[seller]\nname = "Nordwind <GmbH>"\n[quote]\nvalidity_days = 10\n')
    _deal(crm, "Renewal", "--contact", "Ann")
    crm.ok("product", "add", "Widget", "--price", "100")
    crm.ok("deal", "item", "add", "1", "Widget", "--qty", "2", "--discount", "5")
    md = crm.ok("deal", "quote", "1").stdout
    assert md.startswith("# Quote Q-00001") and "**Total** | **190.00 USD**" in md and "Nordwind <GmbH>" in md
    txt = crm.ok("deal", "quote", "1", "--format", "txt").stdout
    assert txt.startswith("QUOTE Q-00001") and "(10 days)" in txt
    out = tmp_path / "quote.html"
    done = crm.ok("deal", "quote", "1", "-o", str(out))
    assert "wrote quote Q-00001 (html)" in done.stderr
    html = out.read_text(encoding="utf-8")
    assert "Nordwind &lt;GmbH&gt;" in html and "190.00 USD" in html
    assert crm("deal", "quote", "1", "--format", "pdf").exit_code == 2


def test_deal_quote_with_the_users_template(crm, people, tmp_path: Path) -> None:
    _deal(crm, "Renewal", "--contact", "Ann", "--amount", "99.95")
    mine = tmp_path / "mine.txt"
    mine.write_text("{{ customer.name }} owes {{ total }} {{ currency }}\n", encoding="utf-8")
    assert crm.ok("deal", "quote", "1", "--template", str(mine)).stdout == "Acme owes 99.95 USD\n"
    broken = tmp_path / "broken.txt"
    broken.write_text("{{ nope }}", encoding="utf-8")
    assert crm("deal", "quote", "1", "--template", str(broken)).exit_code == 5


# ---------------------------------------------------------------- pipelines


def test_pipeline_list_and_show_with_counts_totals_and_weighted_totals(crm, people) -> None:
    _deal(crm, "A", "--contact", "Ann", "--amount", "1000", "--stage", "proposal")
    _deal(crm, "B", "--contact", "Bob", "--amount", "500", "--stage", "proposal", "--currency", "EUR")
    listed = crm.ok("pipeline", "list", "-f", "json").json()
    assert [(p["name"], p["stages"], p["open_deals"]) for p in listed] == [("sales", 6, 2)]
    view = crm.ok("pipeline", "show", "-f", "json").json()
    proposal = next(s for s in view["stages"] if s["stage"] == "Proposal")
    assert proposal["count"] == 2
    assert proposal["total"] == [{"amount": 500, "currency": "EUR"}, {"amount": 1000, "currency": "USD"}]
    assert proposal["weighted"] == [{"amount": 250, "currency": "EUR"}, {"amount": 500, "currency": "USD"}]
    assert "total_text" not in proposal and "open_value_text" not in view
    table = crm.ok("pipeline", "show", "sales").stdout
    assert "500.00 EUR + 1,000.00 USD" in table and "250.00 EUR + 500.00 USD" in table
    csv_text = crm.ok("pipeline", "show", "-f", "csv").stdout
    assert "Proposal" in csv_text and '"500.00 EUR + 1,000.00 USD"' in csv_text
    assert crm.ok("pipeline", "show", "-f", "ids").stdout.split() == ["1", "2", "3", "4", "5", "6"]
    assert "1,000.00 USD" in crm.ok("pipeline", "list", "-f", "csv").stdout


def test_pipeline_add_and_stage_commands(crm, people) -> None:
    crm.ok("pipeline", "add", "Partners")
    crm.ok("pipeline", "stage", "add", "partners", "Demo", "--probability", "35", "--after", "qualified",
           "--rot-days", "7")  # fmt: skip
    names = lambda: [s["stage"] for s in crm.ok("pipeline", "show", "partners", "-f", "json").json()["stages"]]  # noqa: E731
    assert names() == ["Lead", "Qualified", "Demo", "Proposal", "Negotiation", "Won", "Lost"]
    crm.ok("pipeline", "stage", "edit", "partners", "demo", "--name", "Live demo", "--probability", "40", "--no-rot")
    stage = crm.ok("pipeline", "show", "partners", "-f", "json").json()["stages"][2]
    assert (stage["stage"], stage["probability"], stage["rot_days"]) == ("Live demo", 40, None)
    crm.ok("pipeline", "stage", "move", "partners", "live", "1")
    assert names()[:2] == ["Live demo", "Lead"]
    _deal(crm, "P", "--contact", "Ann", "--pipeline", "partners", "--stage", "live")
    refused = crm("pipeline", "stage", "rm", "partners", "live", "--yes")
    assert refused.exit_code == 2 and "--to" in refused.stderr
    crm.ok("pipeline", "stage", "rm", "partners", "live", "--to", "lead", "--yes")
    assert "Live demo" not in names()
    assert crm.ok("deal", "show", "1", "-f", "json").json()["stage"] == "Lead"
    assert crm("pipeline", "add", "partners").exit_code == 4
    assert crm("pipeline", "stage", "add", "sales", "X", "--kind", "maybe").exit_code == 2


# ---------------------------------------------------------------- products


def test_product_commands(crm) -> None:
    made = crm.ok("product", "add", "Widget", "--code", "W-1", "--price", "19.99", "--cost", "12", "-f", "json").json()
    assert (made["unit_price"], made["unit_cost"], made["margin"], made["currency"]) == (19.99, 12, 7.99, "USD")
    crm.ok("product", "add", "Gadget", "--price", "5", "--currency", "eur")
    assert [p["name"] for p in crm.ok("product", "list", "price>10", "-f", "json").json()] == ["Widget"]
    assert [p["name"] for p in crm.ok("product", "list", "currency:eur", "-f", "json").json()] == ["Gadget"]
    shown = crm.ok("product", "show", "w-1", "-f", "json").json()
    assert shown["name"] == "Widget" and shown["deals"] == 0
    assert crm("product", "add", "Other", "--code", "w-1").exit_code == 4
    edited = crm.ok("product", "edit", "Widget", "--price", "21", "--cost", "", "--inactive", "-f", "json").json()
    assert (edited["unit_price"], edited["unit_cost"], edited["active"]) == (21, None, False)
    assert crm("product", "rm", "Gadget").exit_code == 2
    crm.ok("product", "rm", "Gadget", "--yes")
    assert [p["name"] for p in crm.ok("product", "list", "-f", "json").json()] == ["Widget"]
    assert "Widget" in crm.ok("product", "list").stdout
    assert crm("product", "show", "nothing").exit_code == 3


# ---------------------------------------------------------------- contact and company views


def test_contact_and_company_show_have_a_sales_section(crm, people) -> None:
    _deal(crm, "Renewal", "--contact", "Ann", "--amount", "1200")
    crm.ok("deal", "won", "1")
    _deal(crm, "Upsell", "--contact", "Ann", "--amount", "300")
    sales = crm.ok("contact", "show", "Ann", "-f", "json").json()["sales"]
    assert (sales["open_deals"], sales["purchases"]) == (1, 1)
    assert sales["won_revenue"] == [{"amount": 1200, "currency": "USD"}]
    table = crm.ok("contact", "show", "Ann").stdout
    assert "Sales" in table and "1,200.00 USD" in table
    company = crm.ok("company", "show", "Acme", "-f", "json").json()["sales"]
    assert company["purchases"] == 1
