"""``crm pipeline``: pipelines and their stages (list, show with totals, add, reshape)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from termcrm.cli.common import FormatOpt, YesOpt, confirm, done, reading, writing

app = typer.Typer(help="Pipelines and their stages.", no_args_is_help=True)
stage_app = typer.Typer(help="Stages of a pipeline: add, edit, move, remove.", no_args_is_help=True)
app.add_typer(stage_app, name="stage")

PipelineArg = Annotated[str, typer.Argument(help="Pipeline name (a unique prefix is enough) or id.")]
StageArg = Annotated[str, typer.Argument(help="Stage name (any case, a unique prefix is enough) or position.")]


def _stage_columns() -> list[Any]:
    from termcrm.io.render import Column

    return [
        Column("position", "#", justify="right"),
        Column("stage"),
        Column("kind"),
        Column("probability", "prob", fmt=lambda v, _r: f"{v}%", justify="right"),
        Column("rot_days", "rot days", justify="right"),
        Column("count", "deals", justify="right"),
        Column("total_text", "total", justify="right"),
        Column("weighted_text", "weighted", justify="right"),
        Column("rotting", fmt=lambda v, _r: str(v) if v else "", justify="right"),
    ]


def _for_machines(row: Mapping[str, Any], fmt: str) -> dict[str, Any]:
    """JSON keeps amounts as lists per currency; CSV keeps their text (``500.00 EUR + 1,000.00 USD``)."""
    if fmt == "table":
        return dict(row)
    if fmt == "csv":
        return {k: v for k, v in row.items() if not (isinstance(v, list) and k != "stages")}
    return {k: v for k, v in row.items() if not k.endswith("_text")}


def _print_pipeline(d: Mapping[str, Any]) -> None:
    from termcrm.io.render import console, print_fields, print_table

    console().print(f"[bold]Pipeline {d['name']}[/bold] (#{d['id']})")
    print_table(d["stages"], _stage_columns())
    print_fields([("open value", d.get("open_value_text")), ("weighted", d.get("open_weighted_text"))])


@app.command("list")
def list_(fmt: FormatOpt = "table") -> None:
    """List pipelines with their stage count and open deals."""
    from termcrm.io.render import Column, emit_list
    from termcrm.services import pipelines

    with reading() as session:
        rows = [_for_machines(r, fmt) for r in pipelines.pipeline_rows(session)]
    emit_list(
        rows,
        fmt,
        [
            Column("id", justify="right"),
            Column("name"),
            Column("stages", justify="right"),
            Column("open_deals", "open deals", justify="right"),
            Column("open_value_text", "open value", justify="right"),
            Column("weighted_value_text", "weighted", justify="right"),
        ],
        empty="no pipelines: add one with crm pipeline add NAME",
    )


@app.command("show")
def show(
    pipeline: Annotated[str | None, typer.Argument(help="Pipeline name or id (default the first pipeline).")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Show a pipeline's stages with deal count, total and weighted total per currency."""
    from termcrm.io.render import emit_list, emit_one
    from termcrm.services import pipelines

    with reading() as session:
        data = pipelines.pipeline_view(session, pipelines.get_pipeline(session, pipeline))
    if fmt in ("csv", "ids"):
        emit_list([{"id": s["stage_id"], **_for_machines(s, fmt)} for s in data["stages"]], fmt, _stage_columns())
        return
    if fmt != "table":
        data = {**_for_machines(data, fmt), "stages": [_for_machines(s, fmt) for s in data["stages"]]}
    emit_one(data, fmt, _print_pipeline)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Name of the new pipeline.")],
    copy: Annotated[
        str | None, typer.Option("--copy", help="Copy the stages of this pipeline instead of the standard ones.")
    ] = None,
    empty: Annotated[bool, typer.Option("--empty", help="Start with no stages at all.")] = False,
) -> None:
    """Add a pipeline (with the standard stages Lead..Won/Lost unless --copy or --empty)."""
    from termcrm.services import pipelines

    with writing() as session:
        source = pipelines.get_pipeline(session, copy) if copy else None
        created = pipelines.add_pipeline(session, name, copy_from=source, empty=empty)
        count = len(pipelines.stages(session, created))
        label = f"#{created.id} {created.name}"
    done(f"added pipeline {label} with {count} stage(s)")


@stage_app.command("add")
def stage_add(
    pipeline: PipelineArg,
    name: Annotated[str, typer.Argument(help="Name of the new stage.")],
    probability: Annotated[
        int | None,
        typer.Option("--probability", help="Default probability 0-100 (default 100 for won, else 0).", min=0, max=100),
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="open, won or lost.")] = "open",
    after: Annotated[
        str | None,
        typer.Option("--after", help="Put it after this stage (default: before Won/Lost for an open stage)."),
    ] = None,
    rot_days: Annotated[
        int | None, typer.Option("--rot-days", help="Days a deal may sit here before it is rotting.", min=1)
    ] = None,
) -> None:
    """Add a stage to a pipeline."""
    from termcrm.services import pipelines

    with writing() as session:
        target = pipelines.get_pipeline(session, pipeline)
        anchor = pipelines.resolve_stage(session, target, after) if after else None
        stage = pipelines.add_stage(
            session, target, name, probability=probability, kind=kind, after=anchor, rot_days=rot_days
        )
        label = f"{stage.name} at position {stage.position} of {target.name}"
    done(f"added stage {label}")


@stage_app.command("edit")
def stage_edit(
    pipeline: PipelineArg,
    stage: StageArg,
    name: Annotated[str | None, typer.Option("--name", help="Rename the stage.")] = None,
    probability: Annotated[
        int | None,
        typer.Option("--probability", help="New default probability (unpinned deals follow).", min=0, max=100),
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="open, won or lost (only while it holds no deals).")
    ] = None,
    rot_days: Annotated[int | None, typer.Option("--rot-days", help="New rot limit in days.", min=1)] = None,
    no_rot: Annotated[bool, typer.Option("--no-rot", help="Remove the rot limit.")] = False,
) -> None:
    """Rename a stage or change its probability, kind or rot limit."""
    from termcrm.services import pipelines

    with writing() as session:
        target = pipelines.get_pipeline(session, pipeline)
        found = pipelines.resolve_stage(session, target, stage)
        rot: Any = pipelines.UNSET
        if no_rot:
            rot = None
        elif rot_days is not None:
            rot = rot_days
        pipelines.edit_stage(session, found, name=name, probability=probability, kind=kind, rot_days=rot)
        label = f"{found.name} of {target.name}"
    done(f"updated stage {label}")


@stage_app.command("move")
def stage_move(
    pipeline: PipelineArg,
    stage: StageArg,
    position: Annotated[int, typer.Argument(help="New position (1 is first).")],
) -> None:
    """Move a stage to another position."""
    from termcrm.services import pipelines

    with writing() as session:
        target = pipelines.get_pipeline(session, pipeline)
        found = pipelines.move_stage(session, pipelines.resolve_stage(session, target, stage), position)
        label = f"{found.name} to position {found.position} of {target.name}"
    done(f"moved stage {label}")


@stage_app.command("rm")
def stage_rm(
    pipeline: PipelineArg,
    stage: StageArg,
    to: Annotated[
        str | None, typer.Option("--to", help="Move the stage's deals to this stage first (required if it has any).")
    ] = None,
    yes: YesOpt = False,
) -> None:
    """Remove a stage (refused while deals are in it, unless they move --to another stage)."""
    from termcrm.services import pipelines

    with reading() as session:
        target = pipelines.get_pipeline(session, pipeline)
        found = pipelines.resolve_stage(session, target, stage)
        label = f"{found.name} of pipeline {target.name}"
    confirm(f"Remove stage {label}?", yes)
    with writing() as session:
        target = pipelines.get_pipeline(session, pipeline)
        found = pipelines.resolve_stage(session, target, stage)
        other = pipelines.resolve_stage(session, target, to) if to else None
        moved = pipelines.remove_stage(session, found, to=other)
    extra = f"; moved {moved} deal(s) to {other.name}" if other is not None and moved else ""
    done(f"removed stage {label}{extra}")
