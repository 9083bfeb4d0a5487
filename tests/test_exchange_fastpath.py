"""The importer's fast row reader gives exactly the rows ``csvread.records`` gives, for arbitrary cells."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from termcrm.io import csvread
from termcrm.services.importer import fast_records

HEADERS = {
    "contacts": [
        "first_name", "last_name", "name", "emails", "phones", "company", "title", "tags", "stage", "source",
        "birthday", "gender", "street", "city", "country", "website", "notes", "external_id", "id", "field:shoe",
        "Email", "Phone", "Mobile", "Full Name", "Work Email", "Categories", "Date of Birth", "Zip", "Labels",
    ],
    "companies": ["name", "domain", "industry", "size", "city", "notes", "tags", "external_id", "field:tier",
                  "Website"],
    "deals": ["title", "contact", "company", "pipeline", "stage", "amount", "currency", "probability",
              "expected_close", "owner", "Deal Name", "Close Date"],
    "interactions": ["contact", "kind", "summary", "body", "occurred_at", "direction", "outcome", "Subject", "Date"],
    "followups": ["title", "due", "contact", "priority", "notes", "assignee", "Due Date", "Task"],
}  # fmt: skip

SAMPLES = [
    "ann@example.com", "Bob <bob@example.org>", "work: ann@acme.example; x@y.co", "mailto:c@d.de", "bo@",
    "+1 555 0100", "'+1 555 0100", "tel:+49 30 1", "mobile: 0170 1", "none", "2020-01-31", "31.12.1990",
    "12/31/1990", "--03-14", "0/0/00", "Marketing Qualified Lead", "lead", "f", "Männlich", "vip; board, x",
    "* starred", "50%", "0.35", "1,250.50", "EUR", "$", "inbound", "High", "2026-03-01 14:30", "=cmd",
    "''=q", "Ludwig van Beethoven", "Lee, Ann", "山田 太郎", "a\r\nb", "  spaced   out\t", "42", "007x",
]  # fmt: skip

CELLS = st.one_of(
    st.sampled_from(SAMPLES),
    st.text(alphabet=st.sampled_from(list("aZ09 ,;@.:+-='\n/é\t<>")), max_size=20),
)


@st.composite
def files(draw: st.DrawFn) -> tuple[str, str, str | None]:
    kind = draw(st.sampled_from(sorted(HEADERS)))
    header = draw(st.lists(st.sampled_from(HEADERS[kind]), min_size=1, max_size=7, unique=True))
    rows = draw(
        st.lists(
            st.lists(CELLS, min_size=max(0, len(header) - 1), max_size=len(header) + 1),
            min_size=1,
            max_size=6,
        )
    )
    fmt = draw(st.sampled_from([None, "generic", "fields", "termcrm", "hubspot", "linkedin", "pipedrive"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return kind, buffer.getvalue(), fmt


@settings(max_examples=400, deadline=None)
@given(sample=files())
def test_fast_reader_matches_records(sample: tuple[str, str, str | None]) -> None:
    kind, text, fmt = sample
    table = csvread.read_table(text, ",")
    spec = csvread.get_format(fmt) if fmt else csvread.detect_format(table.header, kind)
    mapping = csvread.build_mapping(table.header, spec, kind)
    fast = fast_records(table, mapping, kind)
    if fast is None:
        return
    slow = list(csvread.records(table, mapping, kind))
    assert [(r.line, r.data, [str(e) for e in r.errors]) for r in fast] == [
        (r.line, r.data, [str(e) for e in r.errors]) for r in slow
    ]


def test_fast_reader_takes_simple_files_and_leaves_grouped_ones() -> None:
    simple = csvread.read_table("first_name,last_name,email,phone,tags\nAnn,Lee,a@b.co,+1 555,x\n")
    assert fast_records(simple, csvread.build_mapping(simple.header), "contacts") is not None
    from test_io_csv import GOOGLE, outlook_text

    for text in (GOOGLE, outlook_text()):  # Google picks one value per cell; Outlook has numbered address groups
        grouped = csvread.read_table(text)
        assert fast_records(grouped, csvread.build_mapping(grouped.header), "contacts") is None
