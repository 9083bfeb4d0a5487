"""The demo database: realistic, deterministic data for trying termcrm and for tests.

:func:`build` makes users, companies and contacts (names from several
cultures, CJK included), tags and a year of interactions; then each module
that has a ``termcrm.demo.<area>`` file with ``build(session, rng, ctx)``
adds its own records (deals, follow-ups, tickets, campaigns). Everything is
derived from the seed and a fixed clock (``ctx.now``), so the same seed gives
the same database.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

AREAS = ("sales", "followups", "service", "marketing")
"""Modules under termcrm.demo that extend the demo, in this order."""


@dataclass
class DemoContext:
    """What the core demo made, for the modules that extend it."""

    now: datetime
    """The demo's clock: every generated time is relative to it."""
    contact_ids: list[int] = field(default_factory=list)
    company_ids: list[int] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    user_names: list[str] = field(default_factory=list)
    currency: str = "USD"
    scale: float = 1.0
    """contacts / 200: modules size their data proportionally."""


def extend(session: object, rng: random.Random, ctx: DemoContext) -> list[str]:
    """Run every present area module's ``build``; returns the areas that ran."""
    ran = []
    for area in AREAS:
        try:
            module = importlib.import_module(f"termcrm.demo.{area}")
        except ModuleNotFoundError as exc:
            if exc.name == f"termcrm.demo.{area}":
                continue
            raise
        module.build(session, rng, ctx)
        ran.append(area)
    return ran


@dataclass
class DemoSummary:
    """What :func:`build` made."""

    path: str
    contacts: int
    companies: int
    interactions: int
    areas: list[str]
    seconds: float


DEMO_USERS = ("ann", "ben", "chen", "dana")
"""The demo's team; ``ann`` is the acting user when the demo opens."""


def default_path() -> str:
    """The demo database file under the user data directory (never the user's own database)."""
    from termcrm.config import default_data_dir

    return str(default_data_dir() / "demo.db")


def _remove(path: str) -> None:
    import os

    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass


def build(path: str | None = None, *, contacts: int = 200, seed: int = 42, now: datetime | None = None) -> DemoSummary:
    """Build (or rebuild) the demo SQLite database at ``path`` and return what it holds."""
    import time
    from pathlib import Path

    from termcrm.config import Settings, normalize_db
    from termcrm.db import open_database
    from termcrm.errors import Invalid

    if contacts < 1 or contacts > 2_000_000:
        raise Invalid("--contacts must be between 1 and 2,000,000")
    started = time.perf_counter()
    target = str(Path(path or default_path()).expanduser().resolve())
    _remove(target)
    settings = Settings(db_url=normalize_db(target), user=DEMO_USERS[0])
    db = open_database(settings)
    rng = random.Random(seed)
    clock = now or _demo_now()
    ctx = DemoContext(now=clock, scale=contacts / 200)
    try:
        with db.write("build the demo database") as session:
            _core(session, rng, ctx, contacts)
            areas = extend(session, rng, ctx)
            from termcrm.services import search

            search.rebuild(session)
            interactions = int(session.connection().exec_driver_sql("SELECT count(*) FROM interaction").scalar() or 0)
    finally:
        db.dispose()
    return DemoSummary(
        path=target,
        contacts=len(ctx.contact_ids),
        companies=len(ctx.company_ids),
        interactions=interactions,
        areas=areas,
        seconds=time.perf_counter() - started,
    )


def _demo_now() -> datetime:
    from termcrm.dates import utcnow

    return utcnow().replace(second=0, microsecond=0)


def _sqlite_value(value: object) -> object:
    """A Python value as SQLAlchemy stores it in SQLite (UTC timestamps without zone, ISO dates, 0/1)."""
    from datetime import UTC, date

    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _converter(sample: object) -> Any:
    """A fast per-column converter chosen from the column's first non-empty value."""
    from datetime import UTC, date

    if isinstance(sample, datetime):

        def stamp(value: Any) -> Any:
            if value is None:
                return None
            if value.tzinfo is not None and value.tzinfo is not UTC:
                value = value.astimezone(UTC)
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")

        return stamp
    if isinstance(sample, date):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(sample, bool):
        return lambda value: None if value is None else int(value)
    return None


def bulk_insert(conn: Any, table_name: str, rows: list[dict[str, Any]]) -> None:
    """Insert many rows at once; on SQLite straight through the driver (the demo's hot path)."""
    import sqlalchemy as sa

    if not rows:
        return
    columns = list(rows[0])
    if conn.dialect.name == "sqlite":
        sql = f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        values = []
        for column in columns:
            cells = [row.get(column) for row in rows]
            convert = _converter(next((v for v in cells if v is not None), None))
            values.append(list(map(convert, cells)) if convert else cells)
        from termcrm.services.bulk import indexes_deferred

        with indexes_deferred(conn, table_name, len(rows)):
            conn.exec_driver_sql(sql, list(zip(*values, strict=True)))
        return
    from termcrm.models import schema

    conn.execute(sa.insert(schema.table(table_name)), rows)


def _core(session: object, rng: random.Random, ctx: DemoContext, n_contacts: int) -> None:
    """Users, companies, contacts with emails, phones, tags and custom fields, and a year of interactions."""
    import unicodedata
    from datetime import date, timedelta

    import sqlalchemy as sa

    from termcrm import models
    from termcrm.demo import names

    conn = session.connection()  # type: ignore[attr-defined]
    now = ctx.now

    def table(model: type) -> sa.Table:
        return model.__table__  # type: ignore[attr-defined,no-any-return]

    # Users.
    users: list[dict[str, Any]] = []
    for i, name in enumerate(DEMO_USERS, start=1):
        users.append(
            {
                "id": i,
                "name": name,
                "name_key": name,
                "email": f"{name}@termcrm.example",
                "active": True,
                "created_at": now - timedelta(days=400),
            }
        )
    bulk_insert(conn, "user", users)
    ctx.user_ids = [u["id"] for u in users]
    ctx.user_names = [u["name"] for u in users]

    cultures = list(names.PEOPLE)

    def _fill(rows_: list[dict[str, Any]]) -> None:
        # Every row of one table must carry the same keys for a single executemany.
        keys: list[str] = []
        for row in rows_:
            for key in row:
                if key not in keys:
                    keys.append(key)
        for row in rows_:
            for key in keys:
                row.setdefault(key, None)

    def ascii_slug(text: str) -> str:
        folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        return "".join(ch for ch in folded if ch.isalnum())

    # Tags.
    tags: list[dict[str, Any]] = [{"id": i, "name": t} for i, t in enumerate(names.TAGS, start=1)]
    bulk_insert(conn, "tag", tags)

    # Companies.
    n_companies = max(5, n_contacts // 8)
    companies: list[dict[str, Any]] = []
    company_culture = {}
    seen: set[str] = set()
    for cid in range(1, n_companies + 1):
        culture = rng.choice(cultures)
        stem = rng.choice(names.COMPANY_STEMS)
        kind, industry = rng.choice(names.COMPANY_KINDS)
        suffix = rng.choice(names.COMPANY_SUFFIX[culture])
        name = f"{stem} {kind} {suffix}"
        if name.lower() in seen:
            name = f"{stem} {kind} {cid} {suffix}"
        seen.add(name.lower())
        city, country = rng.choice(names.PLACES[culture])
        domain = f"{ascii_slug(stem)}{ascii_slug(kind)}{cid if cid > 40 else ''}.example"
        created = now - timedelta(days=rng.randint(30, 720))
        companies.append(
            {
                "id": cid, "name": name, "name_key": name.lower(), "domain": domain, "industry": industry,
                "size": rng.choice(names.SIZES), "city": city, "country": country, "website": f"https://{domain}",
                "owner_id": rng.choice(ctx.user_ids), "created_at": created, "updated_at": created, "version": 1,
            }
        )  # fmt: skip
        company_culture[cid] = culture
    bulk_insert(conn, "company", companies)
    ctx.company_ids = [c["id"] for c in companies]

    # Contacts with emails, phones, tags, fields.
    contact_rows: list[dict[str, Any]] = []
    email_rows: list[dict[str, Any]] = []
    phone_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    field_rows: list[dict[str, Any]] = []
    stages = ("subscriber", "lead", "lead", "mql", "sql", "opportunity", "customer", "customer", "evangelist", "other")
    used_emails: set[str] = set()
    for pid in range(1, n_contacts + 1):
        company_id = rng.choice(ctx.company_ids) if rng.random() < 0.85 else None
        culture = company_culture[company_id] if company_id and rng.random() < 0.7 else rng.choice(cultures)
        firsts, lasts = names.PEOPLE[culture]
        first, last = rng.choice(firsts), rng.choice(lasts)
        display = (
            f"{last}{first}"
            if culture in ("ja", "zh")
            else (f"{last} {first}" if culture in names.FAMILY_FIRST else f"{first} {last}")
        )
        city, country = rng.choice(names.PLACES[culture])
        created = now - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1440))
        birthday = date(rng.randint(1955, 2002), rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.4 else None
        contact_rows.append(
            {
                "id": pid, "first_name": first, "last_name": last, "display_name": display,
                "title": rng.choice(names.TITLES) if company_id else None, "company_id": company_id,
                "stage": rng.choice(stages), "source": rng.choice(names.SOURCES), "birthday": birthday,
                "city": city, "country": country, "owner_id": rng.choice(ctx.user_ids),
                "notes": None, "created_at": created, "updated_at": created, "version": 1,
            }
        )  # fmt: skip
        slug_first, slug_last = ascii_slug(first) or f"p{pid}", ascii_slug(last) or "x"
        domain = (
            companies[company_id - 1]["domain"]
            if company_id
            else rng.choice(("mail.example", "post.example", "inbox.example"))
        )
        email = f"{slug_first}.{slug_last}@{domain}"
        if email in used_emails:
            email = f"{slug_first}.{slug_last}{pid}@{domain}"
        used_emails.add(email)
        email_rows.append(
            {
                "contact_id": pid,
                "email": email,
                "email_key": email.lower(),
                "label": "work" if company_id else "home",
                "is_primary": True,
                "position": 0,
            }
        )
        if rng.random() < 0.15:
            other = f"{slug_first}{pid}@mail.example"
            email_rows.append(
                {
                    "contact_id": pid,
                    "email": other,
                    "email_key": other,
                    "label": "home",
                    "is_primary": False,
                    "position": 1,
                }
            )
        if rng.random() < 0.7:
            phone = f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)} {rng.randint(100, 999)}"
            phone_rows.append(
                {
                    "contact_id": pid,
                    "phone": phone,
                    "phone_key": "".join(ch for ch in phone if ch.isdigit()),
                    "label": rng.choice(("mobile", "work")),
                    "is_primary": True,
                    "position": 0,
                }
            )
        for tag_id in rng.sample(range(1, len(tags) + 1), k=rng.choice((0, 0, 1, 1, 2, 3))):
            tag_rows.append({"contact_id": pid, "tag_id": tag_id})
        if rng.random() < 0.2:
            field_rows.append(
                {
                    "contact_id": pid,
                    "key": "linkedin",
                    "value": f"https://www.linkedin.com/in/{slug_first}-{slug_last}-{pid}",
                }
            )
    for rows_, model in (
        (contact_rows, models.Contact), (email_rows, models.ContactEmail), (phone_rows, models.ContactPhone),
        (tag_rows, models.ContactTag), (field_rows, models.ContactField),
    ):  # fmt: skip
        _fill(rows_)
        bulk_insert(conn, table(model).name, rows_)
    ctx.contact_ids = [c["id"] for c in contact_rows]

    # A year of interactions: about three per contact, more for customers.
    kinds = list(names.INTERACTION_SUBJECTS)
    interaction_rows: list[dict[str, Any]] = []
    last_contacted: dict[int, datetime] = {}
    iid = 0
    for c in contact_rows:
        count = rng.choice((0, 1, 2, 3, 4, 5)) + (2 if c["stage"] == "customer" else 0)
        for _ in range(count):
            iid += 1
            kind = rng.choice(kinds)
            at = now - timedelta(days=rng.randint(0, 364), minutes=rng.randint(0, 1439))
            if at < c["created_at"]:
                at = c["created_at"] + timedelta(hours=rng.randint(1, 48))
                if at > now:
                    at = now - timedelta(minutes=rng.randint(1, 600))
            interaction_rows.append(
                {
                    "id": iid, "kind": kind, "summary": rng.choice(names.INTERACTION_SUBJECTS[kind]),
                    "direction": rng.choice(("in", "out", "out")),
                    "outcome": rng.choice(names.OUTCOMES) if kind == "call" else None,
                    "occurred_at": at, "contact_id": c["id"], "company_id": c["company_id"],
                    "user_id": c["owner_id"], "created_at": at, "version": 1,
                }
            )  # fmt: skip
            if c["id"] not in last_contacted or last_contacted[c["id"]] < at:
                last_contacted[c["id"]] = at
    bulk_insert(conn, "interaction", interaction_rows)
    updates = [(_sqlite_value(at), cid) for cid, at in last_contacted.items()]
    if updates and conn.dialect.name == "sqlite":
        conn.exec_driver_sql("UPDATE contact SET last_contacted_at = ? WHERE id = ?", updates)
    elif updates:
        contact_table = table(models.Contact)
        stmt = (
            sa.update(contact_table)
            .where(contact_table.c.id == sa.bindparam("cid"))
            .values(last_contacted_at=sa.bindparam("at"))
        )
        conn.execute(stmt, [{"cid": cid, "at": at} for cid, at in last_contacted.items()])
