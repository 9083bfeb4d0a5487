"""Quotes: the data a quote shows and its rendering in Markdown, text, HTML and the user's own template."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from termcrm.errors import InvalidFile
from termcrm.io import quote
from termcrm.models import Deal
from termcrm.services import contacts, deals, products

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def quoted(db):
    """A deal for Ann Lee at Acme with two lines, one discounted, and a seller in the config."""
    db.settings.values.update(
        {
            "seller.name": "Nordwind & Söhne GmbH",
            "seller.address": "Hafenstraße 1, Hamburg",
            "seller.email": "sales@nordwind.example",
            "seller.phone": "+49 40 123",
            "seller.tax_id": "DE123456789",
            "quote.validity_days": 14,
        }
    )
    with db.write("x") as s:
        ann = contacts.create_contact(
            s,
            contacts.ContactInput(
                first_name="Ann", last_name="Lee", company="Acme <Labs>", emails=["ann@acme.example"], city="Oslo"
            ),
        )
        deal = deals.create_deal(s, deals.DealInput(title="Rollout <2026>", contact=ann), now=NOW)
        licence = products.create_product(s, "Licence", price="240", cost="60")
        training = products.create_product(s, "Training day", price="1200")
        deals.add_line(s, deal, licence, quantity=10)
        deals.add_line(s, deal, training, quantity=2, discount="12.5")
        return deal.id


def _data(db, deal_id: int) -> dict:
    with db.read() as s:
        return quote.quote_data(s, s.get(Deal, deal_id), now=NOW)


def test_quote_data_has_seller_customer_validity_lines_and_totals(db, quoted) -> None:
    data = _data(db, quoted)
    assert data["number"] == f"Q-{quoted:05d}"
    assert (data["date"], data["valid_until"], data["validity_days"]) == ("2026-03-02", "2026-03-16", 14)
    assert data["seller"]["name"] == "Nordwind & Söhne GmbH" and data["seller"]["tax_id"] == "DE123456789"
    assert data["customer"]["name"] == "Acme <Labs>" and data["customer"]["contact"] == "Ann Lee"
    assert data["customer"]["email"] == "ann@acme.example" and data["customer"]["address"] == "Oslo"
    assert [(x["no"], x["description"], x["quantity"], x["total"]) for x in data["lines"]] == [
        (1, "Licence", 10, "2,400.00"),
        (2, "Training day", 2, "2,100.00"),
    ]
    assert data["lines"][1]["discount_percent"] == "12.5"
    # 2,400 + 2,400 = 4,800 before discount; 12.5 % of 2,400 = 300 off; 4,500 to pay.
    assert (data["subtotal"], data["discount"], data["total"], data["currency"]) == (
        "4,800.00",
        "300.00",
        "4,500.00",
        "USD",
    )


def test_markdown_quote(db, quoted) -> None:
    text = quote.render_quote(_data(db, quoted), "md")
    assert text.startswith(f"# Quote Q-{quoted:05d}")
    assert "**Nordwind & Söhne GmbH**" in text
    assert "| 1 | Licence | 10 | 240.00 |  | 2,400.00 |" in text
    assert "| 2 | Training day | 2 | 1,200.00 | 12.5 % | 2,100.00 |" in text
    assert "| Subtotal | 4,800.00 USD |" in text
    assert "| Discount | -300.00 USD |" in text
    assert "| **Total** | **4,500.00 USD** |" in text
    assert "Valid until | 2026-03-16 (14 days)" in text


def test_text_quote(db, quoted) -> None:
    text = quote.render_quote(_data(db, quoted), "txt")
    lines = text.splitlines()
    assert lines[0] == f"QUOTE Q-{quoted:05d}"
    assert "Tax ID: DE123456789" in lines
    assert any(line.split() == ["1", "Licence", "10", "240.00", "2,400.00"] for line in lines)
    assert any(line.split() == ["2", "Training", "day", "2", "1,200.00", "12.5", "%", "2,100.00"] for line in lines)
    assert any(line.split() == ["TOTAL", "4,500.00", "USD"] for line in lines)


def test_html_quote_is_autoescaped(db, quoted) -> None:
    text = quote.render_quote(_data(db, quoted), "html")
    assert text.startswith("<!DOCTYPE html>")
    assert "Rollout &lt;2026&gt;" in text and "Rollout <2026>" not in text
    assert "Acme &lt;Labs&gt;" in text
    assert "Nordwind &amp; Söhne GmbH" in text
    assert '<tr class="total"><td colspan="5">Total</td><td class="num">4,500.00 USD</td></tr>' in text


def test_a_deal_without_lines_is_quoted_as_one_line(db) -> None:
    with db.write("x") as s:
        ann = contacts.create_contact(s, contacts.ContactInput(first_name="Ann", last_name="Lee"))
        deal = deals.create_deal(s, deals.DealInput(title="Consulting", contact=ann, amount="1234.5"), now=NOW)
        data = quote.quote_data(s, deal, now=NOW)
    assert [(x["description"], x["total"]) for x in data["lines"]] == [("Consulting", "1,234.50")]
    assert (data["total"], data["has_discount"], data["validity_days"]) == ("1,234.50", False, 30)


def test_user_template_and_money_filter(db, quoted, tmp_path: Path) -> None:
    mine = tmp_path / "mine.txt.j2"
    mine.write_text(
        "{{ number }} for {{ customer.name }}\n"
        "{% for line in lines %}{{ line.no }}. {{ line.description }} = {{ line.total_minor | money }}\n{% endfor %}"
        "Total {{ quote.total }} {{ currency }}\n",
        encoding="utf-8",
    )
    text = quote.render_quote(_data(db, quoted), "txt", mine)
    assert text == (
        f"Q-{quoted:05d} for Acme <Labs>\n1. Licence = 2,400.00\n2. Training day = 2,100.00\nTotal 4,500.00 USD\n"
    )


def test_user_html_template_is_autoescaped_too(db, quoted, tmp_path: Path) -> None:
    mine = tmp_path / "mine.html"
    mine.write_text("<p>{{ deal.title }}</p>", encoding="utf-8")
    assert quote.render_quote(_data(db, quoted), "html", mine) == "<p>Rollout &lt;2026&gt;</p>"


def test_broken_user_templates_are_invalid_files(db, quoted, tmp_path: Path) -> None:
    data = _data(db, quoted)
    missing_value = tmp_path / "a.md"
    missing_value.write_text("{{ nonsense.field }}", encoding="utf-8")
    with pytest.raises(InvalidFile) as undefined:
        quote.render_quote(data, "md", missing_value)
    assert "nonsense" in undefined.value.message
    bad_syntax = tmp_path / "b.md"
    bad_syntax.write_text("line one\n{% for x in %}\n", encoding="utf-8")
    with pytest.raises(InvalidFile) as syntax:
        quote.render_quote(data, "md", bad_syntax)
    assert "line 2" in syntax.value.message
    with pytest.raises(InvalidFile):
        quote.render_quote(data, "md", tmp_path / "absent.md")


def test_format_follows_the_file_name() -> None:
    assert quote.format_for("out/quote.HTML") == "html"
    assert quote.format_for("q.txt.j2") == "txt"
    assert quote.format_for("q.pdf") == "md"
    assert quote.format_for(None, "txt") == "txt"
