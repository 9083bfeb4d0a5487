"""`crm user` and `crm config`: users of the database, and the settings file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

# ---------------------------------------------------------------- users


def test_acting_user_is_registered_on_first_write(crm) -> None:
    assert crm.ok("user", "list", "-f", "json").json() == []
    crm.ok("contact", "add", "Ann Lee")
    rows = crm.ok("user", "list", "-f", "json").json()
    assert [(r["name"], r["active"]) for r in rows] == [("tester", True)]
    assert crm.ok("contact", "show", "Ann", "-f", "json").json()["owner"] == "tester"


def test_user_add_and_list(crm) -> None:
    row = crm.ok("user", "add", "Maria Garcia", "--email", "maria@example.com", "-f", "json").json()
    assert (row["id"], row["name"], row["email"], row["active"]) == (1, "Maria Garcia", "maria@example.com", True)
    crm.ok("user", "add", "bob")
    rows = crm.ok("user", "list", "-f", "json").json()
    assert [r["name"] for r in rows] == ["bob", "Maria Garcia"]
    assert set(rows[0]) == {"id", "name", "email", "active", "created_at"}
    table = crm.ok("user", "list").stdout
    assert "Maria Garcia" in table and "maria@example.com" in table


def test_user_add_duplicate_name_any_case_exits_4(crm) -> None:
    crm.ok("user", "add", "Bob")
    result = crm("user", "add", "BOB")
    assert result.exit_code == 4
    assert "exists already" in result.stderr


def test_user_add_bad_email_exits_2(crm) -> None:
    result = crm("user", "add", "Bob", "--email", "not-an-email")
    assert result.exit_code == 2
    assert "is not an email address" in result.stderr


def test_deactivate_and_activate(crm) -> None:
    crm.ok("user", "add", "Bob")
    assert "deactivated user #1 Bob" in crm.ok("user", "deactivate", "bob").stderr
    rows = crm.ok("user", "list", "-f", "json").json()
    assert [r["active"] for r in rows] == [False]
    assert crm.ok("user", "list", "--active", "-f", "json").json() == []
    crm.ok("user", "activate", "BOB")
    assert [r["active"] for r in crm.ok("user", "list", "-f", "json").json()] == [True]


def test_deactivate_unknown_user_exits_3_naming_known_users(crm) -> None:
    crm.ok("user", "add", "Bob")
    result = crm("user", "deactivate", "carol")
    assert result.exit_code == 3
    assert "known users: Bob" in result.stderr


def test_owner_option_names_a_user(crm) -> None:
    crm.ok("user", "add", "Bob")
    crm.ok("contact", "add", "Ann Lee", "--owner", "bob")
    rows = crm.ok("contact", "list", "owner:bob", "-f", "json").json()
    assert [(r["name"], r["owner"]) for r in rows] == [("Ann Lee", "Bob")]


# ---------------------------------------------------------------- config


def _config_file() -> Path:
    import os

    return Path(os.environ["CRM_CONFIG"])


def test_config_path_prints_the_settings_file(crm) -> None:
    assert crm.ok("config", "path").stdout.strip() == str(_config_file())


def test_config_show_lists_every_key_with_value_default_and_help(crm) -> None:
    from termcrm.config import CONFIG_KEYS

    rows = crm.ok("config", "show", "-f", "json").json()
    assert [r["key"] for r in rows] == sorted(CONFIG_KEYS)
    currency = next(r for r in rows if r["key"] == "currency")
    assert currency == {
        "id": "currency",
        "key": "currency",
        "value": "USD",
        "default": "USD",
        "set": False,
        "help": CONFIG_KEYS["currency"].help,
    }
    table = crm.ok("config", "show").stdout
    assert "seller.name" in table and "quote.validity_days" in table and "default currency" in table


def test_config_set_writes_toml_and_show_reads_it_back(crm) -> None:
    assert "currency = EUR" in crm.ok("config", "set", "currency", "eur").stderr
    crm.ok("config", "set", "seller.name", "Lee & Co")
    crm.ok("config", "set", "quote.validity_days", "14")
    with _config_file().open("rb") as handle:
        data = tomllib.load(handle)
    assert data == {"currency": "EUR", "seller": {"name": "Lee & Co"}, "quote": {"validity_days": 14}}
    row = crm.ok("config", "show", "quote.validity_days", "-f", "json").json()[0]
    assert (row["value"], row["default"], row["set"]) == (14, 30, True)


def test_config_currency_becomes_the_default_for_new_work(crm) -> None:
    crm.ok("config", "set", "currency", "JPY")
    from termcrm.config import load_settings

    assert load_settings().currency == "JPY"


def test_config_user_sets_the_acting_user_when_no_flag_or_env(crm, monkeypatch: pytest.MonkeyPatch) -> None:
    crm.ok("config", "set", "user", "carol")
    monkeypatch.delenv("CRM_USER")
    from termcrm.config import load_settings

    assert load_settings().user == "carol"
    assert load_settings(user="dave").user == "dave"


def test_config_set_unknown_key_exits_2_listing_valid_keys(crm) -> None:
    result = crm("config", "set", "colour", "blue")
    assert result.exit_code == 2
    assert "unknown key 'colour'" in result.stderr
    assert "currency" in result.stderr and "seller.name" in result.stderr
    assert not _config_file().exists()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("currency", "euro", "three-letter ISO code"),
        ("quote.validity_days", "soon", "not a whole number"),
        ("quote.validity_days", "-3", "must be zero or more"),
        ("next.weight_overdue", "lots", "not a number"),
        ("tui.confirm_archive", "maybe", "not true or false"),
    ],
)
def test_config_set_bad_value_exits_2_and_writes_nothing(crm, key, value, message) -> None:
    result = crm("config", "set", key, value)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.startswith(f"error: {key}: ")
    assert not _config_file().exists()


def test_config_show_unknown_key_exits_2(crm) -> None:
    assert crm("config", "show", "colour").exit_code == 2


def test_broken_config_file_is_reported_in_one_line(crm) -> None:
    _config_file().write_text("currency = [\n", encoding="utf-8")
    result = crm("config", "show")
    assert result.exit_code == 2
    assert "fix or remove the file" in result.stderr
    assert "Traceback" not in result.stderr


def test_tui_keys_can_be_rebound_shown_and_unset(crm) -> None:
    assert "tui.keys.go-pipeline = f2" in crm.ok("config", "set", "tui.keys.go-pipeline", "f2").stderr
    crm.ok("config", "set", "tui.keys.quit", "ctrl+x, Q")
    with _config_file().open("rb") as handle:
        assert tomllib.load(handle) == {"tui": {"keys": {"go-pipeline": "f2", "quit": "ctrl+x,Q"}}}
    rows = {r["key"]: r for r in crm.ok("config", "show", "-f", "json").json()}
    assert (rows["tui.keys.go-pipeline"]["value"], rows["tui.keys.go-pipeline"]["default"]) == ("f2", "2")
    assert rows["tui.keys.quit"]["set"] is True
    assert "tui.keys.go-reports" not in rows
    named = crm.ok("config", "show", "tui.keys.go-reports", "-f", "json").json()[0]
    assert (named["value"], named["set"]) == ("5", False)
    assert "back to its default 2" in crm.ok("config", "unset", "tui.keys.go-pipeline").stderr
    assert "was not set" in crm.ok("config", "unset", "tui.keys.go-pipeline").stderr
    from termcrm.config import keymap, load_settings

    assert keymap(load_settings().values) == {"quit": "ctrl+x,Q"}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("tui.keys.fly-away", "f2", "unknown TUI binding 'fly-away'"),
        ("tui.keys.go-pipeline", "control p", "'control p' is not a key"),
        ("tui.keys.go-pipeline", "f2,,f3", "'' is not a key"),
    ],
)
def test_tui_keys_refuse_unknown_bindings_and_bad_keys(crm, key, value, message) -> None:
    result = crm("config", "set", key, value)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not _config_file().exists()


def test_unknown_binding_listed_in_the_error_with_the_valid_ids(crm) -> None:
    result = crm("config", "set", "tui.keys.fly-away", "f2")
    assert "go-pipeline" in result.stderr and "contacts-add" in result.stderr


def test_hand_edited_keymap_in_config_file_is_checked(crm) -> None:
    _config_file().parent.mkdir(parents=True, exist_ok=True)
    _config_file().write_text('[tui.keys]\ngo-pipeline = "two words"\n', encoding="utf-8")
    result = crm("config", "show")
    assert result.exit_code == 2
    assert "'two words' is not a key" in result.stderr
    _config_file().write_text('[tui.keys]\nnope = "f2"\n', encoding="utf-8")
    assert "unknown TUI binding 'nope'" in crm("config", "show").stderr
