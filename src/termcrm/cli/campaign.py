"""``crm campaign``: campaigns, their members and responses, and what they returned."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from termcrm.cli.common import (
    FilterArg,
    FilterCommand,
    FormatOpt,
    LimitOpt,
    SortOpt,
    YesOpt,
    confirm,
    done,
    emit_written,
    filter_words,
    reading,
    writing,
)
from termcrm.vocab import CAMPAIGN_CHANNELS, CAMPAIGN_STATUSES

app = typer.Typer(help="Marketing campaigns, members and responses.", no_args_is_help=True)

IdArg = Annotated[str, typer.Argument(help="Campaign id (or its unique name).")]
ChannelHelp = f"Channel: {', '.join(CAMPAIGN_CHANNELS)}."
StatusHelp = f"Status: {', '.join(CAMPAIGN_STATUSES)}."


def _date(value: str | None) -> Any:
    if value is None or value == "":
        return None
    from termcrm.dates import parse_date

    return parse_date(value)


def _columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("id", justify="right"),
        Column("name", max_width=32),
        Column("channel"),
        Column("status"),
        Column("start_date", "start"),
        Column("end_date", "end"),
        Column("segment"),
        Column("members", justify="right"),
        Column("responded", justify="right"),
        Column("converted", justify="right"),
        Column("budget", justify="right", fmt=_money),
        Column("actual_cost", "cost", justify="right", fmt=_money),
    ]


def _money(value: Any, row: Mapping[str, Any]) -> str:
    from termcrm.io.render import money_cell

    return money_cell(value, row)


def _percent(value: Any, _row: Any = None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Campaign name.")],
    channel: Annotated[str, typer.Option("--channel", "-c", help=ChannelHelp)],
    budget: Annotated[str | None, typer.Option("--budget", help="Budget in major units (2500, 2.5k).")] = None,
    cost: Annotated[str | None, typer.Option("--cost", help="Actual cost so far (major units).")] = None,
    currency: Annotated[str | None, typer.Option("--currency", help="Currency (default from config).")] = None,
    start: Annotated[str | None, typer.Option("--start", help="Start date (YYYY-MM-DD, +1w, monday...).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="End date.")] = None,
    segment: Annotated[str | None, typer.Option("--segment", "-s", help="Target segment name.")] = None,
    status: Annotated[str, typer.Option("--status", help=StatusHelp)] = "planned",
    description: Annotated[str | None, typer.Option("--description", "-d", help="What the campaign is.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Add a campaign (then add members with `crm campaign add-members ID`)."""
    from termcrm.services import campaigns

    with writing() as session:
        campaign = campaigns.create_campaign(
            session,
            name,
            channel=channel,
            status=status,
            budget=budget,
            actual_cost=cost,
            currency=currency,
            start=_date(start),
            end=_date(end),
            segment=segment,
            description=description,
        )
        row = campaigns.campaign_rows(session, [campaign])[0]
    emit_written(row, fmt, f"added campaign #{row['id']} {row['name']}")


@app.command("list", cls=FilterCommand)
def list_(
    filters: FilterArg = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List campaigns (filters: channel:email status:active start>-90d segment:NAME cost>1000, text)."""
    from termcrm.io.render import emit_list
    from termcrm.services import campaigns

    with reading() as session:
        found = campaigns.list_campaigns(session, filter_words(filters), sort=sort, limit=limit)
        rows = campaigns.campaign_rows(session, found)
    emit_list(rows, fmt, _columns(), empty="no campaigns match")


@app.command("show")
def show(ref: IdArg, fmt: FormatOpt = "table") -> None:
    """Show a campaign: fields, member figures, cost, won revenue, ROI and sourced deals."""
    from termcrm.io.render import emit_one
    from termcrm.services import campaigns

    with reading() as session:
        data = campaigns.campaign_view(session, campaigns.get_campaign(session, ref))
    emit_one(data, fmt, _print)


def _print(d: Any) -> None:
    from termcrm.io.render import Column, console, heading, print_fields, print_table

    cur = d["currency"]
    money = {"currency": cur}
    console().print(f"[bold]#{d['id']} {d['name']}[/bold]")
    revenue = _money(d["revenue"], money)
    if d.get("other_revenue"):
        others = " + ".join(_money(o["amount"], o) for o in d["other_revenue"])
        revenue += f" (and {others}, not in ROI)"
    print_fields(
        [
            ("channel", d["channel"]),
            ("status", d["status"]),
            ("dates", " to ".join(x for x in (d.get("start_date") or "?", d.get("end_date") or "?"))),
            ("segment", f"@{d['segment']}" if d.get("segment") else None),
            ("budget", _money(d["budget"], money)),
            ("cost", _money(d["actual_cost"], money)),
            ("description", d.get("description")),
        ]
    )
    heading("Members")
    print_fields(
        [
            ("members", str(d["members"])),
            ("sent", str(d["sent"])),
            ("responded", f"{d['responded']} ({_percent(d['response_rate']) or '-'})"),
            ("converted", f"{d['converted']} ({_percent(d['conversion_rate']) or '-'})"),
            ("unsubscribed", str(d["unsubscribed"])),
        ]
    )
    heading("Return")
    print_fields(
        [
            ("deals", f"{d['deals']} sourced, {d['won_deals']} won"),
            ("won revenue", revenue),
            ("cost per conversion", _money(d["cost_per_conversion"], money) or "-"),
            ("ROI", _percent(d["roi"]) or "- (no cost recorded)"),
        ]
    )
    if d.get("sourced_deals"):
        heading("Sourced deals")
        print_table(
            d["sourced_deals"],
            [
                Column("id", justify="right"),
                Column("title", max_width=40),
                Column("contact", max_width=28),
                Column("status"),
                Column("amount", justify="right", fmt=_money),
            ],
        )


@app.command("edit")
def edit(
    ref: IdArg,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    channel: Annotated[str | None, typer.Option("--channel", "-c", help=ChannelHelp)] = None,
    budget: Annotated[str | None, typer.Option("--budget", help="Budget (major units).")] = None,
    cost: Annotated[str | None, typer.Option("--cost", help="Actual cost (major units).")] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="Currency (give --budget/--cost again when they are set).")
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help="Start date ('' clears).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="End date ('' clears).")] = None,
    segment: Annotated[str | None, typer.Option("--segment", "-s", help="Target segment ('' clears).")] = None,
    description: Annotated[str | None, typer.Option("--description", "-d", help="Description ('' clears).")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Change a campaign's name, channel, budget, cost, dates, segment or description."""
    from termcrm.services import campaigns

    changes = campaigns.CampaignChanges(
        name=name,
        channel=channel,
        budget=budget,
        actual_cost=cost,
        currency=currency,
        start=_date(start),
        clear_start=start == "",
        end=_date(end),
        clear_end=end == "",
        segment=segment,
        description=description,
    )
    with writing() as session:
        campaign = campaigns.update_campaign(session, campaigns.get_campaign(session, ref), changes)
        row = campaigns.campaign_rows(session, [campaign])[0]
    emit_written(row, fmt, f"updated campaign #{row['id']} {row['name']}")


@app.command("status")
def status(
    ref: IdArg,
    new_status: Annotated[str, typer.Argument(metavar="STATUS", help=StatusHelp)],
    fmt: FormatOpt = "table",
) -> None:
    """Move a campaign to planned, active, completed or cancelled."""
    from termcrm.services import campaigns

    with writing() as session:
        campaign = campaigns.set_status(session, campaigns.get_campaign(session, ref), new_status)
        row = campaigns.campaign_rows(session, [campaign])[0]
    emit_written(row, fmt, f"campaign #{row['id']} {row['name']} is {row['status']}")


@app.command("cost")
def cost(
    ref: IdArg,
    amount: Annotated[str, typer.Argument(help="Actual cost in major units of the campaign's currency.")],
    add_: Annotated[bool, typer.Option("--add", help="Add AMOUNT to the cost instead of replacing it.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Record what a campaign actually cost."""
    from termcrm.services import campaigns

    with writing() as session:
        campaign = campaigns.set_cost(session, campaigns.get_campaign(session, ref), amount, add=add_)
        row = campaigns.campaign_rows(session, [campaign])[0]
    emit_written(row, fmt, f"campaign #{row['id']} {row['name']} cost {_money(row['actual_cost'], row)}")


@app.command("add-members", cls=FilterCommand)
def add_members(
    ref: IdArg,
    words: Annotated[
        list[str] | None,
        typer.Argument(
            help="Contact filter words (stage:customer +vip @segment), or contact references (ids, emails, names).",
            show_default=False,
        ),
    ] = None,
    segment: Annotated[str | None, typer.Option("--segment", "-s", help="Add the contacts of this segment.")] = None,
    as_filter: Annotated[
        bool, typer.Option("--filter", help="Read plain words as a text search, not as contact references.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Also add contacts that unsubscribed from a campaign of this channel.")
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Add members: a segment, filter words, or contact references (nothing: the campaign's segment).

    Words with a field (stage:lead), a tag (+vip, -vip) or a segment (@name)
    are a filter; plain words are contact references unless --filter is given.
    Contacts that unsubscribed from another campaign of the same channel are
    skipped (and counted) unless --force.
    """
    from termcrm.io.render import emit_one
    from termcrm.services import campaigns
    from termcrm.services.filters import parse_words

    given = filter_words(words)
    filter_list: list[str] | None = None
    contact_refs: list[str] | None = None
    if given:
        if as_filter or any(t.kind != "text" for t in parse_words(given)):
            filter_list = given
        else:
            contact_refs = given
    with writing() as session:
        campaign = campaigns.get_campaign(session, ref)
        result = campaigns.add_members(
            session, campaign, segment=segment, words=filter_list, contacts=contact_refs, force=force
        )
        data = {"id": campaign.id, "campaign": campaign.name, **result.as_json()}
    if fmt == "table":
        text = f"added {result.added} member(s) to campaign #{campaign.id} {campaign.name}"
        extra = []
        if result.already:
            extra.append(f"{result.already} already members")
        if result.skipped_unsubscribed:
            extra.append(
                f"{result.skipped_unsubscribed} skipped: unsubscribed from an earlier {campaign.channel} campaign "
                "(--force adds them)"
            )
        done(text + (f"; {'; '.join(extra)}" if extra else ""))
    else:
        emit_one(data, fmt, lambda _d: None)


@app.command("remove-members")
def remove_members(
    ref: IdArg,
    contacts: Annotated[list[str], typer.Argument(help="Contact ids, emails or names.")],
    yes: YesOpt = False,
) -> None:
    """Take contacts out of a campaign."""
    from termcrm.services import campaigns, refs

    with reading() as session:
        campaign = campaigns.get_campaign(session, ref)
        label = f"#{campaign.id} {campaign.name}"
        for contact_ref in contacts:
            refs.contact(session, contact_ref, archived=True)
    confirm(f"Remove {len(contacts)} contact(s) from campaign {label}?", yes)
    with writing() as session:
        campaign = campaigns.get_campaign(session, ref)
        removed = campaigns.remove_members(
            session, campaign, [refs.contact(session, c, archived=True) for c in contacts]
        )
    done(f"removed {removed} member(s) from campaign {label}")


@app.command("sent")
def sent(
    ref: IdArg,
    contacts: Annotated[
        list[str] | None, typer.Argument(help="Contact references (default: every targeted member).")
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="When it was sent (default now).")] = None,
) -> None:
    """Mark targeted members as sent (all of them, or the contacts named)."""
    from termcrm import dates
    from termcrm.services import campaigns, refs

    when = dates.parse_when(at).at if at else None
    with writing() as session:
        campaign = campaigns.get_campaign(session, ref)
        people = [refs.contact(session, c, archived=True) for c in contacts or []]
        changed = campaigns.mark_sent(session, campaign, people, at=when)
    done(f"marked {changed} member(s) of campaign #{campaign.id} as sent")


@app.command("respond")
def respond(
    ref: IdArg,
    contact: Annotated[str, typer.Argument(help="Contact id, email or name.")],
    status_: Annotated[str, typer.Option("--status", help="responded, converted or unsubscribed.")] = "responded",
    at: Annotated[str | None, typer.Option("--at", help="When (default now): 'yesterday 14:00', '-2d'.")] = None,
    add_: Annotated[bool, typer.Option("--add", help="Add the contact as a member first when it is not one.")] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Record a member's response: responded, converted or unsubscribed."""
    from termcrm import dates
    from termcrm.services import campaigns, refs

    when = dates.parse_when(at).at if at else None
    with writing() as session:
        campaign = campaigns.get_campaign(session, ref)
        person = refs.contact(session, contact)
        member = campaigns.respond(session, campaign, person, status=status_, at=when, add=add_)
        row = campaigns.member_rows(session, campaign, [(member, person)])[0]
    emit_written(row, fmt, f"campaign #{campaign.id}: {row['name']} is {row['status']}")


@app.command("members", cls=FilterCommand)
def members(
    ref: IdArg,
    filters: FilterArg = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """List a campaign's members (filters: status:responded converted:yes, and any contact filter)."""
    from termcrm.io.render import Column, emit_list
    from termcrm.services import campaigns

    with reading() as session:
        campaign = campaigns.get_campaign(session, ref)
        found = campaigns.list_members(session, campaign, filter_words(filters), sort=sort, limit=limit)
        rows = campaigns.member_rows(session, campaign, found)
    emit_list(
        rows,
        fmt,
        [
            Column("id", justify="right"),
            Column("name", max_width=32),
            Column("email", max_width=32),
            Column("company", max_width=24),
            Column("status"),
            Column("responded_at", "responded", fmt=_when),
            Column("deals"),
        ],
        empty="no members match",
    )


def _when(value: Any, _row: Any) -> str:
    from termcrm.cli.views import when

    return when(value)
