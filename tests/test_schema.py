"""models/schema.py is generated from the SQLModel classes: current, faithful, and what the classes map onto."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

import termcrm.models
from termcrm.models import codegen, schema

SCHEMA = Path(termcrm.models.__file__).parent / "schema.py"


def _codegen(*args: str) -> str:
    """Run the generator in a fresh process (it builds the classes without the schema)."""
    out = subprocess.run(
        [sys.executable, "-m", "termcrm.models.codegen", *args], capture_output=True, text=True, check=True
    )
    return out.stdout


def test_schema_module_is_current() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == _codegen(), (
        "src/termcrm/models/schema.py is stale: run python -m termcrm.models.codegen > src/termcrm/models/schema.py"
    )


def test_schema_tables_give_the_same_ddl_and_defaults_as_the_classes_declare() -> None:
    declared = json.loads(_codegen("--ddl"))
    assert codegen.ddl(schema.load_all()) == declared
    assert "deal" in declared and any("ix_deal_customer" in line for line in declared["deal"]["sqlite"])


def test_a_table_class_maps_onto_the_schema_table_so_core_and_orm_mix_in_one_statement() -> None:
    from sqlmodel import select

    from termcrm.models import Contact, Deal

    assert Contact.__table__ is schema.contact  # type: ignore[attr-defined]
    assert Deal.__mapper__.version_id_col is schema.deal.c.version  # type: ignore[attr-defined]
    stmt = select(Contact.id).where(schema.contact.c.display_name == "Ann")
    assert str(stmt).count("FROM contact") == 1 and "contact_1" not in str(stmt)


def test_a_class_whose_fields_the_schema_lacks_is_refused_with_the_fix() -> None:
    from sqlmodel import Field

    from termcrm.models.base import Table

    with pytest.raises(RuntimeError, match="python -m termcrm.models.codegen"):

        class Contact2(Table, table=True):  # noqa: F841 - defining it is the test
            __tablename__ = "contact"
            id: int | None = Field(default=None, primary_key=True)
            nickname: str = ""


def test_the_generator_refuses_a_type_it_cannot_write() -> None:
    metadata = sa.MetaData()
    sa.Table("odd", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("blob", sa.LargeBinary))
    with pytest.raises(SystemExit, match="odd.blob"):
        codegen.render(metadata)
