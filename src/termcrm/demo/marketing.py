"""Demo marketing: segments, a year of campaigns with members, responses, unsubscribes and sourced deals.

Campaigns are placed around ``ctx.now``: completed ones in the past with
their responses and the deals they sourced (some won, so the campaigns report
has a return to show), one running, one planned. A second newsletter shows the
unsubscribe rule at work: who unsubscribed from the first is not added.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from termcrm.models import Campaign, Contact
from termcrm.services import campaigns, history, segments

SEGMENTS = (
    ("customers", ["stage:customer"]),
    ("vip-customers", ["@customers", "+vip"]),
    ("newsletter", ["+newsletter"]),
    ("leads", ["stage:lead"]),
    ("dormant-customers", ["stage:customer", "last_contacted<-90d"]),
    ("vip-dormant", ["@vip-customers", "last_contacted<-60d"]),
    ("enterprise-prospects", ["+enterprise", "stage!=customer"]),
)
"""Demo segments: (name, filter words)."""

CAMPAIGNS: tuple[dict[str, Any], ...] = (
    # name, channel, days from now to start / end, budget, cost (major units), target, response odds,
    # conversion odds among responders, deal size range, win odds, unsubscribe odds.
    {"name": "Spring newsletter", "channel": "email", "start": -170, "end": -165, "budget": 800, "cost": 640,
     "segment": "newsletter", "respond": 0.25, "convert": 0.25, "size": (800, 4000), "win": 0.5, "unsub": 0.08},
    {"name": "Customer summit", "channel": "event", "start": -120, "end": -118, "budget": 15000, "cost": 16200,
     "segment": "customers", "respond": 0.6, "convert": 0.5, "size": (3000, 12000), "win": 0.5, "unsub": 0.0},
    {"name": "Search ads Q3", "channel": "ads", "start": -100, "end": -40, "budget": 6000, "cost": 5750,
     "filter": ["source:ads"], "respond": 0.3, "convert": 0.3, "size": (1500, 9000), "win": 0.45, "unsub": 0.0},
    {"name": "Product webinar", "channel": "webinar", "start": -60, "end": -60, "budget": 1500, "cost": 1100,
     "segment": "leads", "respond": 0.35, "convert": 0.2, "size": (2000, 12000), "win": 0.4, "unsub": 0.02},
    {"name": "Trade fair mailing", "channel": "mail", "start": -75, "end": -70, "budget": 3000, "cost": 3400,
     "segment": "enterprise-prospects", "respond": 0.1, "convert": 0.1, "size": (1000, 3000), "win": 0.2,
     "unsub": 0.0},
    {"name": "Autumn newsletter", "channel": "email", "start": -12, "end": None, "budget": 800, "cost": 350,
     "segment": "newsletter", "respond": 0.15, "convert": 0.1, "size": (800, 4000), "win": 0.0, "unsub": 0.04},
    {"name": "Win-back calls", "channel": "call", "start": 10, "end": 40, "budget": 2000, "cost": 0,
     "segment": "dormant-customers", "respond": 0.0, "convert": 0.0, "size": (0, 0), "win": 0.0, "unsub": 0.0},
)  # fmt: skip
"""The demo campaigns, oldest first."""


def _at(day: date, rng: random.Random) -> datetime:
    from termcrm.dates import from_local

    return from_local(datetime.combine(day, time(rng.randint(8, 18), rng.randint(0, 59))))


def _deal(
    session: Session,
    rng: random.Random,
    ctx: Any,
    campaign: Campaign,
    contact: Contact,
    created: datetime,
    spec: dict[str, Any],
    outcome: str,
) -> None:
    """A deal sourced by ``campaign``: ``outcome`` won or lost when it could close before now, else open."""
    from termcrm.services import deals, refs

    low, high = spec["size"]
    amount = rng.randint(low // 50, high // 50) * 50
    closes = created + timedelta(days=rng.randint(7, 45))
    deal = deals.create_deal(
        session,
        deals.DealInput(
            title=f"{contact.display_name}: {campaign.name}",
            contact=contact,
            amount=amount,
            currency=ctx.currency,
            expected_close=closes.date(),
            owner=refs.user_name(session, contact.owner_id),
            source="campaign",
            campaign=campaign,
        ),
        now=created,
    )
    if closes >= ctx.now:
        return
    if outcome == "won":
        deals.win_deal(session, deal, now=closes)
    elif outcome == "lost":
        deals.lose_deal(session, deal, rng.choice(("price", "timing", "competitor")), now=closes)


MAX_MEMBERS = 250
"""At most this many members per demo campaign."""


def build(session: Session, rng: random.Random, ctx: Any) -> None:
    """Add the demo segments and campaigns (members, responses, unsubscribes, sourced deals)."""
    from termcrm.dates import local_today
    from termcrm.services import contacts as contact_service

    now: datetime = ctx.now
    today = local_today(now=now)
    saved_summary = getattr(session.info.get(history.INFO_KEY), "summary", None)
    for name, words in SEGMENTS:
        segments.create_segment(session, name, words, now=now)
    for spec in CAMPAIGNS:
        start = today + timedelta(days=spec["start"])
        end = today + timedelta(days=spec["end"]) if spec["end"] is not None else None
        if end is not None and end < today:
            status = "completed"
        elif start <= today:
            status = "active"
        else:
            status = "planned"
        campaign = campaigns.create_campaign(
            session,
            spec["name"],
            channel=spec["channel"],
            status=status,
            budget=spec["budget"],
            actual_cost=spec["cost"],
            currency=ctx.currency,
            start=start,
            end=end,
            segment=spec.get("segment"),
            description=f"Demo {spec['channel']} campaign",
        )
        added_at = min(_at(start - timedelta(days=7), rng), now)
        # Target a sample of the matching contacts, so a 100,000-contact demo stays quick to build.
        words = list(spec.get("filter") or ([f"@{spec['segment']}"] if spec.get("segment") else []))
        query = contact_service.query_contacts(session, words, now=added_at).with_only_columns(Contact.id)
        matching = [int(i) for i in session.scalars(query).all()]
        chosen = sorted(rng.sample(matching, min(len(matching), MAX_MEMBERS)))
        if not chosen:
            continue  # a tiny demo may have nobody in this campaign's audience
        campaigns.add_members(session, campaign, contacts=[str(i) for i in chosen], now=added_at)
        if status == "planned":
            continue
        campaigns.mark_sent(session, campaign, at=_at(start, rng))
        last_day = min(end or today, today)
        span = max((last_day - start).days, 0) + 3
        responders: list[tuple[Contact, datetime]] = []
        for _member, contact in campaigns.list_members(session, campaign):
            roll = rng.random()
            when = _at(start + timedelta(days=rng.randint(0, span)), rng)
            if when > now:
                when = now - timedelta(hours=rng.randint(1, 48))
            if roll < spec["unsub"]:
                campaigns.respond(session, campaign, contact, status="unsubscribed", at=when)
            elif roll < spec["unsub"] + spec["respond"]:
                campaigns.respond(session, campaign, contact, status="responded", at=when)
                responders.append((contact, when))
        # Conversions: a share of the responders, at least one; of those a share won, some lost, the rest open.
        if not responders or not spec["convert"]:
            continue
        count = max(1, round(len(responders) * spec["convert"]))
        converters = rng.sample(responders, count)
        wins = round(count * spec["win"]) if spec["win"] else 0
        if spec["win"] and not wins:
            wins = 1
        for index, (contact, when) in enumerate(converters):
            outcome = "won" if index < wins else ("lost" if index < wins + max(1, count // 4) else "open")
            if spec["size"][1]:
                _deal(session, rng, ctx, campaign, contact, when + timedelta(days=1), spec, outcome)
            else:
                campaigns.respond(session, campaign, contact, status="converted", at=when)
    session.flush()
    if saved_summary is not None:
        history.set_summary(session, saved_summary)  # the services above each described their own step
