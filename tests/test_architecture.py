"""The rules of the house that can be checked mechanically."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import termcrm

CORE_PACKAGES = ("termcrm.models", "termcrm.services", "termcrm.io", "termcrm.demo")
CORE_MODULES = (
    "termcrm.db",
    "termcrm.config",
    "termcrm.dates",
    "termcrm.money",
    "termcrm.errors",
    "termcrm.migrations",
)


def _core_modules() -> list[str]:
    names = list(CORE_MODULES)
    for package in CORE_PACKAGES:
        module = __import__(package, fromlist=["__path__"])
        names.append(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            names.append(info.name)
    return sorted(set(names))


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


@pytest.mark.parametrize("module", _core_modules())
def test_core_module_imports_neither_typer_nor_textual(module: str) -> None:
    loaded = _loaded_after(f"import {module}")
    assert "typer" not in loaded, f"{module} imports typer"
    assert "textual" not in loaded, f"{module} imports textual"
    assert not any(m.startswith("termcrm.cli") or m.startswith("termcrm.tui") for m in loaded), module


def test_help_imports_no_sqlalchemy_and_no_textual() -> None:
    loaded = _loaded_after(
        "import sys\nsys.argv=['crm','--help']\nfrom termcrm.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert "sqlalchemy" not in loaded
    assert "textual" not in loaded


def test_noun_help_and_completion_import_no_sqlalchemy() -> None:
    from termcrm.cli import COMMANDS, _available

    for noun in [n for n in COMMANDS if _available(n)]:
        loaded = _loaded_after(
            "import sys\n"
            f"sys.argv=['crm','{noun}','--help']\n"
            "from termcrm.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass"
        )
        assert "sqlalchemy" not in loaded, f"crm {noun} --help imports SQLAlchemy"
        assert "textual" not in loaded, f"crm {noun} --help imports Textual"


def test_one_shot_command_never_imports_textual(tmp_path) -> None:
    db = tmp_path / "x.db"
    loaded = _loaded_after(
        "import sys\n"
        f"sys.argv=['crm','--db','{db}','contact','list']\n"
        "from termcrm.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert "sqlalchemy" in loaded
    assert "textual" not in loaded


def test_python_dash_m_runs_the_cli() -> None:
    out = subprocess.run([sys.executable, "-m", "termcrm", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"termcrm {termcrm.__version__}"


def _complete(words: str, cword: int) -> tuple[str, set[str]]:
    import os

    env = {**os.environ, "_CRM_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    code = (
        "import sys\nsys.argv=['crm']\nfrom termcrm.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout, set(out.stderr.split())


def test_shell_completion_of_nouns_and_options_imports_no_sqlalchemy() -> None:
    nouns, loaded = _complete("crm con", 1)
    assert nouns.split() == ["contact", "config"]
    assert "sqlalchemy" not in loaded and "textual" not in loaded
    options, loaded = _complete("crm contact list --so", 3)
    assert options.split() == ["--sort"]
    assert "sqlalchemy" not in loaded and "textual" not in loaded


def test_every_table_has_one_class_in_its_module_and_the_class_maps_onto_it() -> None:
    import importlib

    from termcrm import models
    from termcrm.models import schema

    models.load_all()
    schema.load_all()
    found = {}
    for module in models.MODULES:
        mod = importlib.import_module(f"termcrm.models.{module}")
        for name, obj in vars(mod).items():
            table = getattr(obj, "__table__", None)
            if table is not None and name in models.TABLES[module]:
                assert table is schema.metadata.tables[table.name]
                found[table.name] = name
    assert set(found) == set(schema.metadata.tables)
    assert sorted(found.values()) == sorted(models._HOME)  # noqa: SLF001 - the lazy name table
    assert {name for name in models.__all__ if name[0].isupper()} - {"Table", "UTCDateTime"} == set(
        models._HOME  # noqa: SLF001 - the lazy name table
    )


@pytest.mark.parametrize("command", [["contact", "list"], ["contact", "show", "ann@example.com"]])
def test_contact_list_and_show_build_no_orm_class(tmp_path, command: list[str]) -> None:
    """They read the schema's Core tables: no model module is imported and no mapper is built."""
    db = tmp_path / "x.db"
    crm = [sys.executable, "-m", "termcrm", "--db", str(db), "--user", "ann"]
    subprocess.run([*crm, "contact", "add", "Ann Lee", "--email", "ann@example.com"], capture_output=True, check=True)
    subprocess.run([*crm, "deal", "add", "Pilot", "--contact", "Ann Lee"], capture_output=True, check=True)
    subprocess.run([*crm, "followup", "add", "Call Ann", "--contact", "Ann Lee", "--due", "tomorrow"], check=True)
    loaded = _loaded_after(
        "import sys\n"
        f"sys.argv=['crm','--db','{db}',*{command!r}]\n"
        "from termcrm.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "from sqlmodel import SQLModel\n"
        "assert not SQLModel._sa_registry.mappers, SQLModel._sa_registry.mappers"
    )
    assert "termcrm.models.schema" in loaded
    assert not {f"termcrm.models.{m}" for m in ("core", "sales", "followups", "service", "marketing")} & loaded


def test_a_deal_command_that_names_no_campaign_builds_no_marketing_tables(tmp_path) -> None:
    db = tmp_path / "x.db"
    crm = [sys.executable, "-m", "termcrm", "--db", str(db), "--user", "ann"]
    subprocess.run([*crm, "contact", "add", "Ann Lee"], capture_output=True, check=True)
    subprocess.run([*crm, "deal", "add", "Pilot", "--contact", "Ann Lee"], capture_output=True, check=True)
    loaded = _loaded_after(
        "import sys\n"
        f"sys.argv=['crm','--db','{db}','deal','list']\n"
        "from termcrm.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert "termcrm.models.sales" in loaded
    assert "termcrm.models.marketing" not in loaded


def test_a_flush_builds_the_tables_its_rows_point_at(tmp_path) -> None:
    """An interaction names a deal: logging one in a fresh process must not need the sales tables loaded first."""
    db = tmp_path / "x.db"
    crm = [sys.executable, "-m", "termcrm", "--db", str(db), "--user", "ann"]
    subprocess.run([*crm, "contact", "add", "Ann Lee", "--email", "ann@example.com"], capture_output=True, check=True)
    out = subprocess.run([*crm, "log", "ann@example.com", "call", "Intro"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    shown = subprocess.run([*crm, "activity", "list", "-f", "json"], capture_output=True, text=True, check=True)
    assert '"summary": "Intro"' in shown.stdout


def test_a_named_noun_command_is_built_alone_and_help_gets_them_all() -> None:
    from termcrm.cli import _noun_command, deal, search

    assert list(_noun_command(deal.app, "move").commands) == ["move"]
    everything = set(_noun_command(deal.app, None).commands)
    assert {"add", "list", "show", "move", "won", "lost"} <= everything
    assert set(_noun_command(deal.app, "--help").commands) == everything
    assert set(_noun_command(deal.app, "mvoe").commands) == everything
    assert not hasattr(_noun_command(search.app, "ann"), "commands")
    assert list(_noun_command(deal.app, "item").commands) == ["item"]


def test_the_command_line_builds_only_the_named_command(crm, monkeypatch) -> None:
    import typer.main

    built: list[list[str]] = []
    original = typer.main.get_group

    def spy(app: object) -> object:
        group = original(app)  # type: ignore[arg-type]
        built.append(sorted(group.commands))
        return group

    monkeypatch.setattr(typer.main, "get_group", spy)
    crm.ok("deal", "list")
    assert ["list"] in built
    assert not [names for names in built if "move" in names]


def test_startup_pauses_the_garbage_collector_then_gives_it_back() -> None:
    import gc
    import time

    from termcrm.__main__ import pause_gc_while_starting

    try:
        pause_gc_while_starting(0.05)
        assert not gc.isenabled()
        deadline = time.monotonic() + 10
        while not gc.isenabled() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert gc.isenabled()
    finally:
        gc.enable()


def _type_checking_only_misuses(path: str) -> list[str]:
    """Names a module imports only for type checking but uses at run time without importing them there."""
    import ast

    tree = ast.parse(open(path, encoding="utf-8").read())
    typing_only: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom | ast.Import):
                    typing_only |= {alias.asname or alias.name for alias in stmt.names}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom | ast.Import):
            typing_only -= {alias.asname or alias.name for alias in node.names}
    if not typing_only:
        return []

    def annotations(scope: ast.AST) -> set[int]:
        out: set[int] = set()
        for node in ast.walk(scope):
            parts: list[ast.AST | None] = []
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
                parts += [node.returns, *(a.annotation for a in every if a is not None)]
            elif isinstance(node, ast.AnnAssign):
                parts.append(node.annotation)
            out |= {id(n) for part in parts if part is not None for n in ast.walk(part)}
        return out

    problems = []

    def check(body: list[ast.stmt], imported: set[str], where: str) -> None:
        for stmt in body:
            if isinstance(stmt, ast.If) and isinstance(stmt.test, ast.Name) and stmt.test.id == "TYPE_CHECKING":
                continue
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                local = set(imported)
                inner = stmt.body
                for sub in ast.walk(stmt):
                    if isinstance(sub, ast.ImportFrom | ast.Import) and sub in inner:
                        local |= {alias.asname or alias.name for alias in sub.names}
                check(inner, local, f"{stmt.name}")
                continue
            skip = annotations(stmt)
            for node in ast.walk(stmt):
                if isinstance(node, ast.ImportFrom | ast.Import):
                    imported = imported | {alias.asname or alias.name for alias in node.names}
            for node in ast.walk(stmt):
                if (
                    isinstance(node, ast.Name)
                    and isinstance(node.ctx, ast.Load)
                    and node.id in typing_only - imported
                    and id(node) not in skip
                ):
                    problems.append(f"{path}:{node.lineno} {where}: {node.id}")

    check(tree.body, set(), "module")
    return problems


def test_names_imported_for_type_checking_are_imported_where_they_run() -> None:
    """Services import ORM classes inside the functions that use them (see docs/architecture.md);
    a name imported only under TYPE_CHECKING and used at run time elsewhere would be a NameError."""
    from pathlib import Path

    root = Path(termcrm.__file__).parent
    problems = [p for path in sorted(root.rglob("*.py")) for p in _type_checking_only_misuses(str(path))]
    assert problems == []
