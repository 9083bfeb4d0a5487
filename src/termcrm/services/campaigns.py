"""Campaigns: budget and cost, members from segments or filters, responses, sourced deals and return.

A campaign targets contacts (its members). A member moves from ``targeted``
to ``sent`` to ``responded`` or ``converted``, or ``unsubscribed``. A member is
*converted* when marked so or when a live deal names the campaign as its
source (``deal.campaign_id``) for that contact: the conversion is derived, so
it never goes stale. A contact that unsubscribed from one campaign is not
added to another campaign of the same channel unless forced.

Money is integer minor units of the campaign's currency; revenue from deals
in other currencies is reported apart and never added to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from termcrm import money
from termcrm.errors import Ambiguous, Invalid, InvalidFile, NotFound
from termcrm.models import schema, utcnow
from termcrm.services import history, refs
from termcrm.services.common import check_choice, check_version, jsonable
from termcrm.services.filters import FieldSpec, FilterContext, filtered
from termcrm.vocab import CAMPAIGN_CHANNELS, CAMPAIGN_STATUSES, MEMBER_STATUSES

if TYPE_CHECKING:
    from termcrm.models import Campaign, CampaignMember, Contact, Deal

RESPONSE_STATUSES = ("responded", "converted", "unsubscribed")
"""What ``campaign respond`` can record."""

RESPONSE_ALIASES = {
    "sent": "sent",
    "delivered": "sent",
    "responded": "responded",
    "response": "responded",
    "replied": "responded",
    "reply": "responded",
    "opened": "responded",
    "clicked": "responded",
    "registered": "responded",
    "attended": "responded",
    "converted": "converted",
    "conversion": "converted",
    "unsubscribed": "unsubscribed",
    "unsubscribe": "unsubscribed",
    "opt-out": "unsubscribed",
    "optout": "unsubscribed",
    "opted out": "unsubscribed",
}
"""Status words a mailing tool's response file may use, and what they mean here."""

TIME_KEYS = ("at", "time", "date", "timestamp", "responded_at", "updated_at")
"""Columns of a response file that can carry the response time (the first present wins)."""


# ---------------------------------------------------------------- campaigns


def _money(value: Any, currency: str, what: str) -> int:
    amount = money.parse_amount(value, currency)
    if amount < 0:
        raise Invalid(f"{what} cannot be negative")
    return amount


def _check_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise Invalid(f"the end date {end.isoformat()} is before the start date {start.isoformat()}")


def _name(value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise Invalid("a campaign needs a name")
    return text


def _segment_id(session: Session, ref: str | None) -> int | None:
    if ref is None or not ref.strip():
        return None
    from termcrm.services import segments

    return segments.get_segment(session, ref).id


def create_campaign(
    session: Session,
    name: str,
    *,
    channel: str,
    status: str = "planned",
    budget: Any = None,
    actual_cost: Any = None,
    currency: str | None = None,
    start: date | None = None,
    end: date | None = None,
    segment: str | None = None,
    description: str | None = None,
) -> Campaign:
    """Add a campaign. Amounts are in major units (``2500``, ``2.5k``) of ``currency`` (default: settings)."""
    from termcrm.models import Campaign

    settings = session.info.get("settings")
    code = money.check_currency(currency) if currency else (settings.currency if settings else "USD")
    _check_dates(start, end)
    campaign = Campaign(
        name=_name(name),
        channel=check_choice(channel, CAMPAIGN_CHANNELS, "channel"),
        status=check_choice(status, CAMPAIGN_STATUSES, "status"),
        start_date=start,
        end_date=end,
        budget=_money(budget, code, "budget") if budget not in (None, "") else 0,
        actual_cost=_money(actual_cost, code, "cost") if actual_cost not in (None, "") else 0,
        currency=code,
        segment_id=_segment_id(session, segment),
        description=description.strip() if description and description.strip() else None,
    )
    session.add(campaign)
    session.flush()
    history.set_summary(session, f"add campaign #{campaign.id} {campaign.name} ({campaign.channel})")
    return campaign


def get_campaign(session: Session, ref: str | int) -> Campaign:
    """The campaign with id ``ref``, or with that exact name (any case), or a unique name fragment."""
    from termcrm.models import Campaign

    text = str(ref).strip()
    if not text:
        raise Invalid("empty campaign reference: give the id shown by crm campaign list")
    if text.lstrip("#").isdigit():
        return refs.by_id(session, Campaign, text, "campaign")
    live = Campaign.archived_at.is_(None)  # type: ignore[union-attr]
    exact = session.exec(select(Campaign).where(sa.func.lower(Campaign.name) == text.lower(), live)).all()
    if len(exact) == 1:
        return exact[0]
    matches = (
        exact
        or session.exec(
            select(Campaign).where(Campaign.name.icontains(text, autoescape=True), live).limit(51)  # type: ignore[attr-defined]
        ).all()
    )
    if not matches:
        raise NotFound(f"no campaign matches {text!r}")
    if len(matches) == 1:
        return matches[0]
    raise Ambiguous(f"{text!r} matches several campaigns", [f"#{c.id} {c.name}" for c in matches])


@dataclass
class CampaignChanges:
    """What ``campaign edit`` changes; None leaves a value as it is (``""`` clears the optional ones)."""

    name: str | None = None
    channel: str | None = None
    budget: Any = None
    actual_cost: Any = None
    currency: str | None = None
    start: date | None = None
    clear_start: bool = False
    end: date | None = None
    clear_end: bool = False
    segment: str | None = None
    description: str | None = None


def update_campaign(
    session: Session, campaign: Campaign, changes: CampaignChanges, *, version: int | None = None
) -> Campaign:
    """Apply ``changes`` to ``campaign``."""
    check_version(campaign, version, f"campaign #{campaign.id}")
    if changes.name is not None:
        campaign.name = _name(changes.name)
    if changes.channel is not None:
        campaign.channel = check_choice(changes.channel, CAMPAIGN_CHANNELS, "channel")
    if changes.currency is not None:
        code = money.check_currency(changes.currency)
        if code != campaign.currency:
            stale = [
                what
                for what, amount, given in (
                    ("budget", campaign.budget, changes.budget),
                    ("cost", campaign.actual_cost, changes.actual_cost),
                )
                if amount and given in (None, "")
            ]
            if stale:
                raise Invalid(
                    f"give the {' and '.join(stale)} again in {code} when changing the currency "
                    f"(now {campaign.currency})"
                )
            campaign.currency = code
    if changes.budget not in (None, ""):
        campaign.budget = _money(changes.budget, campaign.currency, "budget")
    if changes.actual_cost not in (None, ""):
        campaign.actual_cost = _money(changes.actual_cost, campaign.currency, "cost")
    if changes.clear_start:
        campaign.start_date = None
    elif changes.start is not None:
        campaign.start_date = changes.start
    if changes.clear_end:
        campaign.end_date = None
    elif changes.end is not None:
        campaign.end_date = changes.end
    _check_dates(campaign.start_date, campaign.end_date)
    if changes.segment is not None:
        campaign.segment_id = _segment_id(session, changes.segment)
    if changes.description is not None:
        campaign.description = changes.description.strip() or None
    session.add(campaign)
    session.flush()
    history.set_summary(session, f"edit campaign #{campaign.id} {campaign.name}")
    return campaign


def set_status(session: Session, campaign: Campaign, status: str, *, now: datetime | None = None) -> Campaign:
    """Move a campaign to ``status``; activating sets an empty start date to today, completing an empty end date."""
    from termcrm.dates import local_today

    value = check_choice(status, CAMPAIGN_STATUSES, "status")
    old = campaign.status
    campaign.status = value
    today = local_today(now=now)
    if value == "active" and campaign.start_date is None:
        campaign.start_date = today
    if value == "completed" and campaign.end_date is None:
        campaign.end_date = max(today, campaign.start_date) if campaign.start_date else today
    session.add(campaign)
    session.flush()
    history.set_summary(session, f"campaign #{campaign.id} {campaign.name}: {old} -> {value}")
    return campaign


def set_cost(session: Session, campaign: Campaign, amount: Any, *, add: bool = False) -> Campaign:
    """Set the actual cost (major units of the campaign's currency), or add to it with ``add``."""
    value = money.parse_amount(amount, campaign.currency)
    new = campaign.actual_cost + value if add else value
    if new < 0:
        raise Invalid("the cost cannot go below zero")
    campaign.actual_cost = new
    session.add(campaign)
    session.flush()
    history.set_summary(
        session, f"campaign #{campaign.id} {campaign.name} cost {money.format_money(new, campaign.currency)}"
    )
    return campaign


def _segment_build(op: str, value: str) -> Any:
    from termcrm.models import Campaign, Segment

    if op not in (":", "!="):
        raise Invalid("segment takes : or != only")
    name = value.strip().lstrip("@").lower()
    cond = Campaign.segment_id.in_(select(Segment.id).where(sa.func.lower(Segment.name) == name))  # type: ignore[union-attr]
    if name == "":
        cond = Campaign.segment_id.is_(None)  # type: ignore[union-attr]
    return cond if op == ":" else sa.not_(cond)


def filter_context(session: Session, now: datetime | None = None) -> FilterContext:
    """The fields ``campaign list`` filters and sorts by."""
    from termcrm.models import Campaign

    settings = session.info.get("settings")

    def text(word: str) -> Any:
        return sa.or_(
            Campaign.name.icontains(word, autoescape=True),  # type: ignore[attr-defined]
            Campaign.description.icontains(word, autoescape=True),  # type: ignore[union-attr]
        )

    return FilterContext(
        fields={
            "id": FieldSpec(Campaign.id, "int"),
            "name": FieldSpec(Campaign.name),
            "channel": FieldSpec(Campaign.channel, "choice", choices=CAMPAIGN_CHANNELS),
            "status": FieldSpec(Campaign.status, "choice", choices=CAMPAIGN_STATUSES),
            "start": FieldSpec(Campaign.start_date, "date"),
            "end": FieldSpec(Campaign.end_date, "date"),
            "budget": FieldSpec(Campaign.budget, "money"),
            "cost": FieldSpec(Campaign.actual_cost, "money"),
            "currency": FieldSpec(Campaign.currency),
            "segment": FieldSpec(None, "custom", build=_segment_build, sortable=False),
            "description": FieldSpec(Campaign.description),
            "created": FieldSpec(Campaign.created_at, "datetime"),
        },
        text=text,
        now=now,
        currency=settings.currency if settings else "USD",
        aliases={
            "start_date": "start",
            "end_date": "end",
            "actual_cost": "cost",
            "created_at": "created",
        },
    )


def list_campaigns(
    session: Session,
    words: Sequence[str] = (),
    *,
    sort: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[Campaign]:
    """Live campaigns matching the filter words, latest start first unless sorted otherwise."""
    from termcrm.models import Campaign

    ctx = filter_context(session, now)
    stmt = filtered(
        select(Campaign),
        words,
        ctx,
        sort=sort,
        default=[Campaign.start_date.desc().nulls_last(), Campaign.id.desc()],  # type: ignore[union-attr]
        limit=limit,
        archived=(Campaign.archived_at, False),
    )
    return list(session.exec(stmt).all())


# ---------------------------------------------------------------- member figures


def _deal_for_member() -> Any:
    """EXISTS a live deal sourced by the member's campaign for the member's contact."""
    from termcrm.models import CampaignMember, Deal

    return sa.exists().where(
        col(Deal.campaign_id) == col(CampaignMember.campaign_id),
        col(Deal.contact_id) == col(CampaignMember.contact_id),
        col(Deal.archived_at).is_(None),
    )


def converted_clause() -> Any:
    """A member is converted when marked so or when the campaign sourced a deal for the contact."""
    from termcrm.models import CampaignMember

    return sa.or_(col(CampaignMember.status) == "converted", _deal_for_member())


def responded_clause() -> Any:
    """A member responded when a response time is recorded, or the status says so, or it converted."""
    from termcrm.models import CampaignMember

    return sa.or_(
        col(CampaignMember.responded_at).is_not(None),
        col(CampaignMember.status).in_(("responded", "converted")),
        converted_clause(),
    )


def sent_clause() -> Any:
    """A member was reached when sent, or anything happened after sending."""
    from termcrm.models import CampaignMember

    return sa.or_(col(CampaignMember.sent_at).is_not(None), col(CampaignMember.status) != "targeted")


@dataclass
class MemberCounts:
    """How far a campaign's members got."""

    members: int = 0
    sent: int = 0
    responded: int = 0
    converted: int = 0
    unsubscribed: int = 0

    def as_json(self) -> dict[str, int]:
        """The counts as a dict."""
        return {
            "members": self.members,
            "sent": self.sent,
            "responded": self.responded,
            "converted": self.converted,
            "unsubscribed": self.unsubscribed,
        }


def member_counts(session: Session, campaign_ids: Iterable[int]) -> dict[int, MemberCounts]:
    """Member figures of each campaign (one grouped query)."""
    from termcrm.models import CampaignMember

    ids = list(campaign_ids)
    out = {cid: MemberCounts() for cid in ids}
    if not ids:
        return out

    def flag(cond: Any) -> Any:
        return sa.func.sum(sa.case((cond, 1), else_=0))

    stmt = (
        select(  # type: ignore[call-overload]
            CampaignMember.campaign_id,
            sa.func.count(),
            flag(sent_clause()),
            flag(responded_clause()),
            flag(converted_clause()),
            flag(CampaignMember.status == "unsubscribed"),
        )
        .where(CampaignMember.campaign_id.in_(ids))  # type: ignore[attr-defined]
        .group_by(CampaignMember.campaign_id)
    )
    for cid, total, sent, responded, converted, unsubscribed in session.exec(stmt).all():  # type: ignore[call-overload]
        out[int(cid)] = MemberCounts(
            int(total), int(sent or 0), int(responded or 0), int(converted or 0), int(unsubscribed or 0)
        )
    return out


def campaign_rows(session: Session, campaigns: Sequence[Campaign]) -> list[dict[str, Any]]:
    """JSON-ready dicts of campaigns with their member figures."""
    from termcrm.models import Segment

    counts = member_counts(session, [c.id for c in campaigns if c.id is not None])
    seg_ids = {c.segment_id for c in campaigns if c.segment_id}
    seg_names = (
        dict(session.exec(select(Segment.id, Segment.name).where(Segment.id.in_(seg_ids))).all())  # type: ignore[union-attr]
        if seg_ids
        else {}
    )
    out = []
    for c in campaigns:
        figures = counts.get(c.id or 0, MemberCounts())
        out.append(
            {
                "id": c.id,
                "name": c.name,
                "channel": c.channel,
                "status": c.status,
                "start_date": jsonable(c.start_date),
                "end_date": jsonable(c.end_date),
                "budget": money.as_number(c.budget, c.currency),
                "actual_cost": money.as_number(c.actual_cost, c.currency),
                "currency": c.currency,
                "segment": seg_names.get(c.segment_id) if c.segment_id else None,
                "segment_id": c.segment_id,
                **figures.as_json(),
                "description": c.description,
                "created_at": jsonable(c.created_at),
                "updated_at": jsonable(c.updated_at),
                "version": c.version,
            }
        )
    return out


# ---------------------------------------------------------------- return on investment


def _ratio(numerator: int | Decimal, denominator: int) -> float | None:
    if not denominator:
        return None
    value = Decimal(numerator) / Decimal(denominator)
    return float(value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


@dataclass
class Performance:
    """A campaign's figures: members, rates, cost, won revenue, cost per conversion and ROI."""

    campaign_id: int
    name: str
    channel: str
    status: str
    start_date: date | None
    end_date: date | None
    currency: str
    counts: MemberCounts
    budget: int
    cost: int
    deals: int = 0
    won_deals: int = 0
    revenue: dict[str, int] = field(default_factory=dict)
    """Won revenue by currency (minor units)."""

    @property
    def response_rate(self) -> float | None:
        """Responded members / members (None without members)."""
        return _ratio(self.counts.responded, self.counts.members)

    @property
    def conversion_rate(self) -> float | None:
        """Converted members / members (None without members)."""
        return _ratio(self.counts.converted, self.counts.members)

    @property
    def revenue_in_currency(self) -> int:
        """Won revenue in the campaign's own currency (the part ROI can compare with the cost)."""
        return self.revenue.get(self.currency, 0)

    @property
    def other_revenue(self) -> dict[str, int]:
        """Won revenue in other currencies, reported apart and left out of ROI."""
        return {c: v for c, v in sorted(self.revenue.items()) if c != self.currency}

    @property
    def cost_per_conversion(self) -> int | None:
        """Cost / converted members in minor units, rounded half-even (None without conversions)."""
        if not self.counts.converted:
            return None
        value = Decimal(self.cost) / Decimal(self.counts.converted)
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))

    @property
    def roi(self) -> float | None:
        """(revenue − cost) / cost as a ratio (1.5 is 150 %); None when nothing was spent."""
        return _ratio(self.revenue_in_currency - self.cost, self.cost)

    def as_json(self) -> dict[str, Any]:
        """JSON-ready figures (money in major units with ``currency``)."""
        cur = self.currency
        cpc = self.cost_per_conversion
        return {
            "id": self.campaign_id,
            "name": self.name,
            "channel": self.channel,
            "status": self.status,
            "start_date": jsonable(self.start_date),
            "end_date": jsonable(self.end_date),
            **self.counts.as_json(),
            "response_rate": self.response_rate,
            "conversion_rate": self.conversion_rate,
            "budget": money.as_number(self.budget, cur),
            "cost": money.as_number(self.cost, cur),
            "currency": cur,
            "deals": self.deals,
            "won_deals": self.won_deals,
            "revenue": money.as_number(self.revenue_in_currency, cur),
            "other_revenue": [{"amount": money.as_number(v, c), "currency": c} for c, v in self.other_revenue.items()],
            "cost_per_conversion": money.as_number(cpc, cur) if cpc is not None else None,
            "roi": self.roi,
        }


def performance(session: Session, campaigns: Sequence[Campaign]) -> list[Performance]:
    """The figures of each campaign, in the order given."""
    from termcrm.models import Deal

    ids = [c.id for c in campaigns if c.id is not None]
    counts = member_counts(session, ids)
    deals: dict[int, int] = {}
    won: dict[int, int] = {}
    revenue: dict[int, dict[str, int]] = {}
    if ids:
        for cid, status, currency, number, total in session.exec(
            select(Deal.campaign_id, Deal.status, Deal.currency, sa.func.count(), sa.func.sum(Deal.amount))  # type: ignore[call-overload]
            .where(Deal.campaign_id.in_(ids), Deal.archived_at.is_(None))  # type: ignore[union-attr]
            .group_by(Deal.campaign_id, Deal.status, Deal.currency)
        ).all():
            key = int(cid)
            deals[key] = deals.get(key, 0) + int(number)
            if status == "won":
                won[key] = won.get(key, 0) + int(number)
                by_currency = revenue.setdefault(key, {})
                by_currency[currency] = by_currency.get(currency, 0) + int(total or 0)
    return [
        Performance(
            campaign_id=c.id or 0,
            name=c.name,
            channel=c.channel,
            status=c.status,
            start_date=c.start_date,
            end_date=c.end_date,
            currency=c.currency,
            counts=counts.get(c.id or 0, MemberCounts()),
            budget=c.budget,
            cost=c.actual_cost,
            deals=deals.get(c.id or 0, 0),
            won_deals=won.get(c.id or 0, 0),
            revenue=revenue.get(c.id or 0, {}),
        )
        for c in campaigns
    ]


def campaign_view(session: Session, campaign: Campaign) -> dict[str, Any]:
    """Everything ``campaign show`` prints: the fields, member figures, return and sourced deals."""
    from termcrm.models import CampaignMember, Contact, Deal

    data = campaign_rows(session, [campaign])[0]
    perf = performance(session, [campaign])[0].as_json()
    for key in ("response_rate", "conversion_rate", "deals", "won_deals", "revenue", "other_revenue"):
        data[key] = perf[key]
    data["cost_per_conversion"] = perf["cost_per_conversion"]
    data["roi"] = perf["roi"]
    data["member_statuses"] = {
        status: int(number)
        for status, number in session.exec(
            select(CampaignMember.status, sa.func.count())
            .where(CampaignMember.campaign_id == campaign.id)
            .group_by(CampaignMember.status)
        ).all()
    }
    found = session.exec(
        select(Deal, Contact.display_name)
        .join(Contact, Contact.id == Deal.contact_id, isouter=True)  # type: ignore[arg-type]
        .where(Deal.campaign_id == campaign.id, Deal.archived_at.is_(None))  # type: ignore[union-attr]
        .order_by(col(Deal.id))
    ).all()
    data["sourced_deals"] = [
        {
            "id": d.id,
            "title": d.title,
            "contact": name,
            "status": d.status,
            "amount": money.as_number(d.amount, d.currency),
            "currency": d.currency,
        }
        for d, name in found
    ]
    return data


# ---------------------------------------------------------------- members


@dataclass
class AddResult:
    """What ``add_members`` did."""

    matched: int = 0
    """Contacts the segment, filter or references named."""
    added: int = 0
    already: int = 0
    """Already members of this campaign."""
    skipped_unsubscribed: int = 0
    """Left out: unsubscribed from another campaign of the same channel."""
    skipped_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The result as a dict."""
        return {
            "matched": self.matched,
            "added": self.added,
            "already": self.already,
            "skipped_unsubscribed": self.skipped_unsubscribed,
            "skipped_ids": self.skipped_ids,
        }


def unsubscribed_ids(session: Session, campaign: Campaign) -> set[int]:
    """Contacts that unsubscribed from another campaign of ``campaign``'s channel."""
    from termcrm.models import Campaign, CampaignMember

    stmt = (
        select(CampaignMember.contact_id)
        .join(Campaign, Campaign.id == CampaignMember.campaign_id)  # type: ignore[arg-type]
        .where(
            Campaign.channel == campaign.channel,
            Campaign.id != campaign.id,
            CampaignMember.status == "unsubscribed",
        )
        .distinct()
    )
    return {int(i) for i in session.exec(stmt).all()}


def _contact_ids_for(
    session: Session,
    campaign: Campaign,
    *,
    segment: str | None,
    words: Sequence[str] | None,
    contacts: Sequence[str] | None,
    now: datetime | None,
) -> tuple[list[int], str]:
    from termcrm.models import Contact, Segment
    from termcrm.services import contacts as contact_service
    from termcrm.services import segments

    given = [x for x in (segment, words, contacts) if x]
    if len(given) > 1:
        raise Invalid("give one of: --segment NAME, filter words, or contact references")
    if contacts:
        ids: list[int] = []
        for ref in contacts:
            contact = refs.contact(session, ref)
            if contact.archived_at is not None:
                raise Invalid(f"contact #{contact.id} {contact.display_name} is archived; restore it first")
            if contact.id not in ids:
                ids.append(contact.id or 0)
        return ids, f"{len(ids)} contact(s)"
    if words:
        stmt = contact_service.query_contacts(session, words, now=now).order_by(None)
        stmt = stmt.with_only_columns(Contact.id).order_by(Contact.id)
        return [int(i) for i in session.scalars(stmt).all()], " ".join(words)
    seg_ref = segment
    if not seg_ref:
        if campaign.segment_id is None:
            raise Invalid(
                "say whom to add: --segment NAME, filter words or contact references "
                "(or give the campaign a target segment with --segment)"
            )
        target = session.get(Segment, campaign.segment_id)
        assert target is not None
        seg_ref = target.name
    seg = segments.get_segment(session, seg_ref)
    return segments.member_ids(session, seg, now=now), f"segment @{seg.name}"


def add_members(
    session: Session,
    campaign: Campaign,
    *,
    segment: str | None = None,
    words: Sequence[str] | None = None,
    contacts: Sequence[str] | None = None,
    force: bool = False,
    now: datetime | None = None,
) -> AddResult:
    """Add contacts as ``targeted`` members: a segment's, a filter's, or the referenced ones.

    With none given, the campaign's target segment is used. Contacts already
    in the campaign are left as they are; contacts that unsubscribed from
    another campaign of the same channel are skipped (and counted) unless ``force``.
    """
    from termcrm.models import CampaignMember

    ids, source = _contact_ids_for(session, campaign, segment=segment, words=words, contacts=contacts, now=now)
    result = AddResult(matched=len(ids))
    existing = {
        int(i)
        for i in session.exec(select(CampaignMember.contact_id).where(CampaignMember.campaign_id == campaign.id)).all()
    }
    blocked = set() if force else unsubscribed_ids(session, campaign)
    when = now or utcnow()
    for cid in ids:
        if cid in existing:
            result.already += 1
            continue
        if cid in blocked:
            result.skipped_unsubscribed += 1
            result.skipped_ids.append(cid)
            continue
        session.add(CampaignMember(campaign_id=campaign.id or 0, contact_id=cid, status="targeted", added_at=when))
        existing.add(cid)
        result.added += 1
    session.flush()
    history.set_summary(session, f"add {result.added} member(s) to campaign #{campaign.id} {campaign.name} ({source})")
    return result


def get_member(session: Session, campaign: Campaign, contact: Contact) -> CampaignMember | None:
    """The membership of ``contact`` in ``campaign``, if any."""
    from termcrm.models import CampaignMember

    return session.exec(
        select(CampaignMember).where(CampaignMember.campaign_id == campaign.id, CampaignMember.contact_id == contact.id)
    ).first()


def _record(member: CampaignMember, status: str, when: datetime) -> bool:
    """Apply one response to a member; returns whether anything changed."""
    before = (member.status, member.sent_at, member.responded_at, member.converted_at, member.unsubscribed_at)
    if status == "sent":
        if member.status == "targeted":
            member.status = "sent"
        if member.sent_at is None:
            member.sent_at = when
    elif status == "responded":
        if member.status != "converted":
            member.status = "responded"
        if member.responded_at is None:
            member.responded_at = when
    elif status == "converted":
        member.status = "converted"
        if member.responded_at is None:
            member.responded_at = when
        if member.converted_at is None:
            member.converted_at = when
    elif status == "unsubscribed":
        member.status = "unsubscribed"
        if member.unsubscribed_at is None:
            member.unsubscribed_at = when
    after = (member.status, member.sent_at, member.responded_at, member.converted_at, member.unsubscribed_at)
    return before != after


def respond(
    session: Session,
    campaign: Campaign,
    contact: Contact,
    *,
    status: str = "responded",
    at: datetime | None = None,
    add: bool = False,
) -> CampaignMember:
    """Record a member's response (responded, converted or unsubscribed) at ``at`` (default now).

    ``responded`` never downgrades a converted member; ``converted`` also sets
    the response time when missing. A contact that is not a member is
    NotFound unless ``add`` makes it one first.
    """
    from termcrm.models import CampaignMember

    value = check_choice(status, RESPONSE_STATUSES, "response status")
    member = get_member(session, campaign, contact)
    when = at or utcnow()
    if member is None:
        if not add:
            raise NotFound(
                f"contact #{contact.id} {contact.display_name} is not a member of campaign #{campaign.id}; "
                "pass --add to add and record it"
            )
        member = CampaignMember(campaign_id=campaign.id or 0, contact_id=contact.id or 0, added_at=when)
    _record(member, value, when)
    session.add(member)
    session.flush()
    history.set_summary(session, f"campaign #{campaign.id} {campaign.name}: {contact.display_name} {value}")
    return member


def mark_sent(
    session: Session, campaign: Campaign, contacts: Sequence[Contact] = (), *, at: datetime | None = None
) -> int:
    """Mark targeted members (all of them, or the ``contacts`` given) as sent; returns how many changed."""
    from termcrm.models import CampaignMember

    when = at or utcnow()
    stmt = select(CampaignMember).where(CampaignMember.campaign_id == campaign.id)
    if contacts:
        ids = [c.id for c in contacts]
        stmt = stmt.where(CampaignMember.contact_id.in_(ids))  # type: ignore[attr-defined]
        found = {m.contact_id for m in session.exec(stmt).all()}
        missing = [c for c in contacts if c.id not in found]
        if missing:
            raise NotFound(f"#{missing[0].id} {missing[0].display_name} is not a member of campaign #{campaign.id}")
    changed = 0
    for member in session.exec(stmt.where(CampaignMember.status == "targeted")).all():
        if _record(member, "sent", when):
            session.add(member)
            changed += 1
    session.flush()
    history.set_summary(session, f"campaign #{campaign.id} {campaign.name}: {changed} member(s) sent")
    return changed


def remove_members(session: Session, campaign: Campaign, contacts: Sequence[Contact]) -> int:
    """Take contacts out of a campaign; returns how many were members."""
    removed = 0
    for contact in contacts:
        member = get_member(session, campaign, contact)
        if member is not None:
            session.delete(member)
            removed += 1
    session.flush()
    history.set_summary(session, f"remove {removed} member(s) from campaign #{campaign.id} {campaign.name}")
    return removed


def _member_status_build(op: str, value: str) -> Any:
    from termcrm.models import CampaignMember

    if op not in (":", "!="):
        raise Invalid("status takes : or != only")
    lowered = value.strip().lower()
    if lowered not in MEMBER_STATUSES:
        raise Invalid(f"status {value!r} is not one of: {', '.join(MEMBER_STATUSES)}")
    if lowered == "converted":
        cond = sa.and_(col(CampaignMember.status) != "unsubscribed", converted_clause())
    else:
        cond = sa.and_(col(CampaignMember.status) == lowered, sa.not_(_deal_for_member()))
        if lowered == "unsubscribed":
            cond = col(CampaignMember.status) == "unsubscribed"
    return cond if op == ":" else sa.not_(cond)


def _flag_build(clause: Any, name: str) -> Any:
    def build(op: str, value: str) -> Any:
        if op not in (":", "!="):
            raise Invalid(f"{name} takes :yes or :no")
        from termcrm.services.filters import _bool

        flag = _bool(value)
        cond = clause() if flag else sa.not_(clause())
        return cond if op == ":" else sa.not_(cond)

    return build


def members_filter_context(session: Session, now: datetime | None = None) -> FilterContext:
    """``campaign members`` filters: member fields plus every contact field, tag, segment and text."""
    from termcrm.models import CampaignMember
    from termcrm.services import contacts

    base = contacts.filter_context(session, now)
    member_fields = {
        "status": FieldSpec(CampaignMember.status, "custom", build=_member_status_build, sortable=False),
        "responded": FieldSpec(None, "custom", build=_flag_build(responded_clause, "responded"), sortable=False),
        "converted": FieldSpec(None, "custom", build=_flag_build(converted_clause, "converted"), sortable=False),
        "added": FieldSpec(CampaignMember.added_at, "datetime"),
        "sent_at": FieldSpec(CampaignMember.sent_at, "datetime"),
        "responded_at": FieldSpec(CampaignMember.responded_at, "datetime"),
        "converted_at": FieldSpec(CampaignMember.converted_at, "datetime"),
        "unsubscribed_at": FieldSpec(CampaignMember.unsubscribed_at, "datetime"),
    }
    return FilterContext(
        fields={**base.fields, **member_fields},
        text=base.text,
        tag=base.tag,
        segment=base.segment,
        now=now,
        currency=base.currency,
        aliases={**base.aliases, "added_at": "added", "member_status": "status"},
        dynamic=base.dynamic,
    )


def list_members(
    session: Session,
    campaign: Campaign,
    words: Sequence[str] = (),
    *,
    sort: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> list[tuple[CampaignMember, Contact]]:
    """A campaign's members (with their contacts) matching the filter words, by name unless sorted."""
    from termcrm.models import CampaignMember, Contact

    ctx = members_filter_context(session, now)
    stmt = (
        select(CampaignMember, Contact)
        .join(Contact, Contact.id == CampaignMember.contact_id)  # type: ignore[arg-type]
        .where(CampaignMember.campaign_id == campaign.id)
    )
    stmt = filtered(stmt, words, ctx, sort=sort, default=[Contact.display_name, Contact.id], limit=limit)
    return [(m, c) for m, c in session.exec(stmt).all()]


def _deals_by_contact(session: Session, campaign_id: int, contact_ids: Iterable[int]) -> dict[int, list[Deal]]:
    from termcrm.models import Deal

    ids = list(contact_ids)
    out: dict[int, list[Deal]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for deal in session.exec(
            select(Deal)
            .where(Deal.campaign_id == campaign_id, Deal.contact_id.in_(chunk), Deal.archived_at.is_(None))  # type: ignore[union-attr]
            .order_by(col(Deal.created_at), col(Deal.id))
        ).all():
            out.setdefault(deal.contact_id or 0, []).append(deal)
    return out


def member_rows(
    session: Session, campaign: Campaign, items: Sequence[tuple[CampaignMember, Contact]]
) -> list[dict[str, Any]]:
    """JSON-ready dicts of members: the contact, the effective status, the times and sourced deals.

    ``status`` is ``converted`` for a member with a sourced deal (unless it
    unsubscribed); ``marked_status`` is what was recorded.
    """
    from termcrm.services import contacts as contact_service

    contact_rows = {r["id"]: r for r in contact_service.rows(session, [c for _m, c in items])}
    deals = _deals_by_contact(session, campaign.id or 0, [c.id or 0 for _m, c in items])
    out = []
    for member, contact in items:
        crow = contact_rows.get(contact.id or 0, {})
        sourced = deals.get(contact.id or 0, [])
        converted = member.status == "converted" or bool(sourced)
        status = "converted" if converted and member.status != "unsubscribed" else member.status
        converted_at = member.converted_at or (sourced[0].created_at if sourced else None)
        out.append(
            {
                "id": contact.id,
                "contact_id": contact.id,
                "name": contact.display_name,
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "email": crow.get("email"),
                "phone": crow.get("phone"),
                "company": crow.get("company"),
                "status": status,
                "marked_status": member.status,
                "converted": converted,
                "deals": [d.id for d in sourced],
                "added_at": jsonable(member.added_at),
                "sent_at": jsonable(member.sent_at),
                "responded_at": jsonable(member.responded_at),
                "converted_at": jsonable(converted_at),
                "unsubscribed_at": jsonable(member.unsubscribed_at),
            }
        )
    return out


# ---------------------------------------------------------------- exchange with mailing tools


EXPORT_KEYS = (
    "email",
    "first_name",
    "last_name",
    "company",
    "status",
    "phone",
    "contact_id",
    "added_at",
    "sent_at",
    "responded_at",
    "unsubscribed_at",
)
"""Columns of ``export csv --type campaign-members``, in order."""


def member_rows_for_export(
    session: Session, campaign: Campaign, *, include_unsubscribed: bool = False
) -> list[dict[str, Any]]:
    """Rows to hand a mailing tool: one per member with :data:`EXPORT_KEYS`.

    Unsubscribed members are left out unless ``include_unsubscribed``.
    """
    items = list_members(session, campaign)
    rows = []
    for row in member_rows(session, campaign, items):
        if row["marked_status"] == "unsubscribed" and not include_unsubscribed:
            continue
        rows.append({key: row.get(key) for key in EXPORT_KEYS})
    return rows


@dataclass
class ResponseResult:
    """What ``apply_responses`` did with a response file."""

    rows: int = 0
    updated: int = 0
    unchanged: int = 0
    added: int = 0
    unknown_emails: list[str] = field(default_factory=list)
    """Emails that name no contact."""
    not_members: list[str] = field(default_factory=list)
    """Emails of contacts that are not members (added with ``add_missing``)."""
    invalid: list[str] = field(default_factory=list)
    """``line N: problem`` for rows that could not be read."""

    def as_json(self) -> dict[str, Any]:
        """The result as a dict."""
        return {
            "rows": self.rows,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "added": self.added,
            "unknown_emails": self.unknown_emails,
            "not_members": self.not_members,
            "invalid": self.invalid,
        }


def _norm_row(row: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(k).strip().lower().replace(" ", "_"): ("" if v is None else str(v).strip()) for k, v in row.items() if k
    }


def apply_responses(
    session: Session,
    campaign: Campaign,
    rows: Iterable[Mapping[str, Any]],
    *,
    strict: bool = False,
    add_missing: bool = False,
    default_status: str = "responded",
    now: datetime | None = None,
) -> ResponseResult:
    """Record responses read back from a mailing tool, matching members by email (case-insensitive).

    Each row needs ``email``; ``status`` (default ``default_status``) may be
    sent, responded, converted or unsubscribed, or a mailing tool's word for
    them (opened, clicked, replied, opt-out...); ``at``/``date``/``timestamp``
    gives the time (default now). Unknown emails, non-members and unreadable
    rows are reported, not fatal; with ``strict`` any of them raises
    InvalidFile and nothing is written. ``add_missing`` adds known contacts
    that are not yet members.
    """
    from termcrm import dates
    from termcrm.models import CampaignMember, Contact, ContactEmail

    result = ResponseResult()
    plan: list[tuple[int, str, str, datetime]] = []
    default = RESPONSE_ALIASES.get(default_status.strip().lower())
    if default is None:
        raise Invalid(f"status {default_status!r} is not one of: sent, {', '.join(RESPONSE_STATUSES)}")
    for index, raw in enumerate(rows):
        line = index + 2
        result.rows += 1
        row = _norm_row(raw)
        email = row.get("email") or row.get("email_address") or row.get("e-mail") or ""
        if not email:
            result.invalid.append(f"line {line}: no email")
            continue
        word = row.get("status") or row.get("response") or ""
        status = RESPONSE_ALIASES.get(word.lower(), None) if word else default
        if status is None:
            result.invalid.append(f"line {line}: status {word!r} is not one of: sent, {', '.join(RESPONSE_STATUSES)}")
            continue
        when_text = next((row[k] for k in TIME_KEYS if row.get(k)), "")
        try:
            when = dates.parse_when(when_text, now=now).at if when_text else (now or utcnow())
        except Invalid as exc:
            result.invalid.append(f"line {line}: {exc.message}")
            continue
        plan.append((line, email, status, when))
    keys = {email.lower() for _l, email, _s, _w in plan}
    owners: dict[str, list[int]] = {}
    key_list = sorted(keys)
    for start in range(0, len(key_list), 900):
        for key, cid in session.exec(
            select(ContactEmail.email_key, ContactEmail.contact_id)
            .join(Contact, Contact.id == ContactEmail.contact_id)  # type: ignore[arg-type]
            .where(ContactEmail.email_key.in_(key_list[start : start + 900]), Contact.archived_at.is_(None))  # type: ignore[attr-defined,union-attr]
        ).all():
            owners.setdefault(key, []).append(int(cid))
    members = {
        m.contact_id: m
        for m in session.exec(select(CampaignMember).where(CampaignMember.campaign_id == campaign.id)).all()
    }
    work: list[tuple[int, str, datetime]] = []
    for _line, email, status, when in plan:
        found = owners.get(email.lower(), [])
        member_ids = [cid for cid in found if cid in members]
        if member_ids:
            work.append((member_ids[0], status, when))
        elif not found:
            result.unknown_emails.append(email)
        else:
            result.not_members.append(email)
            if add_missing:
                work.append((found[0], status, when))
    if strict and (result.unknown_emails or result.invalid or (result.not_members and not add_missing)):
        problems = [*result.invalid]
        if result.unknown_emails:
            problems.append(f"unknown emails: {', '.join(result.unknown_emails[:5])}")
        if result.not_members and not add_missing:
            problems.append(f"not members: {', '.join(result.not_members[:5])}")
        raise InvalidFile(f"nothing imported: {'; '.join(problems)}")
    for cid, status, when in work:
        member = members.get(cid)
        if member is None:
            member = CampaignMember(campaign_id=campaign.id or 0, contact_id=cid, added_at=when)
            members[cid] = member
            result.added += 1
        if _record(member, status, when):
            session.add(member)
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    history.set_summary(session, f"campaign #{campaign.id} {campaign.name}: {result.updated} response(s) imported")
    return result


# ---------------------------------------------------------------- contact view


def contact_section(session: Session, contact: Any) -> tuple[str, dict[str, Any]] | None:
    """The "Campaigns" section of the contact 360° view (None when the contact is in none); Core, builds no class."""
    campaign, member, deal = schema.campaign.c, schema.campaign_member.c, schema.deal.c
    items = session.execute(
        sa.select(campaign.id, campaign.name, campaign.channel, member.status, member.added_at, member.responded_at)
        .join_from(schema.campaign_member, schema.campaign, campaign.id == member.campaign_id)
        .where(member.contact_id == contact.id, campaign.archived_at.is_(None))
        .order_by(member.added_at.desc(), campaign.id.desc())
    ).all()
    if not items:
        return None
    sourced = {
        int(cid or 0)
        for cid in session.scalars(
            sa.select(deal.campaign_id).where(
                deal.contact_id == contact.id, deal.campaign_id.is_not(None), deal.archived_at.is_(None)
            )
        ).all()
    }
    rows = []
    for item in items:
        converted = item.status == "converted" or item.id in sourced
        rows.append(
            {
                "id": item.id,
                "campaign": item.name,
                "channel": item.channel,
                "status": "converted" if converted and item.status != "unsubscribed" else item.status,
                "added_at": jsonable(item.added_at),
                "responded_at": jsonable(item.responded_at),
            }
        )
    unsubscribed = sorted({item.channel for item in items if item.status == "unsubscribed"})
    summary: dict[str, Any] = {"campaigns": len(rows)}
    if unsubscribed:
        summary["unsubscribed from"] = ", ".join(unsubscribed)
    return "campaigns", {
        "title": "Campaigns",
        "summary": summary,
        "columns": ["id", "campaign", "channel", "status"],
        "items": rows,
    }
