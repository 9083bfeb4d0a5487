"""Several processes writing one database file: no lost update, no "database is locked"."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from termcrm.config import Settings
from termcrm.db import open_database
from termcrm.models import Contact
from termcrm.services import contacts

WORKER = textwrap.dedent(
    """
    import sys
    from termcrm.config import Settings
    from termcrm.db import open_database
    from termcrm.models import Contact

    url, cid, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    db = open_database(Settings(db_url=url, user="worker"))
    for _ in range(n):
        with db.write("bump") as s:
            c = s.get(Contact, cid)
            c.cadence_days = (c.cadence_days or 0) + 1
            s.add(c)
    db.dispose()
    """
)


def test_processes_incrementing_one_row_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    db = open_database(Settings(db_url=url, user="tester"))
    with db.write() as s:
        cid = contacts.create_contact(s, contacts.ContactInput(first_name="Counter")).id
    # A reader holding a read session while the writers run, as the TUI might.
    with db.read() as reader:
        reader.get(Contact, cid)
        procs = [
            subprocess.Popen([sys.executable, "-c", WORKER, url, str(cid), "40"], stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    assert all(code == 0 for code, _ in results), results
    assert not any("locked" in err for _, err in results)
    with db.read() as s:
        assert s.get(Contact, cid).cadence_days == 160  # type: ignore[union-attr]
    db.dispose()
