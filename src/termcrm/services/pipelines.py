"""Pipelines and their ordered stages: list, summarise, add, and reshape.

A stage's *kind* decides a deal's status (open, won, lost); its probability
is the default every unpinned deal in it takes; its optional rot limit is how
many days a deal may sit in it before it counts as rotting.

Stages are numbered 1..n within their pipeline and stay that way after every
add, move and remove. A removed stage that deals' stage histories still name
is kept hidden (kind ``removed``, position 0) so those histories keep their
meaning; one nothing ever pointed at is deleted outright.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from termcrm import dates
from termcrm.errors import Ambiguous, Conflict, Invalid, NotFound
from termcrm.money import Totals
from termcrm.services import history
from termcrm.services.common import check_choice
from termcrm.vocab import STAGE_KINDS

if TYPE_CHECKING:
    from termcrm.models import Pipeline, Stage

REMOVED_KIND = "removed"
"""Kind of a stage removed from its pipeline but still named by deals' stage history."""

DEFAULT_STAGES: tuple[tuple[str, int, str], ...] = (
    ("Lead", 10, "open"),
    ("Qualified", 20, "open"),
    ("Proposal", 50, "open"),
    ("Negotiation", 80, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
)
"""The stages a new pipeline starts with (the same as the seeded ``sales`` pipeline)."""


# ---------------------------------------------------------------- lookups


def live_pipelines(session: Session) -> list[Pipeline]:
    """Every pipeline that is not archived, in display order."""
    from termcrm.models import Pipeline

    return list(
        session.exec(
            select(Pipeline).where(Pipeline.archived_at.is_(None)).order_by(Pipeline.position, Pipeline.id)  # type: ignore[union-attr,arg-type]
        ).all()
    )


def default_pipeline(session: Session) -> Pipeline:
    """The first pipeline (``sales`` in a fresh database)."""
    found = live_pipelines(session)
    if not found:
        raise NotFound("there is no pipeline: add one with crm pipeline add NAME")
    return found[0]


def get_pipeline(session: Session, ref: str | int | None = None) -> Pipeline:
    """A pipeline by id, name (any case) or unique name prefix; None means the default one."""
    from termcrm.models import Pipeline

    if ref is None or str(ref).strip() == "":
        return default_pipeline(session)
    text = str(ref).strip()
    if text.lstrip("#").isdigit():
        found = session.get(Pipeline, int(text.lstrip("#")))
        if found is not None and found.archived_at is None:
            return found
    every = live_pipelines(session)
    key = text.lower()
    exact = [p for p in every if p.name_key == key]
    if exact:
        return exact[0]
    prefixed = [p for p in every if p.name_key.startswith(key)]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        raise Ambiguous(f"pipeline {text!r} matches several", [f"#{p.id} {p.name}" for p in prefixed])
    names = ", ".join(p.name for p in every) or "none"
    raise NotFound(f"no pipeline named {text!r}; pipelines: {names}")


def stages(session: Session, pipeline: Pipeline | int) -> list[Stage]:
    """The pipeline's stages in order (removed ones left out)."""
    from termcrm.models import Stage

    pid = pipeline if isinstance(pipeline, int) else pipeline.id
    return list(
        session.exec(
            select(Stage).where(Stage.pipeline_id == pid, Stage.kind != REMOVED_KIND).order_by(Stage.position, Stage.id)  # type: ignore[arg-type]
        ).all()
    )


def resolve_stage(session: Session, pipeline: Pipeline, ref: str | int) -> Stage:
    """A stage of ``pipeline`` by name (any case), position number, or unique name prefix."""
    text = str(ref).strip()
    if not text:
        raise Invalid("empty stage: give a stage name or its position number")
    every = stages(session, pipeline)
    key = text.lower()
    exact = [s for s in every if s.name.lower() == key]
    if exact:
        return exact[0]
    if text.isdigit():
        numbered = [s for s in every if s.position == int(text)]
        if numbered:
            return numbered[0]
    prefixed = [s for s in every if s.name.lower().startswith(key)]
    if len(prefixed) == 1:
        return prefixed[0]
    listing = ", ".join(f"{s.position} {s.name}" for s in every)
    if len(prefixed) > 1:
        raise Ambiguous(f"stage {text!r} matches several in pipeline {pipeline.name}", [s.name for s in prefixed])
    raise NotFound(f"pipeline {pipeline.name} has no stage {text!r}; stages: {listing}")


def first_stage(session: Session, pipeline: Pipeline, kind: str = "open") -> Stage:
    """The first stage of ``kind`` in ``pipeline``, or Invalid naming what to add."""
    for stage in stages(session, pipeline):
        if stage.kind == kind:
            return stage
    raise Invalid(
        f"pipeline {pipeline.name} has no {kind} stage: add one with "
        f"crm pipeline stage add {pipeline.name} NAME --kind {kind}"
    )


# ---------------------------------------------------------------- summaries


@dataclass
class StageSummary:
    """One stage of a pipeline with its live deals counted and summed per currency."""

    stage_id: int
    name: str
    position: int
    kind: str
    probability: int
    rot_days: int | None
    count: int = 0
    total: Totals = field(default_factory=Totals)
    weighted: Totals = field(default_factory=Totals)
    """Σ amount × probability / 100 per currency, rounded half-even once per currency."""
    rotting: int = 0
    """Open deals that have sat in this stage longer than its rot limit."""

    def as_json(self) -> dict[str, Any]:
        """JSON-ready form (amounts as numbers per currency)."""
        return {
            "stage_id": self.stage_id,
            "stage": self.name,
            "position": self.position,
            "kind": self.kind,
            "probability": self.probability,
            "rot_days": self.rot_days,
            "count": self.count,
            "total": self.total.as_json(),
            "weighted": self.weighted.as_json(),
            "rotting": self.rotting,
            "total_text": self.total.format(),
            "weighted_text": self.weighted.format(),
        }


def _round_percent(value: int) -> int:
    return int((Decimal(value) / Decimal(100)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def pipeline_summary(
    session: Session, pipeline: Pipeline, *, now: datetime | None = None, owner_id: int | None = None
) -> list[StageSummary]:
    """Every stage of ``pipeline`` with the count, total and weighted total of its live deals
    (only ``owner_id``'s deals when given: the TUI board's owner filter)."""
    from termcrm.models import Deal

    now = now or dates.utcnow()
    mine = [Deal.owner_id == owner_id] if owner_id is not None else []
    summaries = {
        s.id: StageSummary(s.id or 0, s.name, s.position, s.kind, s.probability, s.rot_days)
        for s in stages(session, pipeline)
    }
    stmt = (
        select(  # type: ignore[call-overload]
            Deal.stage_id,
            Deal.currency,
            sa.func.count(),
            sa.func.sum(Deal.amount),
            sa.func.sum(Deal.amount * Deal.probability),
        )
        .where(Deal.pipeline_id == pipeline.id, Deal.archived_at.is_(None), *mine)  # type: ignore[union-attr]
        .group_by(Deal.stage_id, Deal.currency)
    )
    for stage_id, currency, count, total, weighted in session.exec(stmt).all():  # type: ignore[call-overload]
        summary = summaries.get(stage_id)
        if summary is None:
            continue
        summary.count += int(count)
        summary.total.add(int(total or 0), currency)
        summary.weighted.add(_round_percent(int(weighted or 0)), currency)
    for summary in summaries.values():
        if summary.rot_days is None or summary.kind != "open" or not summary.count:
            continue
        cutoff = now - timedelta(days=summary.rot_days)
        summary.rotting = int(
            session.exec(
                select(sa.func.count())
                .select_from(Deal)
                .where(
                    Deal.stage_id == summary.stage_id,
                    Deal.archived_at.is_(None),  # type: ignore[union-attr]
                    Deal.status == "open",
                    Deal.stage_entered_at < cutoff,  # type: ignore[operator]
                    *mine,
                )
            ).one()
        )
    return sorted(summaries.values(), key=lambda s: (s.position, s.stage_id))


def pipeline_rows(session: Session, pipelines: Sequence[Pipeline] | None = None) -> list[dict[str, Any]]:
    """JSON-ready rows for ``pipeline list``: stages and open deals with their value."""
    from termcrm.models import Deal, Stage

    found = list(pipelines) if pipelines is not None else live_pipelines(session)
    out = []
    for p in found:
        stage_count = int(
            session.exec(
                select(sa.func.count()).select_from(Stage).where(Stage.pipeline_id == p.id, Stage.kind != REMOVED_KIND)
            ).one()
        )
        open_total = Totals()
        weighted = Totals()
        count = 0
        for currency, n, total, wsum in session.exec(
            select(
                Deal.currency, sa.func.count(), sa.func.sum(Deal.amount), sa.func.sum(Deal.amount * Deal.probability)
            )
            .where(Deal.pipeline_id == p.id, Deal.status == "open", Deal.archived_at.is_(None))  # type: ignore[union-attr]
            .group_by(Deal.currency)
        ).all():  # type: ignore[call-overload]
            count += int(n)
            open_total.add(int(total or 0), currency)
            weighted.add(_round_percent(int(wsum or 0)), currency)
        out.append(
            {
                "id": p.id,
                "name": p.name,
                "position": p.position,
                "stages": stage_count,
                "open_deals": count,
                "open_value": open_total.as_json(),
                "weighted_value": weighted.as_json(),
                "open_value_text": open_total.format(),
                "weighted_value_text": weighted.format(),
            }
        )
    return out


def pipeline_view(session: Session, pipeline: Pipeline, *, now: datetime | None = None) -> dict[str, Any]:
    """``pipeline show``: the pipeline and each stage's count, total and weighted total."""
    summary = pipeline_summary(session, pipeline, now=now)
    open_total, open_weighted = Totals(), Totals()
    for s in summary:
        if s.kind != "open":
            continue
        for currency, amount in s.total.by_currency.items():
            open_total.add(amount, currency)
        for currency, amount in s.weighted.by_currency.items():
            open_weighted.add(amount, currency)
    return {
        "id": pipeline.id,
        "name": pipeline.name,
        "stages": [s.as_json() for s in summary],
        "deals": sum(s.count for s in summary),
        "open_value": open_total.as_json(),
        "open_weighted": open_weighted.as_json(),
        "open_value_text": open_total.format(),
        "open_weighted_text": open_weighted.format(),
        "version": pipeline.version,
    }


# ---------------------------------------------------------------- writing


def _check_probability(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= 100:
        raise Invalid(f"probability {value} is out of range: give a whole number from 0 to 100")
    return value


def _check_rot_days(value: int | None) -> int | None:
    if value is not None and value <= 0:
        raise Invalid("rot days must be a positive number of days (or leave it out for no limit)")
    return value


def _clean_name(name: str, what: str) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise Invalid(f"a {what} needs a name")
    return clean


def add_pipeline(session: Session, name: str, *, copy_from: Pipeline | None = None, empty: bool = False) -> Pipeline:
    """A new pipeline with the standard stages, a copy of ``copy_from``'s, or none (``empty``)."""
    from termcrm.models import Pipeline, Stage

    clean = _clean_name(name, "pipeline")
    if session.exec(select(Pipeline).where(Pipeline.name_key == clean.lower())).first() is not None:
        raise Conflict(f"a pipeline named {clean!r} exists already")
    last = session.exec(select(sa.func.max(Pipeline.position))).one()  # type: ignore[call-overload]
    pipeline = Pipeline(name=clean, name_key=clean.lower(), position=int(last or 0) + 1)
    session.add(pipeline)
    session.flush()
    if copy_from is not None:
        template = [(s.name, s.probability, s.kind, s.rot_days) for s in stages(session, copy_from)]
    elif empty:
        template = []
    else:
        template = [(n, p, k, None) for n, p, k in DEFAULT_STAGES]
    for position, (stage_name, probability, kind, rot_days) in enumerate(template, start=1):
        session.add(
            Stage(
                pipeline_id=pipeline.id or 0,
                name=stage_name,
                position=position,
                probability=probability,
                kind=kind,
                rot_days=rot_days,
            )
        )
    session.flush()
    history.set_summary(session, f"add pipeline {pipeline.name}")
    return pipeline


def _renumber(session: Session, ordered: Sequence[Stage]) -> None:
    for position, stage in enumerate(ordered, start=1):
        if stage.position != position:
            stage.position = position
            session.add(stage)
    session.flush()


def _free_name(session: Session, pipeline: Pipeline, name: str, exclude: int | None = None) -> None:
    """Refuse a live stage of the same name; rename a removed one that holds the name."""
    from termcrm.models import Stage

    rows = session.exec(select(Stage).where(Stage.pipeline_id == pipeline.id)).all()
    for stage in rows:
        if stage.id == exclude or stage.name.lower() != name.lower():
            continue
        if stage.kind == REMOVED_KIND:
            stage.name = f"{stage.name} (removed #{stage.id})"
            session.add(stage)
            session.flush()
        else:
            raise Conflict(f"pipeline {pipeline.name} already has a stage named {stage.name!r}")


def add_stage(
    session: Session,
    pipeline: Pipeline,
    name: str,
    *,
    probability: int | None = None,
    kind: str = "open",
    after: Stage | None = None,
    rot_days: int | None = None,
) -> Stage:
    """Add a stage after ``after``; by default an open stage goes before the first closing one,
    a won or lost stage at the end. The probability defaults to 100 for won and 0 otherwise."""
    from termcrm.models import Stage

    clean = _clean_name(name, "stage")
    kind_value = check_choice(kind, STAGE_KINDS, "kind")
    _check_probability(probability)
    _check_rot_days(rot_days)
    _free_name(session, pipeline, clean)
    if probability is None:
        probability = 100 if kind_value == "won" else 0
    ordered = stages(session, pipeline)
    if after is not None:
        if after.pipeline_id != pipeline.id:
            raise Invalid(f"stage {after.name} is not in pipeline {pipeline.name}")
        index = next(i for i, s in enumerate(ordered) if s.id == after.id) + 1
    elif kind_value == "open":
        index = next((i for i, s in enumerate(ordered) if s.kind != "open"), len(ordered))
    else:
        index = len(ordered)
    stage = Stage(
        pipeline_id=pipeline.id or 0,
        name=clean,
        position=index + 1,
        probability=probability,
        kind=kind_value,
        rot_days=rot_days,
    )
    session.add(stage)
    session.flush()
    ordered.insert(index, stage)
    _renumber(session, ordered)
    history.set_summary(session, f"add stage {clean} to pipeline {pipeline.name}")
    return stage


def live_deal_count(session: Session, stage: Stage) -> int:
    """Live (not archived) deals in ``stage``."""
    from termcrm.models import Deal

    return int(
        session.exec(
            select(sa.func.count()).select_from(Deal).where(Deal.stage_id == stage.id, Deal.archived_at.is_(None))  # type: ignore[union-attr]
        ).one()
    )


UNSET: Any = object()
"""Marks an argument that was not given (None means "clear" where clearing is allowed)."""


def edit_stage(
    session: Session,
    stage: Stage,
    *,
    name: str | None = None,
    probability: int | None = None,
    kind: str | None = None,
    rot_days: int | None = UNSET,
) -> Stage:
    """Rename a stage or change its probability, kind or rot limit (``rot_days=None`` clears it).

    Unpinned deals in the stage follow a new probability. The kind of a stage
    holding live deals cannot change (their status would change behind their back).
    """
    from termcrm.models import Deal, Pipeline

    pipeline = session.get(Pipeline, stage.pipeline_id)
    assert pipeline is not None
    if name is not None:
        clean = _clean_name(name, "stage")
        _free_name(session, pipeline, clean, exclude=stage.id)
        stage.name = clean
    if kind is not None:
        kind_value = check_choice(kind, STAGE_KINDS, "kind")
        if kind_value != stage.kind:
            count = live_deal_count(session, stage)
            if count:
                raise Conflict(f"stage {stage.name} holds {count} deal(s), so its kind cannot change: move them first")
            stage.kind = kind_value
    if rot_days is not UNSET:
        stage.rot_days = _check_rot_days(rot_days)
    if probability is not None and probability != stage.probability:
        stage.probability = _check_probability(probability) or 0
        for deal in session.exec(
            select(Deal).where(Deal.stage_id == stage.id, Deal.probability_pinned.is_(False))  # type: ignore[attr-defined]
        ).all():
            if deal.probability != stage.probability:
                deal.probability = stage.probability
                session.add(deal)
    session.add(stage)
    session.flush()
    history.set_summary(session, f"edit stage {stage.name} of pipeline {pipeline.name}")
    return stage


def move_stage(session: Session, stage: Stage, position: int) -> Stage:
    """Put ``stage`` at ``position`` (1 is first) and renumber the others."""
    from termcrm.models import Pipeline

    pipeline = session.get(Pipeline, stage.pipeline_id)
    assert pipeline is not None
    ordered = [s for s in stages(session, pipeline) if s.id != stage.id]
    if not 1 <= position <= len(ordered) + 1:
        raise Invalid(f"position {position} is out of range: pipeline {pipeline.name} has {len(ordered) + 1} stages")
    ordered.insert(position - 1, stage)
    _renumber(session, ordered)
    history.set_summary(session, f"move stage {stage.name} of pipeline {pipeline.name} to position {position}")
    return stage


def _referenced(session: Session, stage: Stage) -> bool:
    from termcrm.models import Deal, DealStageChange

    deal = session.exec(select(Deal.id).where(Deal.stage_id == stage.id).limit(1)).first()
    if deal is not None:
        return True
    change = session.exec(
        select(DealStageChange.id)
        .where(sa.or_(col(DealStageChange.to_stage_id) == stage.id, col(DealStageChange.from_stage_id) == stage.id))
        .limit(1)
    ).first()
    return change is not None


def remove_stage(session: Session, stage: Stage, *, to: Stage | None = None, now: datetime | None = None) -> int:
    """Remove a stage; its live deals move to ``to`` first (required when it has any).

    Returns how many deals moved. A stage that deals' histories still name is
    hidden rather than deleted, so those histories keep their meaning.
    """
    from termcrm.models import Deal, Pipeline
    from termcrm.services import deals as deal_service

    pipeline = session.get(Pipeline, stage.pipeline_id)
    assert pipeline is not None
    name = stage.name
    live = session.exec(
        select(Deal).where(Deal.stage_id == stage.id, Deal.archived_at.is_(None)).order_by(Deal.id)  # type: ignore[union-attr,arg-type]
    ).all()
    if to is not None and to.id == stage.id:
        raise Invalid("--to names the stage being removed: pick another stage")
    if to is not None and to.pipeline_id != stage.pipeline_id:
        raise Invalid(f"stage {to.name} is not in pipeline {pipeline.name}")
    if live and to is None:
        raise Invalid(
            f"stage {name} holds {len(live)} deal(s): move them with --to OTHER "
            f"(e.g. crm pipeline stage rm {pipeline.name} {name} --to STAGE)"
        )
    for deal in live:
        assert to is not None
        reason = f"stage {name} removed" if to.kind == "lost" and not deal.lost_reason else None
        deal_service.move_deal(session, deal, to, note=f"stage {name} removed", reason=reason, now=now)
    session.flush()
    if _referenced(session, stage):
        stage.kind = REMOVED_KIND
        stage.position = 0
        session.add(stage)
    else:
        session.delete(stage)
    session.flush()
    _renumber(session, stages(session, pipeline))
    moved = f"; {len(live)} deal(s) moved to {to.name}" if live and to is not None else ""
    history.set_summary(session, f"remove stage {name} from pipeline {pipeline.name}{moved}")
    return len(live)
