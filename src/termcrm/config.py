"""Settings: which database, who is acting, the default currency, and config.toml.

Resolution order (DESIGN.md):

* database: ``--db PATH|URL`` > ``CRM_DATABASE_URL`` > ``CRM_DB`` (a path) >
  ``platformdirs.user_data_dir("termcrm")/crm.db``;
* acting user: ``--user`` > ``CRM_USER`` > ``user`` in config.toml > login name.

The config file lives at ``CRM_CONFIG`` or ``user_config_dir("termcrm")/config.toml``.
Every key is declared in :data:`CONFIG_KEYS` with its type, default and help,
so ``crm config set`` can refuse unknown keys and bad values. Nothing here
imports SQLAlchemy.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from termcrm.errors import Invalid

APP_NAME = "termcrm"


@dataclass(frozen=True)
class ConfigKey:
    """One setting a user may put in config.toml."""

    default: Any
    help: str
    parse: Callable[[str], Any]
    """Turns the text given to ``crm config set`` into the stored value, or raises Invalid."""


def _str(value: str) -> str:
    return value


def _currency(value: str) -> str:
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise Invalid(f"currency {value!r} is not a three-letter ISO code such as USD or EUR")
    return code


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Invalid(f"{value!r} is not a whole number") from None


def _nonneg_int(value: str) -> int:
    number = _int(value)
    if number < 0:
        raise Invalid(f"{value!r} must be zero or more")
    return number


def _float(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise Invalid(f"{value!r} is not a number") from None


def _business_hours(value: str) -> str:
    if value.strip() == "":
        return ""
    from termcrm.sla import BusinessHours

    BusinessHours.parse(value)
    return value.strip()


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise Invalid(f"{value!r} is not true or false")


_KEY = re.compile(r"(?:(?:ctrl|shift|alt|super|meta)\+)*(?:[a-z0-9_]+|[^\s,+]|[A-Z])")


def _keys(value: str) -> str:
    """Keys for a TUI binding: one or more Textual key names, comma-separated (``f2``, ``ctrl+n,n``)."""
    names = [part.strip() for part in value.split(",")]
    for name in names:
        if not _KEY.fullmatch(name):
            raise Invalid(
                f"{name!r} is not a key; give Textual key names separated by commas, e.g. f2, ctrl+n, question_mark"
            )
    return ",".join(names)


CONFIG_KEYS: dict[str, ConfigKey] = {
    "user": ConfigKey(None, "acting user name when --user and CRM_USER are not given", _str),
    "currency": ConfigKey("USD", "default currency for amounts (ISO code)", _currency),
    "seller.name": ConfigKey("", "your company name, printed on quotes", _str),
    "seller.address": ConfigKey("", "your address, printed on quotes", _str),
    "seller.email": ConfigKey("", "your email, printed on quotes", _str),
    "seller.phone": ConfigKey("", "your phone, printed on quotes", _str),
    "seller.tax_id": ConfigKey("", "your tax or VAT number, printed on quotes", _str),
    "quote.validity_days": ConfigKey(30, "days a quote stays valid", _nonneg_int),
    "sla.business_hours": ConfigKey(
        "",
        "hours the SLA clocks count, e.g. 'Mon-Fri 09:00-17:00' (empty: around the clock)",
        _business_hours,
    ),
    "next.weight_overdue": ConfigKey(10.0, "crm next: points per overdue day", _float),
    "next.weight_due_soon": ConfigKey(20.0, "crm next: points for being due within a day", _float),
    "next.weight_priority": ConfigKey(15.0, "crm next: points per priority step above low", _float),
    "next.weight_deal": ConfigKey(5.0, "crm next: points per 1,000 of linked weighted deal value", _float),
    "next.weight_rotting": ConfigKey(25.0, "crm next: points when the linked deal is rotting", _float),
    "next.weight_cadence": ConfigKey(2.0, "crm next: points per day a contact's cadence has lapsed", _float),
    "alerts.churn_rate": ConfigKey(None, "alert when churn rate (percent) is above this", _float),
    "alerts.sla_breaches": ConfigKey(None, "alert when open SLA breaches are above this", _nonneg_int),
    "alerts.overdue_followups": ConfigKey(None, "alert when overdue follow-ups are above this", _nonneg_int),
    "alerts.rotting_deals": ConfigKey(None, "alert when rotting deals are above this", _nonneg_int),
    "alerts.pipeline_value": ConfigKey(None, "alert when open pipeline value is under this", _float),
    "report.churn_days": ConfigKey(
        90, "days without purchase or interaction before a customer counts as lapsed", _nonneg_int
    ),
    "tui.refresh_seconds": ConfigKey(1.0, "how often the TUI looks for changes made elsewhere", _float),
    "tui.theme": ConfigKey("", "Textual theme name for the TUI (empty: the default)", _str),
    "tui.confirm_archive": ConfigKey(True, "ask before archiving from the TUI", _bool),
}
"""Every key config.toml may hold; dotted keys are TOML tables (``seller.name``).

Besides these, ``tui.keys.<binding id>`` rebinds a TUI key (see :func:`config_key`).
"""

KEYMAP_PREFIX = "tui.keys."
"""Keys under this table rebind TUI keys: ``tui.keys.go-pipeline = "f2"``."""


def _unknown_key(name: str) -> Invalid:
    return Invalid(
        f"unknown key {name!r}; valid keys: {', '.join(sorted(CONFIG_KEYS))}, and {KEYMAP_PREFIX}<binding id>"
    )


def config_key(name: str) -> ConfigKey:
    """The declaration of setting ``name``: one of :data:`CONFIG_KEYS` or a ``tui.keys.<binding id>``.

    Raises Invalid, listing the valid names, for anything else.
    """
    declared = CONFIG_KEYS.get(name)
    if declared is not None:
        return declared
    if not name.startswith(KEYMAP_PREFIX):
        raise _unknown_key(name)
    from termcrm.tui.keyids import BINDING_IDS

    binding = name.removeprefix(KEYMAP_PREFIX)
    if binding not in BINDING_IDS:
        raise Invalid(f"unknown TUI binding {binding!r} in {name!r}; binding ids: {', '.join(sorted(BINDING_IDS))}")
    return ConfigKey(BINDING_IDS[binding], f"TUI keys for {binding} (comma-separated Textual key names)", _keys)


def keymap(values: dict[str, Any]) -> dict[str, str]:
    """The TUI keymap set in config: ``{binding id: keys}``."""
    return {name.removeprefix(KEYMAP_PREFIX): str(v) for name, v in values.items() if name.startswith(KEYMAP_PREFIX)}


def default_data_dir() -> Path:
    """Where termcrm keeps its database, backups and demo database."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def config_path() -> Path:
    """The settings file: ``CRM_CONFIG`` or the platform's config directory."""
    env = os.environ.get("CRM_CONFIG")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in sorted(flat.items()):
        if value is None:
            continue
        parts = key.split(".")
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return nested


def read_config_file(path: Path | None = None) -> dict[str, Any]:
    """The flat ``{key: value}`` pairs set in config.toml (empty when there is no file)."""
    path = path or config_path()
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return {}
    import tomllib  # only when there is a file to read

    try:
        with handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(f"cannot read {path}: {exc}; fix or remove the file") from None
    flat = _flatten(data)
    for name in sorted(flat):
        try:
            key = config_key(name)
            if name.startswith(KEYMAP_PREFIX):
                flat[name] = key.parse(str(flat[name]))
        except Invalid as exc:
            raise Invalid(f"{path}: {exc.message}") from None
    return flat


def set_config_value(key: str, text: str, path: Path | None = None) -> Any:
    """Validate ``text`` for ``key`` and write it to config.toml; returns the stored value."""
    value = config_key(key).parse(text)
    path = path or config_path()
    flat = read_config_file(path)
    flat[key] = value
    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(_nest(flat)), encoding="utf-8")
    tmp.replace(path)
    return value


def unset_config_value(key: str, path: Path | None = None) -> bool:
    """Remove ``key`` from config.toml (its default applies again); False when it was not set."""
    config_key(key)
    path = path or config_path()
    flat = read_config_file(path)
    if key not in flat:
        return False
    del flat[key]
    import tomli_w

    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(_nest(flat)), encoding="utf-8")
    tmp.replace(path)
    return True


def normalize_db(db: str) -> str:
    """A database URL from ``--db``/``CRM_DB``: URLs pass through, paths become sqlite URLs."""
    if "://" in db:
        return db
    return "sqlite:///" + str(Path(db).expanduser().resolve())


@dataclass
class Settings:
    """Everything a command needs to know before it opens the database."""

    db_url: str
    user: str
    values: dict[str, Any] = field(default_factory=dict)
    config_file: Path | None = None
    debug: bool = False

    def get(self, key: str) -> Any:
        """A config value, or its declared default."""
        if key in self.values:
            return self.values[key]
        return config_key(key).default

    @property
    def currency(self) -> str:
        """The default currency for new amounts."""
        return str(self.get("currency"))

    @property
    def db_path(self) -> Path | None:
        """The SQLite file behind ``db_url``, or None for a server database."""
        return sqlite_path(self.db_url)


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for in-memory and non-SQLite URLs)."""
    if not url.startswith("sqlite"):
        return None
    _, _, rest = url.partition(":///")
    rest = rest.split("?", 1)[0]
    if not rest or rest == ":memory:":
        return None
    return Path(rest)


def login_name() -> str:
    """The operating system's name for the person at the keyboard."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return "me"


def load_settings(db: str | None = None, user: str | None = None, *, debug: bool = False) -> Settings:
    """Resolve settings from flags, environment and config.toml, in that order."""
    path = config_path()
    values = read_config_file(path)
    if db:
        url = normalize_db(db)
    elif os.environ.get("CRM_DATABASE_URL"):
        url = normalize_db(os.environ["CRM_DATABASE_URL"])
    elif os.environ.get("CRM_DB"):
        url = normalize_db(os.environ["CRM_DB"])
    else:
        url = normalize_db(str(default_data_dir() / "crm.db"))
    acting = user or os.environ.get("CRM_USER") or values.get("user") or login_name()
    return Settings(db_url=url, user=str(acting), values=values, config_file=path, debug=debug)
