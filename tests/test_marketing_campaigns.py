"""Campaigns: add/list/show/edit/status/cost, members, the unsubscribe rule, responses, conversions, exchange."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _people(crm) -> None:
    crm.ok("contact", "add", "Ann Lee", "-e", "ann@example.com", "--stage", "customer", "-t", "vip")
    crm.ok("contact", "add", "Bob Stone", "-e", "bob@example.com", "--stage", "lead", "-t", "vip")
    crm.ok("contact", "add", "Cy Young", "-e", "cy@example.com", "--stage", "customer", "-t", "press")
    crm.ok("contact", "add", "Dee Park", "-e", "dee@example.com", "--stage", "customer", "-t", "vip")


def _members(crm, campaign: str = "1", *words: str) -> dict[str, str]:
    rows = crm.ok("campaign", "members", campaign, *words, "-f", "json").json()
    return {r["name"]: r["status"] for r in rows}


# ---------------------------------------------------------------- campaigns


def test_add_then_list_and_show_in_json(crm) -> None:
    crm.ok("segment", "add", "vips", "+vip")
    row = crm.ok(
        "campaign", "add", "Spring mail", "--channel", "email", "--budget", "2.5k", "--start", "2026-03-01",
        "--end", "2026-03-31", "--segment", "vips", "--description", "Spring offers", "-f", "json",
    ).json()  # fmt: skip
    assert row["id"] == 1
    listed = crm.ok("campaign", "list", "-f", "json").json()
    assert [c["name"] for c in listed] == ["Spring mail"]
    shown = crm.ok("campaign", "show", "1", "-f", "json").json()
    assert shown["channel"] == "email" and shown["status"] == "planned"
    assert shown["budget"] == 2500 and shown["actual_cost"] == 0 and shown["currency"] == "USD"
    assert shown["start_date"] == "2026-03-01" and shown["end_date"] == "2026-03-31"
    assert shown["segment"] == "vips" and shown["description"] == "Spring offers"
    assert shown["members"] == 0 and shown["roi"] is None
    assert crm.ok("campaign", "show", "spring mail", "-f", "json").json()["id"] == 1
    table = crm.ok("campaign", "show", "1").stdout
    assert "Spring mail" in table and "2,500.00 USD" in table


def test_add_refuses_bad_input(crm) -> None:
    result = crm("campaign", "add", "X", "--channel", "carrier-pigeon")
    assert result.exit_code == 2 and "channel" in result.stderr
    result = crm("campaign", "add", "X", "--channel", "email", "--start", "2026-03-10", "--end", "2026-03-01")
    assert result.exit_code == 2 and "before the start date" in result.stderr
    assert crm("campaign", "add", "X", "--channel", "email", "--segment", "nosuch").exit_code == 3
    assert crm("campaign", "add", "X", "--channel", "email", "--budget", "-5").exit_code == 2
    assert crm.ok("campaign", "list", "-f", "json").json() == []


def test_list_filters_and_sorts(crm) -> None:
    crm.ok("campaign", "add", "Spring mail", "-c", "email", "--start", "2026-03-01", "--cost", "100")
    crm.ok("campaign", "add", "Summit", "-c", "event", "--start", "2026-05-01", "--cost", "5000")
    crm.ok("campaign", "add", "Webinar", "-c", "webinar", "--start", "2026-04-01")
    names = [c["name"] for c in crm.ok("campaign", "list", "-f", "json").json()]
    assert names == ["Summit", "Webinar", "Spring mail"]
    assert [c["name"] for c in crm.ok("campaign", "list", "channel:event", "-f", "json").json()] == ["Summit"]
    assert [c["name"] for c in crm.ok("campaign", "list", "cost>1000", "-f", "json").json()] == ["Summit"]
    assert [c["name"] for c in crm.ok("campaign", "list", "--sort", "name", "-f", "json").json()] == [
        "Spring mail", "Summit", "Webinar",
    ]  # fmt: skip
    assert [c["name"] for c in crm.ok("campaign", "list", "webin", "-f", "json").json()] == ["Webinar"]
    assert crm("campaign", "list", "colour:red").exit_code == 2


def test_edit_changes_fields_and_clears_with_empty_values(crm) -> None:
    crm.ok("segment", "add", "vips", "+vip")
    crm.ok("campaign", "add", "Spring", "-c", "email", "--start", "2026-03-01", "--segment", "vips")
    row = crm.ok(
        "campaign", "edit", "1", "--name", "Spring mail", "--channel", "mail", "--budget", "1200.50",
        "--start", "", "--end", "2026-04-01", "--segment", "", "-f", "json",
    ).json()  # fmt: skip
    assert row["name"] == "Spring mail" and row["channel"] == "mail"
    assert row["budget"] == 1200.5 and row["start_date"] is None and row["end_date"] == "2026-04-01"
    assert row["segment"] is None


def test_changing_currency_needs_the_amounts_again(crm) -> None:
    crm.ok("campaign", "add", "Tokyo fair", "-c", "event", "--budget", "1000")
    result = crm("campaign", "edit", "1", "--currency", "JPY")
    assert result.exit_code == 2 and "budget" in result.stderr
    row = crm.ok("campaign", "edit", "1", "--currency", "JPY", "--budget", "150000", "-f", "json").json()
    assert row["currency"] == "JPY" and row["budget"] == 150000


def test_status_moves_and_activating_sets_the_start_date(db) -> None:
    from termcrm.services import campaigns

    with db.write("x") as s:
        c = campaigns.create_campaign(s, "Spring", channel="email")
        campaigns.set_status(s, c, "active", now=NOW)
        assert c.status == "active" and c.start_date == date(2026, 6, 15)
        campaigns.set_status(s, c, "completed", now=datetime(2026, 7, 1, 12, tzinfo=UTC))
        assert c.end_date == date(2026, 7, 1)


def test_status_command_and_bad_status(crm) -> None:
    crm.ok("campaign", "add", "Spring", "-c", "email", "--start", "2026-03-01")
    assert crm.ok("campaign", "status", "1", "active", "-f", "json").json()["status"] == "active"
    assert crm.ok("campaign", "show", "1", "-f", "json").json()["start_date"] == "2026-03-01"
    result = crm("campaign", "status", "1", "paused")
    assert result.exit_code == 2 and "planned, active, completed, cancelled" in result.stderr
    assert crm("campaign", "status", "99", "active").exit_code == 3


def test_cost_sets_and_adds(crm) -> None:
    crm.ok("campaign", "add", "Spring", "-c", "email")
    assert crm.ok("campaign", "cost", "1", "1,000", "-f", "json").json()["actual_cost"] == 1000
    assert crm.ok("campaign", "cost", "1", "250.25", "--add", "-f", "json").json()["actual_cost"] == 1250.25
    assert crm("campaign", "cost", "1", "abc").exit_code == 2
    assert crm("campaign", "cost", "1", "-5000", "--add").exit_code == 2


# ---------------------------------------------------------------- members


def test_add_members_from_a_segment(crm) -> None:
    _people(crm)
    crm.ok("segment", "add", "vips", "+vip")
    crm.ok("campaign", "add", "Spring", "-c", "email")
    data = crm.ok("campaign", "add-members", "1", "--segment", "vips", "-f", "json").json()
    assert data["added"] == 3 and data["matched"] == 3
    assert _members(crm) == {"Ann Lee": "targeted", "Bob Stone": "targeted", "Dee Park": "targeted"}


def test_add_members_without_a_source_uses_the_campaign_segment(crm) -> None:
    _people(crm)
    crm.ok("segment", "add", "press", "+press")
    crm.ok("campaign", "add", "Press day", "-c", "event", "--segment", "press")
    crm.ok("campaign", "add-members", "1")
    assert _members(crm) == {"Cy Young": "targeted"}
    crm.ok("campaign", "add", "No target", "-c", "event")
    result = crm("campaign", "add-members", "2")
    assert result.exit_code == 2 and "say whom to add" in result.stderr


def test_add_members_by_filter_words_and_then_again_counts_existing(crm) -> None:
    _people(crm)
    crm.ok("campaign", "add", "Spring", "-c", "email")
    first = crm.ok("campaign", "add-members", "1", "stage:customer", "-press", "-f", "json").json()
    assert first["added"] == 2
    assert set(_members(crm)) == {"Ann Lee", "Dee Park"}
    again = crm.ok("campaign", "add-members", "1", "stage:customer", "-f", "json").json()
    assert again == {**again, "matched": 3, "added": 1, "already": 2}


def test_add_members_by_references(crm) -> None:
    _people(crm)
    crm.ok("campaign", "add", "Calls", "-c", "call")
    crm.ok("campaign", "add-members", "1", "bob@example.com", "Cy Young", "4")
    assert set(_members(crm)) == {"Bob Stone", "Cy Young", "Dee Park"}
    assert crm("campaign", "add-members", "1", "nobody@example.com").exit_code == 3


def test_plain_words_are_a_text_search_with_filter_flag(crm) -> None:
    _people(crm)
    crm.ok("campaign", "add", "Calls", "-c", "call")
    crm.ok("campaign", "add-members", "1", "--filter", "Stone")
    assert set(_members(crm)) == {"Bob Stone"}


def test_segment_and_words_together_are_refused(crm) -> None:
    _people(crm)
    crm.ok("segment", "add", "vips", "+vip")
    crm.ok("campaign", "add", "Spring", "-c", "email")
    assert crm("campaign", "add-members", "1", "--segment", "vips", "stage:lead").exit_code == 2


def test_unsubscribed_contacts_are_skipped_by_later_campaigns_of_the_same_channel(crm) -> None:
    _people(crm)
    crm.ok("segment", "add", "vips", "+vip")
    crm.ok("campaign", "add", "Spring mail", "-c", "email")
    crm.ok("campaign", "add-members", "1", "--segment", "vips")
    crm.ok("campaign", "respond", "1", "Ann Lee", "--status", "unsubscribed")
    crm.ok("campaign", "add", "Autumn mail", "-c", "email")
    result = crm.ok("campaign", "add-members", "2", "--segment", "vips")
    assert "1 skipped: unsubscribed" in result.stderr
    data = crm.ok("campaign", "add-members", "2", "--segment", "vips", "-f", "json").json()
    assert data["skipped_unsubscribed"] == 1 and data["skipped_ids"] == [1] and data["added"] == 0
    assert set(_members(crm, "2")) == {"Bob Stone", "Dee Park"}
    # by reference too
    data = crm.ok("campaign", "add-members", "2", "ann@example.com", "-f", "json").json()
    assert data["added"] == 0 and data["skipped_unsubscribed"] == 1
    # another channel is not affected
    crm.ok("campaign", "add", "Gala", "-c", "event")
    assert crm.ok("campaign", "add-members", "3", "--segment", "vips", "-f", "json").json()["added"] == 3
    # --force adds them anyway
    forced = crm.ok("campaign", "add-members", "2", "--segment", "vips", "--force", "-f", "json").json()
    assert forced["added"] == 1 and forced["skipped_unsubscribed"] == 0
    assert set(_members(crm, "2")) == {"Ann Lee", "Bob Stone", "Dee Park"}


def test_archived_contacts_are_not_added_from_a_filter(crm) -> None:
    _people(crm)
    crm.ok("contact", "rm", "Ann Lee", "--yes")
    crm.ok("campaign", "add", "Spring", "-c", "email")
    crm.ok("campaign", "add-members", "1", "+vip")
    assert set(_members(crm)) == {"Bob Stone", "Dee Park"}


def test_add_members_is_undone_as_one_change(crm) -> None:
    _people(crm)
    crm.ok("campaign", "add", "Spring", "-c", "email")
    crm.ok("campaign", "add-members", "1", "+vip")
    crm.ok("undo")
    assert _members(crm) == {}


def test_respond_records_statuses_and_times(crm) -> None:
    _people(crm)
    crm.ok("campaign", "add", "Spring", "-c", "email")
    crm.ok("campaign", "add-members", "1", "+vip")
    row = crm.ok("campaign", "respond", "1", "Ann Lee", "--at", "2026-03-05 10:00", "-f", "json").json()
    assert row["status"] == "responded" and row["responded_at"] == "2026-03-05T10:00:00+00:00"
    row = crm.ok("campaign", "respond", "1", "Bob", "--status", "converted", "--at", "2026-03-06", "-f", "json").json()
    assert row["status"] == "converted" and row["converted"] is True
    assert row["converted_at"] == row["responded_at"] == "2026-03-06T00:00:00+00:00"
    row = crm.ok("campaign", "respond", "1", "Bob", "--at", "2026-03-09", "-f", "json").json()
    assert row["status"] == "converted", "a later response does not undo a conversion"
    row = crm.ok("campaign", "respond", "1", "dee@example.com", "--status", "unsub", "-f", "json").json()
    assert row["status"] == "unsubscribed" and row["unsubscribed_at"]
    assert crm("campaign", "respond", "1", "Ann Lee", "--status", "sent").exit_code == 2
    show = crm.ok("campaign", "show", "1", "-f", "json").json()
    assert (show["members"], show["responded"], show["converted"], show["unsubscribed"]) == (3, 2, 1, 1)


def test_respond_for_a_non_member_exits_3_unless_added(crm) -> None:
    _people(crm)
    crm.ok("campaign", "add", "Gala", "-c", "event")
    result = crm("campaign", "respond", "1", "Cy Young")
    assert result.exit_code == 3 and "--add" in result.stderr
    crm.ok("campaign", "respond", "1", "Cy Young", "--add")
    assert _members(crm) == {"Cy Young": "responded"}


def test_a_deal_sourced_by_the_campaign_converts_its_member(crm) -> None:
    _people(crm)
    crm.ok("campaign", "add", "Spring", "-c", "email")
    crm.ok("campaign", "add-members", "1", "+vip")
    crm.ok("deal", "add", "Ann renewal", "--contact", "Ann Lee", "--amount", "500", "--campaign", "1")
    rows = {r["name"]: r for r in crm.ok("campaign", "members", "1", "-f", "json").json()}
    assert rows["Ann Lee"]["status"] == "converted" and rows["Ann Lee"]["converted"] is True
    assert rows["Ann Lee"]["marked_status"] == "targeted" and rows["Ann Lee"]["deals"] == [1]
    assert rows["Bob Stone"]["status"] == "targeted"
    show = crm.ok("campaign", "show", "1", "-f", "json").json()
    assert (show["responded"], show["converted"], show["deals"]) == (1, 1, 1)
    # an archived deal no longer counts
    crm.ok("deal", "rm", "1", "--yes")
    assert _members(crm)["Ann Lee"] == "targeted"
    assert crm.ok("campaign", "show", "1", "-f", "json").json()["converted"] == 0


def test_a_deal_for_a_non_member_is_revenue_but_not_a_conversion(crm) -> None:
    _people(crm)
    crm.ok("campaign", "add", "Spring", "-c", "email", "--cost", "100")
    crm.ok("campaign", "add-members", "1", "Ann Lee")
    crm.ok("deal", "add", "Walk-in", "--contact", "Cy Young", "--amount", "300", "--campaign", "1")
    crm.ok("deal", "won", "1")
    show = crm.ok("campaign", "show", "1", "-f", "json").json()
    assert show["converted"] == 0 and show["won_deals"] == 1 and show["revenue"] == 300
    assert show["roi"] == 2.0  # (300 - 100) / 100


def test_members_filters_by_member_and_contact_fields(crm) -> None:
    _people(crm)
    crm.ok("campaign", "add", "Spring", "-c", "email")
    crm.ok("campaign", "add-members", "1", "stage:customer", "--filter")
    crm.ok("campaign", "respond", "1", "Ann Lee")
    crm.ok("campaign", "respond", "1", "Cy Young", "--status", "unsubscribed")
    crm.ok("deal", "add", "Dee deal", "--contact", "Dee Park", "--campaign", "1")
    assert _members(crm, "1", "status:responded") == {"Ann Lee": "responded"}
    assert _members(crm, "1", "status:converted") == {"Dee Park": "converted"}
    assert _members(crm, "1", "status:unsubscribed") == {"Cy Young": "unsubscribed"}
    assert set(_members(crm, "1", "responded:yes")) == {"Ann Lee", "Dee Park"}
    assert set(_members(crm, "1", "converted:no")) == {"Ann Lee", "Cy Young"}
    assert set(_members(crm, "1", "+vip")) == {"Ann Lee", "Dee Park"}
    assert set(_members(crm, "1", "-vip")) == {"Cy Young"}
    rows = crm.ok("campaign", "members", "1", "--sort", "-name", "--limit", "2", "-f", "json").json()
    assert [r["name"] for r in rows] == ["Dee Park", "Cy Young"]
    assert crm("campaign", "members", "1", "status:bogus").exit_code == 2
    assert crm("campaign", "members", "1", "colour:red").exit_code == 2
    assert "Ann Lee" in crm.ok("campaign", "members", "1").stdout


def test_sent_marks_targeted_members(crm) -> None:
    _people(crm)
    crm.ok("campaign", "add", "Spring", "-c", "email")
    crm.ok("campaign", "add-members", "1", "+vip")
    crm.ok("campaign", "respond", "1", "Ann Lee")
    crm.ok("campaign", "sent", "1", "Bob Stone")
    assert _members(crm) == {"Ann Lee": "responded", "Bob Stone": "sent", "Dee Park": "targeted"}
    crm.ok("campaign", "sent", "1")
    assert _members(crm) == {"Ann Lee": "responded", "Bob Stone": "sent", "Dee Park": "sent"}
    assert crm.ok("campaign", "show", "1", "-f", "json").json()["sent"] == 3
    assert crm("campaign", "sent", "1", "Cy Young").exit_code == 3


def test_remove_members(crm) -> None:
    _people(crm)
    crm.ok("campaign", "add", "Spring", "-c", "email")
    crm.ok("campaign", "add-members", "1", "+vip")
    assert crm("campaign", "remove-members", "1", "Ann Lee").exit_code == 2
    crm.ok("campaign", "remove-members", "1", "Ann Lee", "--yes")
    assert set(_members(crm)) == {"Bob Stone", "Dee Park"}


def test_contact_show_has_a_campaigns_section(crm) -> None:
    _people(crm)
    crm.ok("campaign", "add", "Spring", "-c", "email")
    crm.ok("campaign", "add-members", "1", "Ann Lee")
    crm.ok("campaign", "respond", "1", "Ann Lee", "--status", "unsubscribed")
    data = crm.ok("contact", "show", "Ann Lee", "-f", "json").json()
    section = data["campaigns"]
    assert section["summary"] == {"campaigns": 1, "unsubscribed from": "email"}
    assert section["items"][0]["campaign"] == "Spring" and section["items"][0]["status"] == "unsubscribed"
    assert "Campaigns" in crm.ok("contact", "show", "Ann Lee").stdout
    assert "campaigns" not in crm.ok("contact", "show", "Bob Stone", "-f", "json").json()


# ---------------------------------------------------------------- exchange with a mailing tool


def _campaign_with_members(db) -> int:
    from termcrm.services import campaigns, contacts

    with db.write("seed") as s:
        for name, email in (("Ann Lee", "ann@example.com"), ("Bob Stone", "bob@example.com"), ("Cy Young", None)):
            first, last = contacts.split_name(name)
            contacts.create_contact(
                s, contacts.ContactInput(first_name=first, last_name=last, emails=[email] if email else [])
            )
        contacts.create_contact(
            s, contacts.ContactInput(first_name="Out", last_name="Sider", emails=["out@example.com"])
        )
        c = campaigns.create_campaign(s, "Spring", channel="email")
        campaigns.add_members(s, c, contacts=["Ann Lee", "Bob Stone", "Cy Young"], now=NOW)
        campaigns.respond(s, c, contacts.list_contacts(s, ["name:Cy"])[0], status="unsubscribed", at=NOW)
        return c.id or 0


def test_member_rows_for_export_leave_out_the_unsubscribed(db) -> None:
    from termcrm.services import campaigns

    cid = _campaign_with_members(db)
    with db.read() as s:
        campaign = campaigns.get_campaign(s, cid)
        rows = campaigns.member_rows_for_export(s, campaign)
        everyone = campaigns.member_rows_for_export(s, campaign, include_unsubscribed=True)
    assert [r["email"] for r in rows] == ["ann@example.com", "bob@example.com"]
    assert list(rows[0]) == list(campaigns.EXPORT_KEYS)
    assert rows[0]["first_name"] == "Ann" and rows[0]["last_name"] == "Lee" and rows[0]["status"] == "targeted"
    assert len(everyone) == 3


def test_apply_responses_matches_by_email_and_reports_unknown_ones(db) -> None:
    from termcrm.services import campaigns

    cid = _campaign_with_members(db)
    rows = [
        {"Email": "ANN@example.com", "Status": "clicked", "Date": "2026-03-05 10:00"},
        {"email": "bob@example.com", "status": "opt-out"},
        {"email": "ghost@example.com", "status": "responded"},
        {"email": "out@example.com", "status": "responded"},
        {"email": "bob@example.com", "status": "teleported"},
        {"email": ""},
    ]
    with db.write("import responses") as s:
        result = campaigns.apply_responses(s, campaigns.get_campaign(s, cid), rows, now=NOW)
    assert result.rows == 6 and result.updated == 2
    assert result.unknown_emails == ["ghost@example.com"]
    assert result.not_members == ["out@example.com"]
    assert result.invalid == ["line 6: status 'teleported' is not one of: sent, responded, converted, unsubscribed",
                              "line 7: no email"]  # fmt: skip
    with db.read() as s:
        campaign = campaigns.get_campaign(s, cid)
        got = {r["email"]: r for r in campaigns.member_rows(s, campaign, campaigns.list_members(s, campaign))}
    assert got["ann@example.com"]["status"] == "responded"
    assert got["ann@example.com"]["responded_at"] == "2026-03-05T10:00:00+00:00"
    assert got["bob@example.com"]["status"] == "unsubscribed"
    assert got["bob@example.com"]["unsubscribed_at"] == NOW.isoformat()


def test_apply_responses_strict_refuses_the_file_and_writes_nothing(db) -> None:
    from termcrm.errors import InvalidFile
    from termcrm.services import campaigns

    cid = _campaign_with_members(db)
    rows = [{"email": "ann@example.com", "status": "responded"}, {"email": "ghost@example.com"}]
    with pytest.raises(InvalidFile, match="unknown emails: ghost@example.com"):
        with db.write("import responses") as s:
            campaigns.apply_responses(s, campaigns.get_campaign(s, cid), rows, strict=True, now=NOW)
    with db.read() as s:
        campaign = campaigns.get_campaign(s, cid)
        statuses = {c.display_name: m.status for m, c in campaigns.list_members(s, campaign)}
    assert statuses["Ann Lee"] == "targeted"


def test_apply_responses_can_add_known_contacts_that_are_not_members(db) -> None:
    from termcrm.services import campaigns

    cid = _campaign_with_members(db)
    with db.write("import responses") as s:
        result = campaigns.apply_responses(
            s, campaigns.get_campaign(s, cid), [{"email": "out@example.com"}], add_missing=True, now=NOW
        )
    assert result.added == 1 and result.updated == 1
    with db.read() as s:
        campaign = campaigns.get_campaign(s, cid)
        statuses = {c.display_name: m.status for m, c in campaigns.list_members(s, campaign)}
    assert statuses["Out Sider"] == "responded"
