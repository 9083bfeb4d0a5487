"""Deals: create, edit, move through stages, win, lose, reopen, archive; line items; listing and views.

Rules kept here, for every front end:

* A deal's **status** follows its stage's kind (open, won, lost). Moving into
  a won or lost stage closes the deal (``closed_at``; lost needs a reason);
  moving a closed deal back to an open stage reopens it.
* Its **probability** is the stage's default unless the user pinned one; a
  pinned probability survives every move until it is unpinned (``auto``).
* Every stage change writes a :class:`~termcrm.models.DealStageChange` row
  (from, to, time, user, note) and resets ``stage_entered_at``; the days in
  the current stage and the rotting flag (longer than the stage's rot limit)
  are derived from it.
* A deal with **line items** has amount = the exact sum of its lines
  (integer minor units; discounts rounded half-even per line); a manual amount
  on such a deal is refused, and products in another currency than the deal
  are refused: currencies are never mixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from termcrm import dates, money
from termcrm.errors import Invalid, NotFound
from termcrm.models import schema
from termcrm.services import contacts as contact_service
from termcrm.services import history, pipelines, refs
from termcrm.services.common import archive_record, check_version, jsonable, names_by_id, restore_record
from termcrm.services.filters import FieldSpec, FilterContext, compile_words, order_by

if TYPE_CHECKING:
    from termcrm.models import (
        Campaign,
        Company,
        Contact,
        Deal,
        DealStageChange,
        Interaction,
        LineItem,
        Pipeline,
        Product,
        Stage,
    )

STATUSES = ("open", "won", "lost")
"""A deal's status, derived from the kind of its stage."""

DAY = timedelta(days=1)


# ---------------------------------------------------------------- small helpers


def _now(now: datetime | None) -> datetime:
    return dates.as_utc(now) if now is not None else dates.utcnow()


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    return text or None


def _contact(session: Session, value: Contact | str | int) -> Contact:
    from termcrm.models import Contact

    return value if isinstance(value, Contact) else refs.contact(session, value)


def _company(session: Session, value: Company | str | int) -> Company:
    from termcrm.models import Company

    return value if isinstance(value, Company) else refs.company(session, value)


def _campaign_id(session: Session, value: Campaign | str | int) -> int:
    # imported here: a deal command that names no campaign builds no marketing tables
    from termcrm.models import Campaign

    if isinstance(value, Campaign):
        return value.id or 0
    return refs.by_id(session, Campaign, value, "campaign").id or 0


def _check_probability(value: int) -> int:
    if not 0 <= value <= 100:
        raise Invalid(f"probability {value} is out of range: give a whole number from 0 to 100, or auto")
    return value


def parse_probability(text: str | int | None) -> int | str | None:
    """``--probability`` text: a whole number 0-100 (``65`` or ``65%``), or ``auto`` to unpin."""
    if text is None or isinstance(text, int):
        return text
    value = text.strip().lower().rstrip("%")
    if value in ("auto", "default", "unpin"):
        return "auto"
    if not value.isdigit():
        raise Invalid(f"probability {text!r} is not a whole number from 0 to 100 (or auto to follow the stage)")
    return _check_probability(int(value))


def parse_discount(text: str | int | float | Decimal | None) -> int:
    """A discount percent (``12.5`` or ``12.5%``) as basis points of a percent (1250)."""
    if text is None or str(text).strip() == "":
        return 0
    raw = str(text).strip().rstrip("%").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise Invalid(f"discount {text!r} is not a percent such as 10 or 12.5") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise Invalid(f"discount {text!r} must be a percent from 0 to 100")
    points = value * 100
    if points != points.to_integral_value():
        raise Invalid(f"discount {text!r} has too many decimals: at most two (12.25)")
    return int(points)


def format_percent(basis_points: int) -> str:
    """1250 → ``12.5``; 1000 → ``10``."""
    value = Decimal(basis_points) / 100
    text = format(value.normalize(), "f")
    return text


def days_in_stage(deal: Deal, now: datetime | None = None) -> int:
    """Whole days the deal has been in its current stage."""
    elapsed = _now(now) - dates.as_utc(deal.stage_entered_at)
    return max(0, int(elapsed / DAY))


def is_rotting(deal: Deal, stage: Stage, now: datetime | None = None) -> bool:
    """An open deal that has sat in its stage longer than the stage's rot limit."""
    if deal.status != "open" or stage.rot_days is None:
        return False
    return _now(now) - dates.as_utc(deal.stage_entered_at) > timedelta(days=stage.rot_days)


def line_total(line: LineItem) -> int:
    """Quantity × unit price less the discount, in minor units (rounded half-even)."""
    return money.apply_percent(line.quantity * line.unit_price, line.discount_bp)


def _stage_of(session: Session, deal: Deal) -> Stage:
    from termcrm.models import Stage

    stage = session.get(Stage, deal.stage_id)
    assert stage is not None
    return stage


def _label(deal: Deal) -> str:
    return f"deal #{deal.id} {deal.title}"


def _record_change(
    session: Session, deal: Deal, from_id: int | None, to_id: int, at: datetime, note: str | None
) -> DealStageChange:
    from termcrm.models import DealStageChange

    change = DealStageChange(
        deal_id=deal.id or 0,
        from_stage_id=from_id,
        to_stage_id=to_id,
        at=at,
        user_id=history.acting_user_id(session),
        note=_clean(note),
    )
    session.add(change)
    return change


def _enter(deal: Deal, stage: Stage, at: datetime, reason: str | None, label: str) -> None:
    """Put ``deal`` into ``stage``: status, closing, probability (the rules of the module docstring)."""
    was = deal.status
    text = _clean(reason)
    if stage.kind == "lost":
        text = text or (deal.lost_reason if was == "lost" else None)
        if not text:
            raise Invalid(f"{label}: moving to {stage.name} (lost) needs a reason: --reason TEXT")
    elif text:
        raise Invalid(f"a reason is only for lost deals; {stage.name} is a {stage.kind} stage")
    deal.lost_reason = text
    deal.stage_id = stage.id or 0
    deal.pipeline_id = stage.pipeline_id
    deal.stage_entered_at = at
    if stage.kind == "open":
        deal.status = "open"
        deal.closed_at = None
    else:
        if was != stage.kind or deal.closed_at is None:
            deal.closed_at = at
        deal.status = stage.kind
    if not deal.probability_pinned:
        deal.probability = stage.probability


# ---------------------------------------------------------------- create and edit


@dataclass
class DealInput:
    """What ``deal add`` may give; references may be records, ids or the words the CLI takes."""

    title: str
    contact: Contact | str | int | None = None
    company: Company | str | int | None = None
    amount: str | int | Decimal | None = None
    """Major units as written (``1250.50``, ``12k``), in the deal's currency."""
    currency: str | None = None
    pipeline: Pipeline | str | int | None = None
    stage: Stage | str | int | None = None
    probability: int | str | None = None
    expected_close: date | None = None
    owner: str | None = None
    source: str | None = None
    campaign: Campaign | str | int | None = None
    lost_reason: str | None = None
    note: str | None = None


def create_deal(session: Session, data: DealInput, *, now: datetime | None = None) -> Deal:
    """Create a deal in its pipeline's first open stage (or the one given) and record that entry."""
    from termcrm.models import Company, Deal, Pipeline, Stage

    at = _now(now)
    title = _clean(data.title)
    if not title:
        raise Invalid("a deal needs a title")
    if data.contact in (None, "") and data.company in (None, ""):
        raise Invalid("a deal needs a contact or a company: --contact REF or --company REF")
    contact = _contact(session, data.contact) if data.contact not in (None, "") else None  # type: ignore[arg-type]
    company = _company(session, data.company) if data.company not in (None, "") else None  # type: ignore[arg-type]
    if company is None and contact is not None and contact.company_id:
        company = session.get(Company, contact.company_id)
    if isinstance(data.pipeline, Pipeline):
        pipeline = data.pipeline
    elif isinstance(data.stage, Stage):
        found = session.get(Pipeline, data.stage.pipeline_id)
        assert found is not None
        pipeline = found
    else:
        pipeline = pipelines.get_pipeline(session, data.pipeline)
    if isinstance(data.stage, Stage):
        stage = data.stage
        if stage.pipeline_id != pipeline.id:
            raise Invalid(f"stage {stage.name} is not in pipeline {pipeline.name}")
    elif data.stage not in (None, ""):
        stage = pipelines.resolve_stage(session, pipeline, data.stage)  # type: ignore[arg-type]
    else:
        stage = pipelines.first_stage(session, pipeline, "open")
    settings = session.info.get("settings")
    currency = money.check_currency(data.currency) if data.currency else (settings.currency if settings else "USD")
    amount = money.parse_amount(data.amount, currency) if data.amount not in (None, "") else 0  # type: ignore[arg-type]
    if amount < 0:
        raise Invalid("a deal's amount cannot be negative")
    probability = parse_probability(data.probability)
    owner_id = refs.user(session, data.owner, create=True).id if data.owner else history.acting_user_id(session)
    deal = Deal(
        title=title,
        contact_id=contact.id if contact else None,
        company_id=company.id if company else None,
        pipeline_id=pipeline.id or 0,
        stage_id=stage.id or 0,
        amount=amount,
        currency=currency,
        probability=stage.probability,
        probability_pinned=isinstance(probability, int),
        expected_close=data.expected_close,
        owner_id=owner_id,
        source=_clean(data.source),
        campaign_id=_campaign_id(session, data.campaign) if data.campaign not in (None, "") else None,  # type: ignore[arg-type]
        stage_entered_at=at,
        created_at=at,
        updated_at=at,
    )
    if isinstance(probability, int):
        deal.probability = probability
    _enter(deal, stage, at, data.lost_reason, f"deal {title!r}")
    session.add(deal)
    session.flush()
    _record_change(session, deal, None, stage.id or 0, at, data.note)
    session.flush()
    history.set_summary(session, f"add {_label(deal)}")
    return deal


@dataclass
class DealChanges:
    """What ``deal edit`` may change: None leaves a field alone, ``""`` clears a clearable one."""

    title: str | None = None
    contact: Contact | str | int | None = None
    company: Company | str | int | None = None
    amount: str | int | Decimal | None = None
    currency: str | None = None
    probability: int | str | None = None
    """A whole number pins it; ``auto`` unpins (the stage's default again)."""
    expected_close: date | str | None = None
    """A date, or ``""`` to clear."""
    owner: str | None = None
    source: str | None = None
    campaign: Campaign | str | int | None = None
    lost_reason: str | None = None


def line_count(session: Session, deal: Deal) -> int:
    """How many line items the deal has."""
    from termcrm.models import LineItem

    return int(session.exec(select(sa.func.count()).select_from(LineItem).where(LineItem.deal_id == deal.id)).one())


def _manual_amount_refused(session: Session, deal: Deal, count: int) -> Invalid:
    total = money.format_money(deal.amount, deal.currency)
    return Invalid(
        f"deal #{deal.id} has {count} line item(s), so its amount is their sum ({total}); "
        f"change the lines instead (crm deal item add/rm {deal.id})"
    )


def update_deal(session: Session, deal: Deal, changes: DealChanges, *, expected_version: int | None = None) -> Deal:
    """Apply ``changes``; a stale ``expected_version`` raises Conflict."""
    check_version(deal, expected_version, f"deal #{deal.id}")
    if changes.title is not None:
        title = _clean(changes.title)
        if not title:
            raise Invalid("a deal needs a title")
        deal.title = title
    if changes.contact is not None:
        deal.contact_id = _contact(session, changes.contact).id if changes.contact != "" else None
    if changes.company is not None:
        deal.company_id = _company(session, changes.company).id if changes.company != "" else None
    if changes.contact is not None or changes.company is not None:
        if deal.contact_id is None and deal.company_id is None:
            raise Invalid("a deal needs a contact or a company: keep one of them")
    lines = line_count(session, deal) if (changes.amount is not None or changes.currency is not None) else 0
    if changes.currency is not None:
        currency = money.check_currency(changes.currency)
        if currency != deal.currency:
            if lines:
                raise Invalid(
                    f"deal #{deal.id} has {lines} line item(s) priced in {deal.currency}; "
                    "remove them before changing its currency"
                )
            if changes.amount is None:
                shift = money.exponent(currency) - money.exponent(deal.currency)
                scaled = Decimal(deal.amount).scaleb(shift)
                if scaled != scaled.to_integral_value():
                    raise Invalid(
                        f"{money.format_money(deal.amount, deal.currency)} cannot be written in {currency}: "
                        "give the amount too (--amount)"
                    )
                deal.amount = int(scaled)
            deal.currency = currency
    if changes.amount is not None:
        if lines:
            raise _manual_amount_refused(session, deal, lines)
        amount = money.parse_amount(changes.amount, deal.currency) if changes.amount != "" else 0
        if amount < 0:
            raise Invalid("a deal's amount cannot be negative")
        deal.amount = amount
    if changes.probability is not None:
        probability = parse_probability(changes.probability)
        if probability == "auto":
            deal.probability_pinned = False
            deal.probability = _stage_of(session, deal).probability
        else:
            assert isinstance(probability, int)
            deal.probability_pinned = True
            deal.probability = probability
    if changes.expected_close is not None:
        if isinstance(changes.expected_close, str):
            if changes.expected_close.strip():
                raise Invalid("give the expected close as a date (or an empty value to clear it)")
            deal.expected_close = None
        else:
            deal.expected_close = changes.expected_close
    if changes.owner is not None:
        deal.owner_id = refs.user(session, changes.owner, create=True).id if changes.owner.strip() else None
    if changes.source is not None:
        deal.source = _clean(changes.source)
    if changes.campaign is not None:
        deal.campaign_id = _campaign_id(session, changes.campaign) if changes.campaign != "" else None
    if changes.lost_reason is not None:
        if deal.status != "lost":
            raise Invalid(f"deal #{deal.id} is {deal.status}; only a lost deal has a lost reason")
        reason = _clean(changes.lost_reason)
        if not reason:
            raise Invalid("a lost deal keeps a reason: give the new text")
        deal.lost_reason = reason
    session.add(deal)
    session.flush()
    history.set_summary(session, f"edit {_label(deal)}")
    return deal


# ---------------------------------------------------------------- moving


def move_deal(
    session: Session,
    deal: Deal,
    stage: Stage,
    note: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
    *,
    expected_version: int | None = None,
) -> DealStageChange:
    """Move ``deal`` into ``stage`` (of any pipeline) and record the change.

    Closing stages close the deal (lost needs ``reason``); an open stage reopens a closed deal.
    """
    check_version(deal, expected_version, f"deal #{deal.id}")
    if stage.kind == pipelines.REMOVED_KIND:
        raise Invalid(f"stage {stage.name} was removed from its pipeline")
    if stage.id == deal.stage_id:
        raise Invalid(f"{_label(deal)} is already in stage {stage.name}")
    at = _now(now)
    from_id = deal.stage_id
    _enter(deal, stage, at, reason, _label(deal))
    session.add(deal)
    change = _record_change(session, deal, from_id, stage.id or 0, at, note)
    session.flush()
    verb = {"won": "win", "lost": "lose"}.get(stage.kind, "move")
    if verb == "move":
        history.set_summary(session, f"move {_label(deal)} to {stage.name}")
    else:
        history.set_summary(session, f"{verb} {_label(deal)} ({stage.name})")
    return change


def move_deal_to(
    session: Session,
    deal: Deal,
    stage_ref: str | int,
    *,
    pipeline: str | int | None = None,
    note: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> DealStageChange:
    """:func:`move_deal` with the stage named as the CLI names it (in ``pipeline``, default the deal's)."""
    return move_deal(session, deal, target_stage(session, deal, stage_ref, pipeline=pipeline), note, reason, now)


def target_stage(session: Session, deal: Deal, stage_ref: str | int, *, pipeline: str | int | None = None) -> Stage:
    """The stage ``stage_ref`` names for ``deal``: in ``pipeline`` when given, else in the deal's own."""
    from termcrm.models import Pipeline

    target = pipelines.get_pipeline(session, pipeline) if pipeline else session.get(Pipeline, deal.pipeline_id)
    assert target is not None
    return pipelines.resolve_stage(session, target, stage_ref)


def win_deal(session: Session, deal: Deal, *, note: str | None = None, now: datetime | None = None) -> DealStageChange:
    """Move the deal to its pipeline's won stage."""
    from termcrm.models import Pipeline

    if deal.status == "won":
        raise Invalid(f"{_label(deal)} is already won")
    pipeline = session.get(Pipeline, deal.pipeline_id)
    assert pipeline is not None
    return move_deal(session, deal, pipelines.first_stage(session, pipeline, "won"), note, None, now)


def lose_deal(
    session: Session, deal: Deal, reason: str | None, *, note: str | None = None, now: datetime | None = None
) -> DealStageChange:
    """Move the deal to its pipeline's lost stage with a reason."""
    from termcrm.models import Pipeline

    if deal.status == "lost":
        raise Invalid(f"{_label(deal)} is already lost (change the reason with crm deal edit --reason)")
    pipeline = session.get(Pipeline, deal.pipeline_id)
    assert pipeline is not None
    return move_deal(session, deal, pipelines.first_stage(session, pipeline, "lost"), note, reason, now)


def reopen_deal(
    session: Session,
    deal: Deal,
    stage: Stage | None = None,
    *,
    note: str | None = None,
    now: datetime | None = None,
) -> DealStageChange:
    """Move a closed deal back to ``stage``, by default the open stage it was in before closing."""
    if deal.status == "open":
        raise Invalid(f"{_label(deal)} is open already")
    if stage is None:
        stage = last_open_stage(session, deal)
    if stage.kind != "open":
        raise Invalid(f"reopen needs an open stage; {stage.name} is {stage.kind}")
    return move_deal(session, deal, stage, note, None, now)


def last_open_stage(session: Session, deal: Deal) -> Stage:
    """The latest open stage of the deal's pipeline it was in, else the pipeline's first open stage."""
    from termcrm.models import DealStageChange, Pipeline, Stage

    entered = session.exec(
        select(Stage)
        .join(DealStageChange, DealStageChange.to_stage_id == Stage.id)  # type: ignore[arg-type]
        .where(
            DealStageChange.deal_id == deal.id,
            Stage.kind == "open",
            Stage.pipeline_id == deal.pipeline_id,
        )
        .order_by(DealStageChange.at.desc(), DealStageChange.id.desc())  # type: ignore[attr-defined,union-attr]
        .limit(1)
    ).first()
    if entered is not None:
        return entered
    pipeline = session.get(Pipeline, deal.pipeline_id)
    assert pipeline is not None
    return pipelines.first_stage(session, pipeline, "open")


def archive_deal(session: Session, deal: Deal, *, now: datetime | None = None) -> Deal:
    """Archive (soft-delete) a deal; ``crm undo`` or ``crm deal restore`` brings it back."""
    archive_record(session, deal, _label(deal), now=_now(now))
    return deal


def restore_deal(session: Session, deal: Deal) -> Deal:
    """Bring an archived deal back."""
    restore_record(session, deal, _label(deal))
    return deal


# ---------------------------------------------------------------- line items


def lines(session: Session, deal: Deal) -> list[LineItem]:
    """The deal's line items in order."""
    from termcrm.models import LineItem

    return list(
        session.exec(
            select(LineItem).where(LineItem.deal_id == deal.id).order_by(LineItem.position, LineItem.id)  # type: ignore[arg-type]
        ).all()
    )


def _refresh_amount(session: Session, deal: Deal, items: Sequence[LineItem]) -> None:
    total = sum((line_total(line) for line in items), 0)
    if deal.amount != total:
        deal.amount = total
        session.add(deal)


def add_line(
    session: Session,
    deal: Deal,
    product: Product,
    *,
    quantity: int = 1,
    price: str | int | Decimal | None = None,
    discount: str | int | Decimal | None = None,
    description: str | None = None,
) -> LineItem:
    """Add ``quantity`` × ``product`` (its price unless ``price`` is given) less ``discount`` percent.

    The deal's amount becomes the sum of its lines. A product priced in
    another currency than the deal is refused.
    """
    from termcrm.models import LineItem

    if product.archived_at is not None or not product.active:
        raise Invalid(f"product #{product.id} {product.name} is not active")
    if product.currency != deal.currency:
        raise Invalid(
            f"product {product.name} is priced in {product.currency} but deal #{deal.id} is in {deal.currency}; "
            "currencies are never mixed: use a product in "
            f"{deal.currency} or give this line its own price with --price"
            if price is None
            else f"product {product.name} is priced in {product.currency} but deal #{deal.id} is in "
            f"{deal.currency}; currencies are never mixed"
        )
    if quantity <= 0:
        raise Invalid("quantity must be a whole number of at least 1")
    unit_price = money.parse_amount(price, deal.currency) if price not in (None, "") else product.unit_price  # type: ignore[arg-type]
    if unit_price < 0:
        raise Invalid("a unit price cannot be negative")
    existing = lines(session, deal)
    line = LineItem(
        deal_id=deal.id or 0,
        product_id=product.id,
        description=_clean(description) or product.name,
        position=(max((x.position for x in existing), default=0) + 1),
        quantity=quantity,
        unit_price=unit_price,
        unit_cost=product.unit_cost,
        discount_bp=parse_discount(discount),
    )
    session.add(line)
    _refresh_amount(session, deal, [*existing, line])
    session.flush()
    history.set_summary(session, f"add {quantity} × {line.description} to {_label(deal)}")
    return line


def find_line(session: Session, deal: Deal, number: int | str) -> LineItem:
    """Line ``number`` (as ``deal item list`` numbers them, 1 first) of ``deal``."""
    text = str(number).strip().lstrip("#")
    if not text.isdigit():
        raise Invalid(f"line {number!r} is not a number: give the number shown by crm deal item list")
    items = lines(session, deal)
    index = int(text)
    if not 1 <= index <= len(items):
        raise NotFound(f"deal #{deal.id} has no line {index} (it has {len(items)})")
    return items[index - 1]


def remove_line(session: Session, deal: Deal, number: int | str) -> LineItem:
    """Remove line ``number``; the others are renumbered and the amount is their sum again."""
    line = find_line(session, deal, number)
    session.delete(line)
    session.flush()
    rest = lines(session, deal)
    for position, item in enumerate(rest, start=1):
        if item.position != position:
            item.position = position
            session.add(item)
    _refresh_amount(session, deal, rest)
    session.flush()
    history.set_summary(session, f"remove line {number} ({line.description}) from {_label(deal)}")
    return line


@dataclass
class LineTotals:
    """What a deal's lines add up to, in the deal's currency (minor units)."""

    subtotal: int
    """Σ quantity × unit price, before discounts."""
    discount: int
    total: int
    cost: int | None
    """Σ quantity × unit cost when every line's cost is known."""


def line_totals(items: Sequence[LineItem]) -> LineTotals:
    """Subtotal, discount and total of ``items`` (exact integer arithmetic)."""
    subtotal = sum((x.quantity * x.unit_price for x in items), 0)
    total = sum((line_total(x) for x in items), 0)
    costs = [x.quantity * x.unit_cost for x in items if x.unit_cost is not None]
    cost = sum(costs, 0) if items and len(costs) == len(items) else None
    return LineTotals(subtotal=subtotal, discount=subtotal - total, total=total, cost=cost)


def line_rows(session: Session, deal: Deal, items: Sequence[LineItem] | None = None) -> list[dict[str, Any]]:
    """JSON-ready rows of the deal's lines, numbered from 1."""
    from termcrm.models import Product

    items = list(items) if items is not None else lines(session, deal)
    product_ids = {x.product_id for x in items if x.product_id}
    codes = (
        dict(session.exec(select(Product.id, Product.code).where(Product.id.in_(product_ids))).all())  # type: ignore[union-attr]
        if product_ids
        else {}
    )
    cur = deal.currency
    out = []
    for number, x in enumerate(items, start=1):
        total = line_total(x)
        cost = x.quantity * x.unit_cost if x.unit_cost is not None else None
        out.append(
            {
                "line": number,
                "id": x.id,
                "product_id": x.product_id,
                "code": codes.get(x.product_id) if x.product_id else None,
                "description": x.description,
                "quantity": x.quantity,
                "unit_price": money.as_number(x.unit_price, cur),
                "discount_percent": float(Decimal(x.discount_bp) / 100)
                if x.discount_bp % 100
                else x.discount_bp // 100,
                "total": money.as_number(total, cur),
                "unit_cost": money.as_number(x.unit_cost, cur) if x.unit_cost is not None else None,
                "margin": money.as_number(total - cost, cur) if cost is not None else None,
                "currency": cur,
            }
        )
    return out


# ---------------------------------------------------------------- listing


def _stage_ids_named(session: Session, value: str) -> list[int]:
    from termcrm.models import Stage

    every = session.exec(select(Stage).where(Stage.kind != pipelines.REMOVED_KIND)).all()
    key = value.strip().lower()
    exact = [s.id for s in every if s.name.lower() == key]
    if exact:
        return [i for i in exact if i is not None]
    prefixed = [s.id for s in every if s.name.lower().startswith(key)]
    if prefixed:
        return [i for i in prefixed if i is not None]
    names = sorted({s.name for s in every})
    raise Invalid(f"no stage named {value!r}; stages: {', '.join(names)}")


def _in_or_not(op: str, cond: Any, what: str) -> Any:
    if op == ":":
        return cond
    if op == "!=":
        return sa.not_(cond)
    raise Invalid(f"{what} takes : or != only")


def _rotting_clause(session: Session, now: datetime) -> Any:
    from termcrm.models import Deal, Stage

    rotting = session.exec(
        select(Stage).where(Stage.rot_days.is_not(None), Stage.kind == "open")  # type: ignore[union-attr]
    ).all()
    if not rotting:
        return sa.false()
    return sa.and_(
        col(Deal.status) == "open",
        sa.or_(
            *[
                sa.and_(col(Deal.stage_id) == s.id, col(Deal.stage_entered_at) < now - timedelta(days=s.rot_days or 0))
                for s in rotting
            ]
        ),
    )


def rotting_clause(session: Session, now: datetime | None = None) -> Any:
    """SQL condition: the deal is open and has sat in its stage longer than the stage's rot limit."""
    return _rotting_clause(session, _now(now))


def filter_context(session: Session, now: datetime | None = None) -> FilterContext:
    """The fields ``deal list`` filters by (``stage:proposal amount>5000 close<+30d rotting:yes``...)."""
    from termcrm.models import Company, Contact, Deal, User

    at = _now(now)
    dialect = session.info.get("dialect") or session.get_bind().dialect.name

    def text(word: str) -> Any:
        from termcrm.services.search import match_clause

        return match_clause("deal", Deal.id, word, dialect)

    def stage(op: str, value: str) -> Any:
        return _in_or_not(op, Deal.stage_id.in_(_stage_ids_named(session, value)), "stage")  # type: ignore[attr-defined]

    def pipeline(op: str, value: str) -> Any:
        found = pipelines.get_pipeline(session, value)
        return _in_or_not(op, Deal.pipeline_id == found.id, "pipeline")

    def owner(op: str, value: str) -> Any:
        name = value.strip().lower()
        if name == "me":
            name = session.info["settings"].user.lower()
        cond = Deal.owner_id.in_(select(User.id).where(User.name_key == name)) if name else Deal.owner_id.is_(None)  # type: ignore[union-attr]
        return _in_or_not(op, cond, "owner")

    def person(column: Any, model: Any, name_column: Any, what: str) -> Any:
        def build(op: str, value: str) -> Any:
            text_value = value.strip().lstrip("#")
            if text_value == "":
                cond = column.is_(None)
            elif text_value.isdigit():
                cond = column == int(text_value)
            else:
                cond = column.in_(select(model.id).where(name_column.icontains(value.strip(), autoescape=True)))
            return _in_or_not(op, cond, what)

        return build

    def rotting(op: str, value: str) -> Any:
        from termcrm.services.filters import _bool

        flag = _bool(value)
        if op not in (":", "!="):
            raise Invalid("rotting takes :yes or :no")
        cond = _rotting_clause(session, at)
        return cond if flag == (op == ":") else sa.not_(cond)

    def days(op: str, value: str) -> Any:
        try:
            n = int(value)
        except ValueError:
            raise Invalid(f"days needs a whole number of days, not {value!r}") from None
        entered = col(Deal.stage_entered_at)
        if op == ">":
            return entered <= at - (n + 1) * DAY
        if op == ">=":
            return entered <= at - n * DAY
        if op == "<":
            return entered > at - n * DAY
        if op == "<=":
            return entered > at - (n + 1) * DAY
        same = sa.and_(entered > at - (n + 1) * DAY, entered <= at - n * DAY)
        return same if op == ":" else sa.not_(same)

    def weighted(op: str, value: str) -> Any:
        from termcrm.services.filters import _compare

        settings = session.info.get("settings")
        minor = money.parse_amount(value, settings.currency if settings else "USD")
        return _compare(Deal.amount * Deal.probability, op, minor * 100)

    by_contact = person(Deal.contact_id, Contact, Contact.display_name, "contact")
    by_company = person(Deal.company_id, Company, Company.name, "company")
    fields = {
        "id": FieldSpec(Deal.id, "int"),
        "title": FieldSpec(Deal.title),
        "stage": FieldSpec(None, "custom", build=stage, sortable=False),
        "pipeline": FieldSpec(None, "custom", build=pipeline, sortable=False),
        "status": FieldSpec(Deal.status, "choice", choices=STATUSES),
        "amount": FieldSpec(Deal.amount, "money"),
        "weighted": FieldSpec(None, "custom", build=weighted, sortable=False),
        "currency": FieldSpec(Deal.currency, "choice"),
        "probability": FieldSpec(Deal.probability, "int"),
        "pinned": FieldSpec(Deal.probability_pinned, "bool"),
        "close": FieldSpec(Deal.expected_close, "date"),
        "closed": FieldSpec(Deal.closed_at, "datetime"),
        "created": FieldSpec(Deal.created_at, "datetime"),
        "updated": FieldSpec(Deal.updated_at, "datetime"),
        "entered": FieldSpec(Deal.stage_entered_at, "datetime"),
        "days": FieldSpec(None, "custom", build=days, sortable=False),
        "rotting": FieldSpec(None, "custom", build=rotting, sortable=False),
        "owner": FieldSpec(None, "custom", build=owner, sortable=False),
        "contact": FieldSpec(None, "custom", build=by_contact, sortable=False),
        "company": FieldSpec(None, "custom", build=by_company, sortable=False),
        "contact_id": FieldSpec(Deal.contact_id, "int"),
        "company_id": FieldSpec(Deal.company_id, "int"),
        "stage_id": FieldSpec(Deal.stage_id, "int"),
        "pipeline_id": FieldSpec(Deal.pipeline_id, "int"),
        "source": FieldSpec(Deal.source),
        "lost_reason": FieldSpec(Deal.lost_reason),
        "campaign": FieldSpec(Deal.campaign_id, "int"),
    }  # fmt: skip
    settings = session.info.get("settings")
    return FilterContext(
        fields=fields,
        text=text,
        now=at,
        currency=settings.currency if settings else "USD",
        aliases={
            "expected_close": "close",
            "closed_at": "closed",
            "created_at": "created",
            "updated_at": "updated",
            "stage_entered_at": "entered",
            "days_in_stage": "days",
            "reason": "lost_reason",
            "campaign_id": "campaign",
            "probability_pinned": "pinned",
            "weighted_amount": "weighted",
        },
    )


def _sort_context(ctx: FilterContext) -> FilterContext:
    """``ctx`` with sortable expressions for the fields that filter through custom clauses."""
    from termcrm.models import Company, Contact, Deal, Pipeline, Stage, User

    fields = dict(ctx.fields)
    fields.update(
        {
            "stage": FieldSpec(select(Stage.position).where(Stage.id == Deal.stage_id).scalar_subquery(), "int"),
            "pipeline": FieldSpec(select(Pipeline.name).where(Pipeline.id == Deal.pipeline_id).scalar_subquery()),
            "owner": FieldSpec(select(User.name).where(User.id == Deal.owner_id).scalar_subquery()),
            "contact": FieldSpec(select(Contact.display_name).where(Contact.id == Deal.contact_id).scalar_subquery()),
            "company": FieldSpec(select(Company.name).where(Company.id == Deal.company_id).scalar_subquery()),
            "weighted": FieldSpec(Deal.amount * Deal.probability, "int"),
        }
    )
    return FilterContext(fields=fields, aliases=ctx.aliases)


def query_deals(
    session: Session,
    words: Sequence[str] = (),
    *,
    sort: str | None = None,
    archived: bool = False,
    now: datetime | None = None,
) -> Any:
    """The SELECT behind ``deal list`` (filters and order applied, no limit)."""
    from termcrm.models import Deal

    ctx = filter_context(session, now)
    stmt = select(Deal).where(Deal.archived_at.is_not(None) if archived else Deal.archived_at.is_(None))  # type: ignore[union-attr]
    for cond in compile_words(words, ctx):
        stmt = stmt.where(cond)
    return stmt.order_by(*order_by(sort, _sort_context(ctx), [Deal.id]))


def list_deals(
    session: Session,
    words: Sequence[str] = (),
    sort: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
    *,
    archived: bool = False,
    offset: int = 0,
) -> list[Deal]:
    """Deals matching the filter words, in order (live ones unless ``archived``)."""
    stmt = query_deals(session, words, sort=sort, archived=archived, now=now)
    if limit is not None:
        stmt = stmt.limit(limit)
    if offset:
        stmt = stmt.offset(offset)
    return list(session.exec(stmt).all())


def deal_rows(session: Session, deals: Sequence[Deal], now: datetime | None = None) -> list[dict[str, Any]]:
    """JSON-ready dicts of deals, rows or records (names loaded in a few queries, from Core: builds no class)."""
    if not deals:
        return []
    at = _now(now)
    stage_map = {s.id: s for s in session.execute(sa.select(schema.stage)).all()}
    pipeline_map = dict(session.execute(sa.select(schema.pipeline.c.id, schema.pipeline.c.name)).all())
    users = refs.users_by_id(session)
    contact, company = schema.contact.c, schema.company.c
    contacts = names_by_id(session, contact.id, contact.display_name, (d.contact_id for d in deals))
    companies = names_by_id(session, company.id, company.name, (d.company_id for d in deals))
    out = []
    for d in deals:
        stage = stage_map.get(d.stage_id)
        cur = d.currency
        out.append(
            {
                "id": d.id,
                "title": d.title,
                "contact_id": d.contact_id,
                "contact": contacts.get(d.contact_id) if d.contact_id else None,
                "company_id": d.company_id,
                "company": companies.get(d.company_id) if d.company_id else None,
                "pipeline": pipeline_map.get(d.pipeline_id),
                "stage": stage.name if stage else None,
                "status": d.status,
                "amount": money.as_number(d.amount, cur),
                "currency": cur,
                "probability": d.probability,
                "probability_pinned": d.probability_pinned,
                "weighted_amount": money.as_number(money.weighted(d.amount, d.probability), cur),
                "expected_close": jsonable(d.expected_close),
                "owner": users.get(d.owner_id) if d.owner_id else None,
                "source": d.source,
                "lost_reason": d.lost_reason,
                "closed_at": jsonable(d.closed_at),
                "stage_entered_at": jsonable(d.stage_entered_at),
                "days_in_stage": days_in_stage(d, at),
                "rotting": is_rotting(d, stage, at) if stage else False,
                "campaign_id": d.campaign_id,
                "created_at": jsonable(d.created_at),
                "updated_at": jsonable(d.updated_at),
                "archived_at": jsonable(d.archived_at),
                "version": d.version,
            }
        )
    return out


def stage_history(session: Session, deal: Deal, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every stage the deal entered, oldest first, with whole days spent in each."""
    from termcrm.models import DealStageChange, Stage

    at = _now(now)
    changes = session.exec(
        select(DealStageChange)
        .where(DealStageChange.deal_id == deal.id)
        .order_by(DealStageChange.at, DealStageChange.id)  # type: ignore[arg-type]
    ).all()
    names = {s.id: s.name for s in session.exec(select(Stage)).all()}
    users = refs.users_by_id(session)
    out = []
    for i, ch in enumerate(changes):
        left = changes[i + 1].at if i + 1 < len(changes) else None
        end = left if left is not None else at
        out.append(
            {
                "from": names.get(ch.from_stage_id) if ch.from_stage_id else None,
                "to": names.get(ch.to_stage_id),
                "at": jsonable(ch.at),
                "left_at": jsonable(left),
                "days": max(0, int((dates.as_utc(end) - dates.as_utc(ch.at)) / DAY)),
                "user": users.get(ch.user_id) if ch.user_id else None,
                "note": ch.note,
            }
        )
    return out


def deal_view(session: Session, deal: Deal, now: datetime | None = None) -> dict[str, Any]:
    """``deal show``: every field, line items and totals, stage history, interactions, the contact."""
    from termcrm.models import Contact
    from termcrm.services import interactions as interaction_service

    at = _now(now)
    data = deal_rows(session, [deal], at)[0]
    items = lines(session, deal)
    data["lines"] = line_rows(session, deal, items)
    totals = line_totals(items)
    cur = deal.currency
    data["subtotal"] = money.as_number(totals.subtotal, cur) if items else None
    data["discount"] = money.as_number(totals.discount, cur) if items else None
    data["history"] = stage_history(session, deal, at)
    data["interactions"] = interaction_service.rows(session, deal_interactions(session, deal))
    contact = session.get(Contact, deal.contact_id) if deal.contact_id else None
    if contact is not None:
        email = contact_service.primary_email(session, contact.id)
        phone = contact_service.primary_phone(session, contact.id)
        data["contact_detail"] = {
            "id": contact.id,
            "name": contact.display_name,
            "title": contact.title,
            "email": email,
            "phone": phone,
            "stage": contact.stage,
        }
    else:
        data["contact_detail"] = None
    return data


# ---------------------------------------------------------------- the sales section of contact/company views


def _sales_section(session: Session, where: Any) -> dict[str, Any]:
    """A record view's "Sales" section from the deal rows ``where`` selects (Core: builds no class)."""
    deal, line = schema.deal, schema.line_item
    deals = list(
        session.execute(
            sa.select(deal)
            .where(where, deal.c.archived_at.is_(None))
            .order_by(deal.c.created_at.desc(), deal.c.id.desc())
        ).all()
    )
    open_value, weighted, revenue = money.Totals(), money.Totals(), money.Totals()
    margin, margin_base = money.Totals(), money.Totals()
    won_ids: list[int] = []
    last_purchase: datetime | None = None
    open_count = 0
    for d in deals:
        if d.status == "open":
            open_count += 1
            open_value.add(d.amount, d.currency)
            weighted.add(money.weighted(d.amount, d.probability), d.currency)
        elif d.status == "won":
            won_ids.append(d.id or 0)
            revenue.add(d.amount, d.currency)
            if d.closed_at is not None and (last_purchase is None or d.closed_at > last_purchase):
                last_purchase = d.closed_at
    currency_of = {d.id: d.currency for d in deals}
    for start in range(0, len(won_ids), 900):
        chunk = won_ids[start : start + 900]
        for costed in session.execute(
            sa.select(line).where(line.c.deal_id.in_(chunk), line.c.unit_cost.is_not(None))
        ).all():
            total = line_total(costed)
            cur = currency_of[costed.deal_id]
            margin.add(total - costed.quantity * (costed.unit_cost or 0), cur)
            margin_base.add(total, cur)
    margin_text = []
    for cur, value in sorted(margin.by_currency.items()):
        base = margin_base.by_currency.get(cur, 0)
        share = f" ({(Decimal(value) * 100 / base).quantize(Decimal('0.1'))}%)" if base else ""
        margin_text.append(money.format_money(value, cur) + share)
    items = [
        {
            "id": d.id,
            "title": d.title,
            "stage": None,
            "status": d.status,
            "amount": money.as_number(d.amount, d.currency),
            "currency": d.currency,
            "value": money.format_money(d.amount, d.currency),
            "close": jsonable(d.closed_at.date() if d.closed_at else d.expected_close),
        }
        for d in deals[:20]
    ]
    stage_names = dict(session.execute(sa.select(schema.stage.c.id, schema.stage.c.name)).all())
    for item, d in zip(items, deals, strict=False):
        item["stage"] = stage_names.get(d.stage_id)
    return {
        "title": "Sales",
        "summary": {
            "open deals": open_count,
            "open value": open_value.format() if open_count else None,
            "weighted": weighted.format() if open_count else None,
            "won revenue": revenue.format() if won_ids else None,
            "purchases": len(won_ids),
            "last purchase": jsonable(last_purchase.date()) if last_purchase else None,
            "margin": " + ".join(margin_text) if margin_text else None,
        },
        "columns": ["id", "title", "stage", "status", "value", "close"],
        "items": items,
        "open_deals": open_count,
        "open_value": open_value.as_json(),
        "won_revenue": revenue.as_json(),
        "purchases": len(won_ids),
        "last_purchase_at": jsonable(last_purchase),
        "margin": margin.as_json(),
    }


def contact_section(session: Session, contact: Any) -> tuple[str, dict[str, Any]]:
    """The "sales" section of ``contact show`` (a contact row or record): open deals, won revenue, purchases, margin."""
    return "sales", _sales_section(session, schema.deal.c.contact_id == contact.id)


def company_section(session: Session, company: Any) -> tuple[str, dict[str, Any]]:
    """The "sales" section of ``company show``."""
    return "sales", _sales_section(session, schema.deal.c.company_id == company.id)


def deal_interactions(session: Session, deal: Deal, limit: int = 20) -> list[Interaction]:
    """Interactions logged against the deal, newest first.

    Sorted here rather than in SQL: with ``ORDER BY occurred_at LIMIT n`` SQLite
    walks the whole interaction table in time order (over a second at 290,000
    interactions) instead of using the deal index, and a deal has few interactions.
    """
    from termcrm.models import Interaction

    found = session.exec(
        select(Interaction).where(Interaction.deal_id == deal.id, col(Interaction.archived_at).is_(None))
    ).all()
    ordered = sorted(found, key=lambda i: (dates.as_utc(i.occurred_at), i.id or 0), reverse=True)
    return ordered[:limit]
