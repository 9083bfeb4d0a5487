"""Shared fixtures: a fresh database per test on SQLite and, with CRM_TEST_PG_URL, on PostgreSQL.

``db_url`` is parametrised over the engines, so every test that uses a
database (directly, through ``db``, or through the ``crm`` CLI runner) runs on
both. A migrated template is made once per session and copied per test
(a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PG_URL = os.environ.get("CRM_TEST_PG_URL")
ENGINES = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the real user's config, data directory or database."""
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("CRM_USER", "tester")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    monkeypatch.delenv("CRM_DB", raising=False)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from termcrm.config import Settings
    from termcrm.db import open_database

    path = tmp_path_factory.mktemp("template") / "template.db"
    db = open_database(Settings(db_url=f"sqlite:///{path}", user="tester"))
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.rollback()
    db.dispose()
    return path


def _pg_admin_url() -> str:
    assert PG_URL
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/postgres"


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str]:
    import sqlalchemy as sa

    from termcrm.config import Settings
    from termcrm.db import open_database

    name = f"crm_tmpl_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_URL.rpartition("/")  # type: ignore[union-attr]
    db = open_database(Settings(db_url=f"{base}/{name}", user="tester"))
    db.dispose()
    yield name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database for this test."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        target = tmp_path / "crm.db"
        shutil.copy(template, target)
        os.chmod(target, 0o600)
        yield f"sqlite:///{target}"
        return
    import sqlalchemy as sa

    template_name: str = request.getfixturevalue("_pg_template")
    name = f"crm_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    base, _, _ = PG_URL.rpartition("/")  # type: ignore[union-attr]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def settings(db_url: str) -> Any:
    """Settings for the test database, acting as user ``tester``."""
    from termcrm.config import load_settings

    return load_settings(db_url, "tester")


@pytest.fixture
def db(settings: Any) -> Iterator[Any]:
    """The opened test database (:class:`termcrm.db.Database`)."""
    from termcrm.db import open_database

    database = open_database(settings)
    yield database
    database.dispose()


@dataclass
class CliResult:
    """What one ``crm`` run printed and returned."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    def json(self) -> Any:
        """stdout parsed as JSON."""
        import json

        return json.loads(self.stdout)


class Crm:
    """Runs ``crm`` in-process with typer's CliRunner against the test database."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> CliResult:
        from typer.testing import CliRunner

        from termcrm.cli import app

        runner = CliRunner()
        result = runner.invoke(
            app,
            ["--db", self.db_url, *args],
            input=input,
            env={"CRM_USER": "tester", **(env or {})},
            catch_exceptions=True,
        )
        exc = result.exception if not isinstance(result.exception, SystemExit) else None
        return CliResult(result.exit_code, result.stdout, result.stderr, exc)

    def ok(self, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> CliResult:
        """Run and assert exit code 0 (showing stderr when not)."""
        result = self(*args, input=input, env=env)
        assert result.exit_code == 0, (
            f"crm {' '.join(args)} exited {result.exit_code}: {result.stderr}{result.exception!r}"
        )
        return result


@pytest.fixture
def crm(db_url: str) -> Crm:
    """``crm(...)`` runs the CLI against this test's database."""
    return Crm(db_url)
