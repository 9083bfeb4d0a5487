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


def test_table_home_names_each_tables_module() -> None:
    import importlib

    from sqlmodel import SQLModel

    from termcrm import models

    models.load_all()
    found = {}
    for module in models.MODULES:
        mod = importlib.import_module(f"termcrm.models.{module}")
        for table in SQLModel.metadata.sorted_tables:
            if any(getattr(obj, "__table__", None) is table for obj in vars(mod).values()):
                found[table.name] = module
    assert found == models.TABLE_HOME
    assert {name for name in models.__all__ if name[0].isupper()} - {"Table", "UTCDateTime"} == set(
        models._HOME  # noqa: SLF001 - the lazy name table
    )


def test_a_contact_command_builds_only_the_customer_tables(tmp_path) -> None:
    db = tmp_path / "x.db"
    subprocess.run(
        [sys.executable, "-m", "termcrm", "--db", str(db), "--user", "ann", "contact", "add", "Ann Lee"],
        capture_output=True,
        check=True,
    )
    loaded = _loaded_after(
        "import sys\n"
        f"sys.argv=['crm','--db','{db}','contact','list']\n"
        "from termcrm.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert "termcrm.models.core" in loaded
    assert not loaded & {"termcrm.models.sales", "termcrm.models.service", "termcrm.models.marketing"}


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
