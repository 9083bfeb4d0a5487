"""The pure CSV layer: decoding, table splitting, format detection, mapping, records, writing.

Every sample file is built here, shaped like the exports of the programs people
migrate from (Google Contacts, Outlook in English and German, LinkedIn, HubSpot,
Salesforce, Pipedrive, Thunderbird) and termcrm's own export.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termcrm.errors import Invalid, InvalidFile
from termcrm.io.csvread import (
    FIELD_NAMES,
    YEARLESS_YEAR,
    CellError,
    Mapping,
    build_mapping,
    decode,
    detect_format,
    escape_formula,
    format_cell,
    get_format,
    load_mapping,
    normalize_email,
    normalize_label,
    parse_csv,
    parse_date,
    parse_datetime,
    parse_map_option,
    read_table,
    record_type_name,
    records,
    save_mapping,
    split_name,
    unescape_formula,
    write_csv,
)


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


# ---------------------------------------------------------------------------
# Sample files
# ---------------------------------------------------------------------------

GOOGLE_HEADER = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,"
    "Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,"
    "Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,"
    "Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,"
    "Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,Website 1 - Label,Website 1 - Value,Custom Field 1 - Label,Custom Field 1 - Value"
)


def google_row(**cells: str) -> str:
    columns = GOOGLE_HEADER.split(",")
    unknown = set(cells) - set(columns)
    assert not unknown, unknown
    out = []
    for col in columns:
        value = cells.get(col, "")
        if any(ch in value for ch in ',"\n'):
            value = '"' + value.replace('"', '""') + '"'
        out.append(value)
    return ",".join(out)


GOOGLE = "\n".join(
    [
        GOOGLE_HEADER,
        google_row(
            **{
                "First Name": "José",
                "Last Name": "Núñez",
                "Middle Name": "María",
                "Nickname": "Pepe",
                "Organization Name": "Acme Ibérica",
                "Organization Title": "Director",
                "Organization Department": "Ventas",
                "Birthday": "--03-14",
                "Notes": 'Met at the "Madrid" fair.\nLikes coffee, not tea.',
                "Labels": "Friends ::: Clients ::: * starred ::: * myContacts",
                "E-mail 1 - Label": "* Work",
                "E-mail 1 - Value": "jose@acme.es ::: pepe@acme.es",
                "E-mail 2 - Label": "Home",
                "E-mail 2 - Value": "jose.nunez@example.com",
                "Phone 1 - Label": "Mobile",
                "Phone 1 - Value": "+34 600 123 456",
                "Phone 2 - Label": "Work",
                "Phone 2 - Value": "+34 91 123 45 67 ::: +34 91 765 43 21",
                "Address 1 - Label": "Work",
                "Address 1 - Formatted": "Calle Mayor 1\n28013 Madrid\nSpain",
                "Address 1 - Street": "Calle Mayor 1",
                "Address 1 - City": "Madrid",
                "Address 1 - Postal Code": "28013",
                "Address 1 - Country": "Spain",
                "Address 1 - Extended Address": "3º izquierda",
                "Website 1 - Label": "Profile",
                "Website 1 - Value": "https://acme.es/jose ::: https://example.com",
                "Custom Field 1 - Label": "Customer number",
                "Custom Field 1 - Value": "C-1042",
            }
        ),
        google_row(
            **{
                "First Name": "太郎",
                "Last Name": "山田",
                "Organization Name": "山田商事株式会社",
                "Birthday": "1980-07-01",
                "Labels": "* myContacts ::: 取引先",
                "E-mail 1 - Label": "* Other",
                "E-mail 1 - Value": "taro@example.jp",
                "Phone 1 - Value": "03-1234-5678",
            }
        ),
        google_row(
            **{
                "First Name": "Zoë",
                "Last Name": "Brontë",
                "E-mail 1 - Label": "Work",
                "E-mail 1 - Value": "zoe@",
                "Labels": "* myContacts",
            }
        ),
        google_row(**{"Notes": "nobody", "Labels": "* myContacts"}),
    ]
)

GOOGLE_LEGACY = crlf(
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,Family Name Yomi,"
    "Name Prefix,Name Suffix,Initials,Nickname,Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,"
    "Directory Server,Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,Group Membership,"
    "E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,"
    "Organization 1 - Type,Organization 1 - Name,Organization 1 - Yomi Name,Organization 1 - Title,"
    "Organization 1 - Department\n"
    "François Dupont,François,,Dupont,,,,,,,,,,,1975-11-02,male,,,,,,,,,,,,,* myContacts ::: Golf,"
    "* Home,francois@example.fr,Work,f.dupont@societe.fr,Mobile,+33 6 11 22 33 44,,Société X,,PDG,Direction\n"
)

OUTLOOK_HEADER = (
    "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Street,Business Street 2,"
    "Business City,Business State,Business Postal Code,Business Country/Region,Home Street,Home City,Home State,"
    "Home Postal Code,Home Country/Region,Business Fax,Business Phone,Home Phone,Mobile Phone,Birthday,Categories,"
    "E-mail Address,E-mail Type,E-mail Display Name,E-mail 2 Address,E-mail 2 Type,Gender,Notes,Web Page"
)

OUTLOOK_ROWS = [
    (
        "Dr.|Anna||Kowalski||Contoso Ltd|Research|Chief Scientist|1 Microsoft Way|Suite 200|Redmond|WA|98052|"
        "United States||||||+1 425 555 0199|+1 425 555 0100||+1 425 555 0101|12/31/1970|VIP;Customers|"
        "anna@contoso.com|SMTP|Anna Kowalski (anna@contoso.com)|anna.k@example.org|SMTP|Female|"
        "Prefers email.\r\nAsk about the grant.|https://contoso.com"
    ).split("|"),
    (
        "|Łukasz||Żółć|||||||||||ul. Długa 5|Gdańsk||80-001|Poland|||+48 58 555 00 00||0/0/00||lukasz@example.pl|"
        "SMTP||||Unspecified||"
    ).split("|"),
]
assert all(len(row) == len(OUTLOOK_HEADER.split(",")) for row in OUTLOOK_ROWS)


def outlook_text(delimiter: str = ",") -> str:
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(OUTLOOK_HEADER.split(","))
    writer.writerows(OUTLOOK_ROWS)
    return buf.getvalue()


OUTLOOK_DE = crlf(
    "Anrede;Vorname;Weitere Vornamen;Nachname;Suffix;Firma;Abteilung;Position;Straße geschäftlich;"
    "Ort geschäftlich;Region geschäftlich;Postleitzahl geschäftlich;Land/Region geschäftlich;Fax geschäftlich;"
    "Telefon geschäftlich;Telefon privat;Mobiltelefon;E-Mail-Adresse;E-Mail-Typ;E-Mail: Angezeigter Name;"
    "E-Mail 2: Adresse;Geburtstag;Geschlecht;Kategorien;Notizen\n"
    "Herr;Jürgen;;Groß;;Müller & Söhne GmbH;Einkauf;Einkaufsleiter;Königstraße 12;Stuttgart;BW;70173;Deutschland;"
    "+49 711 123457;+49 711 123456;;+49 170 1234567;juergen.gross@mueller-soehne.de;SMTP;Jürgen Groß;"
    'j.gross@example.de;31.12.1968;Männlich;Lieferanten;"Rückruf am Montag; Preise für 2025, Rabatt 3,5 %"\n'
    "Frau;Renée;;Åström;;;;;;;;;;;;;;renee@example.se;SMTP;;;01.02.1990;Weiblich;Privat;\n"
)

LINKEDIN = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are missing. '
    "You will only see email addresses for connections who have allowed their connections to see or download "
    "their email address using this setting https://www.linkedin.com/psettings/privacy/email. You can learn more "
    'here https://www.linkedin.com/help/linkedin/answer/261"\n'
    "\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Søren,Kierkegård,https://www.linkedin.com/in/soren,soren@example.dk,Nordisk A/S,Product Manager,15 Mar 2023\n"
    'Wei,Zhang,https://www.linkedin.com/in/weizhang,,"Huawei Technologies Co., Ltd.",Engineer,02 Jan 2021\n'
    "Sam,Lee,https://www.linkedin.com/in/samlee,,Globex,CEO,01 Feb 2020\n"
)

HUBSPOT = (
    "Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Company Name,Job Title,Lifecycle Stage,"
    "Lead Status,Create Date,City,State/Region,Country/Region,Contact owner\n"
    "5101,Chloé,Martin,chloe@example.com,+1 212 555 0142,+1 917 555 0199,Initech,VP Sales,"
    "Marketing Qualified Lead,Open,2024-01-15 10:22,New York,NY,United States,Maria Owner\n"
    "5102,,,lead-only@example.com,,,,,subscriber,,2024-01-16 11:00,,,,\n"
)

SALESFORCE = (
    "Contact ID,Salutation,First Name,Last Name,Title,Account Name,Email,Phone,Mobile,Mailing Street,Mailing City,"
    "Mailing State/Province,Mailing Zip/Postal Code,Mailing Country,Lead Source,Birthdate,Description\n"
    "0035g00000AbCdE,Ms.,Ingrid,Bergström,CFO,Umbrella Corp,ingrid@umbrella.example,(555) 010-2000,555-010-3000,"
    '"42 Elm St\nBuilding B",Springfield,IL,62701,USA,Web,04/05/1985,"Key account.\nRenewal in Q3."\n'
)

PIPEDRIVE = (
    "Person - Name,Person - First name,Person - Last name,Person - Email - Work,Person - Email - Home,"
    "Person - Phone - Work,Person - Phone - Mobile,Person - Organization,Person - Labels,Person - Owner\n"
    "Olga Petrova,Olga,Petrova,olga@firm.example,olga.p@example.com,+7 495 123 4567,+7 916 123 4567,Firm LLC,"
    '"Hot lead, Customer",Ivan\n'
)

PIPEDRIVE_PLAIN = (
    "ID,Name,Email - Work,Phone - Mobile,Organization,Labels,Visible to,Open deals\n"
    "77,Ludwig van Beethoven,ludwig@bonn.example,+49 228 981 750,Bonn Music,Cold lead,Everyone,2\n"
)

THUNDERBIRD = (
    "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,Screen Name,Work Phone,Home Phone,"
    "Fax Number,Pager Number,Mobile Number,Home Address,Home Address 2,Home City,Home State,Home ZipCode,"
    "Home Country,Work Address,Work Address 2,Work City,Work State,Work ZipCode,Work Country,Job Title,Department,"
    "Organization,Web Page 1,Web Page 2,Birth Year,Birth Month,Birth Day,Custom 1,Custom 2,Custom 3,Custom 4,Notes,\n"
    "Ingeborg,Ærø,Ingeborg Ærø,Inge,inge@example.no,inge2@example.no,,+47 22 00 00 00,,,,+47 900 00 000,,,,,,,"
    "Karl Johans gate 1,,Oslo,,0154,Norway,Editor,News,Aftenposten,https://example.no,,1985,6,30,blue,,,,Note,\n"
    "Kim,,Kim,,kim@example.kr,,,,,,,,,,,,,,,,,,,,,,,,,,2,29,,,,,,\n"
)

GENERIC = (
    "Full Name\tE-mail\tMobile\tOrganization\tFavourite colour\n"
    "Ada Lovelace\tada@example.org\t+44 20 7946 0000\tAnalytical Engines\tgreen\n"
    "Chen Jing\tchen.jing@example.cn; cj@example.cn\t\t\tred\n"
)


# ---------------------------------------------------------------------------
# decode
# ---------------------------------------------------------------------------


def test_decode_utf8_with_and_without_bom() -> None:
    text = "Name\nJosé 山田\n"
    assert decode(text.encode("utf-8")) == text
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == text


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_decode_utf16_and_utf32_with_bom(codec: str) -> None:
    text = "Vorname,Nachname\nJürgen,Groß\n"
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(codec, b"")
    assert decode(bom + text.encode(codec)) == text


def test_decode_utf16_without_bom() -> None:
    text = "First Name,Last Name\nAnna,Kowalski\n"
    assert decode(text.encode("utf-16-le")) == text
    assert decode(text.encode("utf-16-be")) == text


def test_decode_cp1252_fallback() -> None:
    data = "Name;Firma\nRenée Dupré;Café Noël – “Paris”\n".encode("cp1252")
    assert decode(data) == "Name;Firma\nRenée Dupré;Café Noël – “Paris”\n"
    # Bytes cp1252 leaves undefined still decode (as Latin-1 controls) instead of failing.
    assert decode(b"a\x81b\x8d") == "a\x81b\x8d"


def test_decode_explicit_encoding_wins() -> None:
    data = "Müller".encode("latin-1")
    assert decode(data, "latin-1") == "Müller"
    assert decode("Müller".encode(), "latin-1") == "MÃ¼ller"
    assert decode(b"\xef\xbb\xbfabc", "utf-8") == "abc"


def test_decode_unknown_codec_is_invalid() -> None:
    with pytest.raises(Invalid, match="unknown encoding 'klingon'"):
        decode(b"abc", "klingon")


def test_decode_bad_bytes_for_explicit_encoding() -> None:
    with pytest.raises(InvalidFile, match="not valid utf-8: byte 0xe9 at offset 3"):
        decode(b"Ren\xe9e", "utf-8")


def test_decode_binary_is_invalid_file() -> None:
    with pytest.raises(InvalidFile, match="NUL"):
        decode(b"PK\x03\x04\x00\x00binary\x00zip")
    with pytest.raises(InvalidFile):
        decode(b"\xff\xfe" + b"a\x00b")  # odd-length UTF-16


# ---------------------------------------------------------------------------
# read_table
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_read_table_sniffs_delimiter(delimiter: str) -> None:
    text = delimiter.join(["Name", "Email", "Notes"]) + "\n"
    text += delimiter.join(["Ann", "ann@example.com", '"a, b; c\td"']) + "\n"
    text += delimiter.join(["Bob", "bob@example.com", "x"]) + "\n"
    table = read_table(text)
    assert table.delimiter == delimiter
    assert table.header == ["Name", "Email", "Notes"]
    assert [row.cells for row in table.rows] == [
        ["Ann", "ann@example.com", "a, b; c\td"],
        ["Bob", "bob@example.com", "x"],
    ]


def test_read_table_semicolon_file_with_decimal_commas() -> None:
    text = "Vorname;Nachname;Umsatz\nHans;Meier;1,50\nEva;Lang;2,75\n"
    table = read_table(text)
    assert table.delimiter == ";"
    assert table.rows[0].cells == ["Hans", "Meier", "1,50"]


def test_read_table_explicit_delimiter() -> None:
    table = read_table("a|b\n1|2\n", delimiter="|")
    assert table.header == ["a", "b"]
    assert read_table("a\tb\n1\t2\n", delimiter="tab").rows[0].cells == ["1", "2"]
    assert read_table("a;b\n1;2\n", delimiter="semicolon").header == ["a", "b"]
    with pytest.raises(Invalid, match="one character"):
        read_table("a,b\n", delimiter="::")


def test_read_table_line_numbers_with_multiline_fields_and_blank_lines() -> None:
    text = crlf('Name,Notes\nAnn,"line one\nline two\nline three"\n\nBob,short\n"Cy","x"\n')
    table = read_table(text)
    assert table.header_line == 1
    assert [(row.line, row.cells) for row in table.rows] == [
        (2, ["Ann", "line one\r\nline two\r\nline three"]),
        (6, ["Bob", "short"]),
        (7, ["Cy", "x"]),
    ]


def test_read_table_skips_linkedin_preamble() -> None:
    table = read_table(LINKEDIN)
    assert table.header_line == 4
    assert table.header == ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
    assert [row.line for row in table.rows] == [5, 6, 7]
    assert table.rows[1].cells[4] == "Huawei Technologies Co., Ltd."


def test_read_table_skips_unknown_preamble_by_consistency() -> None:
    text = "Exported from MyCRM\nDate: 2024-05-01\n\nfoo,bar,baz\n1,2,3\n4,5,6\n"
    table = read_table(text)
    assert table.header == ["foo", "bar", "baz"]
    assert table.header_line == 4


def test_read_table_flags_ragged_rows() -> None:
    text = "a,b,c,d,e,f,g\n1,2,3,4,5,6,7\n1,2,3,4,5,6,7\n1,2,3,4,5,6,7\n1,2,3,4,5,6,7\n1,2,3,4,5,6,7\n1,2,3,4,5\n"
    text += "1,2,3,4,5,6,7,,\n1,2,3,4,5,6,7,8\n"
    table = read_table(text)
    assert [row.line for row in table.ragged_rows()] == [7, 9]
    assert table.rows[6].cells == ["1", "2", "3", "4", "5", "6", "7"]  # empty trailing cells dropped
    mapping = build_mapping(table.header, record_type="contacts")
    parsed = list(records(table, mapping))
    assert [str(e) for e in parsed[5].errors] == ["line 7: 5 cells, header has 7"]
    assert [str(e) for e in parsed[7].errors] == ["line 9: 8 cells, header has 7"]


def test_read_table_trailing_delimiter_on_every_line() -> None:
    table = read_table("a,b,\n1,2,\n")
    assert table.header == ["a", "b"]
    assert table.rows[0].cells == ["1", "2"] and not table.rows[0].ragged


def test_read_table_empty_and_unterminated() -> None:
    with pytest.raises(InvalidFile, match="empty"):
        read_table("")
    with pytest.raises(InvalidFile, match="empty"):
        read_table("\n\n , ,\n")
    with pytest.raises(InvalidFile, match="line 3: a quoted field is never closed"):
        read_table('a,b\n1,2\n3,"four\n5,6\n')


# ---------------------------------------------------------------------------
# Format detection
# ---------------------------------------------------------------------------


def header_of(text: str) -> list[str]:
    return read_table(text).header


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (GOOGLE, "google"),
        (GOOGLE_LEGACY, "google"),
        (outlook_text(), "outlook"),
        (OUTLOOK_DE, "outlook_de"),
        (LINKEDIN, "linkedin"),
        (HUBSPOT, "hubspot"),
        (SALESFORCE, "salesforce"),
        (PIPEDRIVE, "pipedrive"),
        (PIPEDRIVE_PLAIN, "pipedrive"),
        (THUNDERBIRD, "thunderbird"),
        ("id,first_name,last_name,emails,created_at\n1,A,B,,\n", "termcrm"),
        ("first_name,last_name,emails,field:shoe size\nA,B,,\n", "fields"),
        (GENERIC, "generic"),
    ],
)
def test_detect_format(text: str, name: str) -> None:
    assert detect_format(header_of(text)).name == name


def test_detect_format_is_case_and_space_tolerant() -> None:
    header = ["FIRST NAME", "last  name", " e-mail 1 - value ", "E-MAIL 1 - LABEL", "labels"]
    spec = detect_format(header)
    assert spec.name == "google"
    mapping = build_mapping(header, spec)
    assert mapping.columns == {
        "FIRST NAME": "first_name",
        "last  name": "last_name",
        " e-mail 1 - value ": "emails[1]",
        "E-MAIL 1 - LABEL": "emails[1].label",
        "labels": "tags",
    }


def test_numbered_groups_match_any_number() -> None:
    header = ["First Name", "E-mail 17 - Label", "E-mail 17 - Value", "Phone 3 - Value", "Address 2 - City"]
    mapping = build_mapping(header, "google")
    assert mapping.columns["E-mail 17 - Value"] == "emails[17]"
    assert mapping.columns["E-mail 17 - Label"] == "emails[17].label"
    assert mapping.columns["Phone 3 - Value"] == "phones[3]"
    assert mapping.columns["Address 2 - City"] == "city[2]"


def test_other_record_types_detect_only_generic_or_fields() -> None:
    assert detect_format(["Deal - Title", "Deal - Value", "Deal - Currency"], "deals").name == "generic"
    assert detect_format(["title", "amount", "currency"], "deals").name == "fields"
    assert detect_format(["First Name", "E-mail 1 - Value"], "companies").name == "generic"


def test_get_format_and_record_types() -> None:
    assert get_format("Outlook-DE").name == "outlook_de"
    with pytest.raises(Invalid, match="unknown format 'excel'.*google"):
        get_format("excel")
    assert record_type_name("Follow-ups") == "followups"
    assert record_type_name("company") == "companies"
    with pytest.raises(Invalid, match="unknown record type"):
        record_type_name("unicorns")


# ---------------------------------------------------------------------------
# Whole files
# ---------------------------------------------------------------------------


def test_google_contacts_export() -> None:
    result = parse_csv(GOOGLE.encode("utf-8"))
    assert result.format.name == "google"
    jose, taro, zoe, nobody = result.rows
    assert jose.line == 2 and jose.errors == []
    assert jose.data == {
        "first_name": "José",
        "last_name": "Núñez",
        "company": "Acme Ibérica",
        "title": "Director",
        "birthday": date(YEARLESS_YEAR, 3, 14),
        "notes": 'Met at the "Madrid" fair.\nLikes coffee, not tea.',
        "tags": ["Friends", "Clients"],
        "emails": [("work", "jose@acme.es"), ("work", "pepe@acme.es"), ("home", "jose.nunez@example.com")],
        "phones": [("mobile", "+34 600 123 456"), ("work", "+34 91 123 45 67"), ("work", "+34 91 765 43 21")],
        "street": "Calle Mayor 1\n3º izquierda",
        "city": "Madrid",
        "postal_code": "28013",
        "country": "Spain",
        "website": "https://acme.es/jose",
        "fields": {
            "middle_name": "María",
            "nickname": "Pepe",
            "department": "Ventas",
            "Customer number": "C-1042",
        },
    }
    assert taro.data["first_name"] == "太郎" and taro.data["last_name"] == "山田"
    assert taro.data["tags"] == ["取引先"]
    assert taro.data["emails"] == [("other", "taro@example.jp")]
    assert taro.data["phones"] == [("", "03-1234-5678")]
    assert taro.data["birthday"] == date(1980, 7, 1)
    assert (jose.line, taro.line, zoe.line, nobody.line) == (2, 6, 7, 8)  # José's quoted cells span 4 lines
    assert [str(e) for e in zoe.errors] == ["line 7, column \"E-mail 1 - Value\": 'zoe@' is not an email address"]
    assert "emails" not in zoe.data and "tags" not in zoe.data
    assert [str(e) for e in nobody.errors] == ["line 8: a contact needs a first name, a last name or an email address"]
    assert result.errors == zoe.errors + nobody.errors


def test_google_legacy_export() -> None:
    result = parse_csv(GOOGLE_LEGACY.encode("utf-8"))
    assert result.format.name == "google"
    (row,) = result.rows
    assert row.errors == []
    assert row.data == {
        "name": "François Dupont",
        "first_name": "François",
        "last_name": "Dupont",
        "birthday": date(1975, 11, 2),
        "gender": "male",
        "tags": ["Golf"],
        "emails": [("home", "francois@example.fr"), ("work", "f.dupont@societe.fr")],
        "phones": [("mobile", "+33 6 11 22 33 44")],
        "company": "Société X",
        "title": "PDG",
        "fields": {"department": "Direction"},
    }


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_outlook_utf16_export(delimiter: str) -> None:
    data = outlook_text(delimiter).encode("utf-16")  # Outlook's "Unicode" CSV: UTF-16 LE with BOM
    result = parse_csv(data)
    assert result.format.name == "outlook"
    anna, lukasz = result.rows
    assert anna.errors == []
    assert anna.data == {
        "first_name": "Anna",
        "last_name": "Kowalski",
        "company": "Contoso Ltd",
        "title": "Chief Scientist",
        "street": "1 Microsoft Way\nSuite 200",
        "city": "Redmond",
        "region": "WA",
        "postal_code": "98052",
        "country": "United States",
        "phones": [("fax", "+1 425 555 0199"), ("work", "+1 425 555 0100"), ("mobile", "+1 425 555 0101")],
        "birthday": date(1970, 12, 31),
        "tags": ["VIP", "Customers"],
        "emails": [("", "anna@contoso.com"), ("", "anna.k@example.org")],
        "gender": "female",
        "notes": "Prefers email.\nAsk about the grant.",
        "website": "https://contoso.com",
        "fields": {"name_prefix": "Dr.", "department": "Research"},
    }
    assert lukasz.errors == []
    assert lukasz.data == {
        "first_name": "Łukasz",
        "last_name": "Żółć",
        "street": "ul. Długa 5",
        "city": "Gdańsk",
        "postal_code": "80-001",
        "country": "Poland",
        "phones": [("home", "+48 58 555 00 00")],
        "emails": [("", "lukasz@example.pl")],
    }


def test_german_outlook_semicolon_crlf_cp1252() -> None:
    data = OUTLOOK_DE.encode("cp1252")
    assert b"\r\n" in data and b"\xe9" in data  # é of Renée in cp1252
    result = parse_csv(data)
    assert result.table.delimiter == ";"
    assert result.format.name == "outlook_de"
    juergen, renee = result.rows
    assert juergen.errors == [] and renee.errors == []
    assert juergen.data == {
        "first_name": "Jürgen",
        "last_name": "Groß",
        "company": "Müller & Söhne GmbH",
        "title": "Einkaufsleiter",
        "street": "Königstraße 12",
        "city": "Stuttgart",
        "region": "BW",
        "postal_code": "70173",
        "country": "Deutschland",
        "phones": [("fax", "+49 711 123457"), ("work", "+49 711 123456"), ("mobile", "+49 170 1234567")],
        "emails": [("", "juergen.gross@mueller-soehne.de"), ("", "j.gross@example.de")],
        "birthday": date(1968, 12, 31),
        "gender": "male",
        "tags": ["Lieferanten"],
        "notes": "Rückruf am Montag; Preise für 2025, Rabatt 3,5 %",
        "fields": {"name_prefix": "Herr", "department": "Einkauf"},
    }
    assert renee.data["first_name"] == "Renée"
    assert renee.data["last_name"] == "Åström"
    assert renee.data["birthday"] == date(1990, 2, 1)
    assert renee.data["gender"] == "female"


def test_linkedin_connections() -> None:
    result = parse_csv(LINKEDIN.encode("utf-8"))
    assert result.format.name == "linkedin"
    soren, wei, sam = result.rows
    assert soren.line == 5
    assert soren.data == {
        "first_name": "Søren",
        "last_name": "Kierkegård",
        "website": "https://www.linkedin.com/in/soren",
        "emails": [("", "soren@example.dk")],
        "company": "Nordisk A/S",
        "title": "Product Manager",
        "fields": {"linkedin_connected_on": "15 Mar 2023"},
    }
    assert wei.errors == [] and "emails" not in wei.data
    assert wei.data["company"] == "Huawei Technologies Co., Ltd."
    assert sam.line == 7


def test_hubspot_export() -> None:
    result = parse_csv(HUBSPOT.encode("utf-8"))
    assert result.format.name == "hubspot"
    chloe, lead = result.rows
    assert chloe.data == {
        "external_id": "5101",
        "first_name": "Chloé",
        "last_name": "Martin",
        "emails": [("", "chloe@example.com")],
        "phones": [("", "+1 212 555 0142"), ("mobile", "+1 917 555 0199")],
        "company": "Initech",
        "title": "VP Sales",
        "stage": "mql",
        "city": "New York",
        "region": "NY",
        "country": "United States",
        "fields": {"lead_status": "Open", "owner": "Maria Owner"},
    }
    assert lead.errors == []
    assert lead.data == {"external_id": "5102", "emails": [("", "lead-only@example.com")], "stage": "subscriber"}


def test_salesforce_export() -> None:
    result = parse_csv(SALESFORCE.encode("utf-8"))
    assert result.format.name == "salesforce"
    (row,) = result.rows
    assert row.errors == []
    assert row.data == {
        "external_id": "0035g00000AbCdE",
        "first_name": "Ingrid",
        "last_name": "Bergström",
        "title": "CFO",
        "company": "Umbrella Corp",
        "emails": [("", "ingrid@umbrella.example")],
        "phones": [("work", "(555) 010-2000"), ("mobile", "555-010-3000")],
        "street": "42 Elm St\nBuilding B",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "USA",
        "source": "Web",
        "birthday": date(1985, 4, 5),
        "notes": "Key account.\nRenewal in Q3.",
        "fields": {"name_prefix": "Ms."},
    }


def test_pipedrive_exports() -> None:
    (olga,) = parse_csv(PIPEDRIVE.encode("utf-8")).rows
    assert olga.data == {
        "name": "Olga Petrova",
        "first_name": "Olga",
        "last_name": "Petrova",
        "emails": [("work", "olga@firm.example"), ("home", "olga.p@example.com")],
        "phones": [("work", "+7 495 123 4567"), ("mobile", "+7 916 123 4567")],
        "company": "Firm LLC",
        "tags": ["Hot lead", "Customer"],
        "fields": {"owner": "Ivan"},
    }
    (ludwig,) = parse_csv(PIPEDRIVE_PLAIN.encode("utf-8")).rows
    assert ludwig.data["first_name"] == "Ludwig"
    assert ludwig.data["last_name"] == "van Beethoven"
    assert ludwig.data["external_id"] == "77"
    assert ludwig.data["tags"] == ["Cold lead"]


def test_thunderbird_export() -> None:
    result = parse_csv(THUNDERBIRD.encode("utf-8"))
    assert result.format.name == "thunderbird"
    inge, kim = result.rows
    assert inge.errors == []
    assert inge.data == {
        "first_name": "Ingeborg",
        "last_name": "Ærø",
        "name": "Ingeborg Ærø",
        "emails": [("", "inge@example.no"), ("", "inge2@example.no")],
        "phones": [("work", "+47 22 00 00 00"), ("mobile", "+47 900 00 000")],
        "street": "Karl Johans gate 1",
        "city": "Oslo",
        "postal_code": "0154",
        "country": "Norway",
        "title": "Editor",
        "company": "Aftenposten",
        "website": "https://example.no",
        "birthday": date(1985, 6, 30),
        "notes": "Note",
        "fields": {"nickname": "Inge", "department": "News", "custom1": "blue"},
    }
    assert kim.data["birthday"] == date(YEARLESS_YEAR, 2, 29)


def test_generic_file_maps_synonyms() -> None:
    result = parse_csv(GENERIC.encode("utf-8"))
    assert result.format.name == "generic"
    assert result.mapping.columns == {
        "Full Name": "name",
        "E-mail": "emails",
        "Mobile": "phones:mobile",
        "Organization": "company",
    }
    assert result.mapping.unmapped(result.table.header) == ["Favourite colour"]
    ada, chen = result.rows
    assert ada.data == {
        "name": "Ada Lovelace",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "emails": [("", "ada@example.org")],
        "phones": [("mobile", "+44 20 7946 0000")],
        "company": "Analytical Engines",
    }
    assert chen.data["emails"] == [("", "chen.jing@example.cn"), ("", "cj@example.cn")]


def test_map_options_override_detection() -> None:
    result = parse_csv(
        GENERIC.encode("utf-8"),
        maps=["favourite colour=field:colour", "Mobile=ignore", "E-mail=emails:work"],
    )
    ada = result.rows[0]
    assert ada.data["fields"] == {"colour": "green"}
    assert "phones" not in ada.data
    assert ada.data["emails"] == [("work", "ada@example.org")]
    with pytest.raises(Invalid, match="no column 'Shoe size'"):
        parse_csv(GENERIC.encode("utf-8"), maps=["Shoe size=notes"])


def test_forced_format_and_date_order(tmp_path: Path) -> None:
    text = "Name,Birthday\nAnn Smith,03/04/1990\nBob Jones,13/04/1990\n"
    rows = parse_csv(text.encode()).rows
    assert rows[0].data["birthday"] == date(1990, 3, 4)  # US order by default
    assert rows[1].data["birthday"] == date(1990, 4, 13)  # a first number over 12 is a day
    path = tmp_path / "map.toml"
    path.write_text('date_order = "dmy"\n[mapping]\n"Name" = "name"\n', encoding="utf-8")
    rows = parse_csv(text.encode(), mapping=load_mapping(path)).rows
    assert rows[0].data["birthday"] == date(1990, 4, 3)


# ---------------------------------------------------------------------------
# Mappings
# ---------------------------------------------------------------------------


def test_parse_map_option() -> None:
    assert parse_map_option("Handy=phones:mobile") == {"Handy": "phones:mobile"}
    assert parse_map_option(["A=ignore", "B = email", "C=Field:Shoe Size", "D=emails[2].label", "x=y=tags"]) == {
        "A": "ignore",
        "B": "emails",
        "C": "field:Shoe Size",
        "D": "emails[2].label",
        "x=y": "tags",
    }
    assert parse_map_option("Value=amount", "deals") == {"Value": "amount"}


@pytest.mark.parametrize("option", ["Foo=shoe_size", "Foo=notes.label", "Foo=city:x", "Foo=amount"])
def test_parse_map_option_unknown_field(option: str) -> None:
    with pytest.raises(Invalid) as info:
        parse_map_option(option)
    assert "valid fields: " in info.value.message
    assert "first_name" in info.value.message and "field:KEY" in info.value.message


def test_parse_map_option_malformed() -> None:
    with pytest.raises(Invalid, match="COLUMN=FIELD"):
        parse_map_option("no equals sign")
    with pytest.raises(Invalid, match="column is empty"):
        parse_map_option("=notes")
    with pytest.raises(Invalid, match="unknown field 'field:x' for deals"):
        parse_map_option("A=field:x", "deals")


def test_mapping_file_round_trip(tmp_path: Path) -> None:
    header = read_table(GOOGLE).header
    mapping = build_mapping(header, overrides=[{"Notes": "ignore", "Custom Field 1 - Value": "field:customer"}])
    mapping.date_order = "dmy"
    path = tmp_path / "google.toml"
    save_mapping(mapping, path)
    text = path.read_text(encoding="utf-8")
    assert 'format = "google"' in text and 'type = "contacts"' in text and "[mapping]" in text
    assert '"E-mail 1 - Value" = "emails[1]"' in text
    loaded = load_mapping(path)
    assert loaded == mapping
    rows = list(records(read_table(GOOGLE), loaded))
    assert "notes" not in rows[0].data
    assert rows[0].data["fields"]["customer"] == "C-1042"


def test_load_mapping_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile, match="cannot read mapping file"):
        load_mapping(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[mapping\n", encoding="utf-8")
    with pytest.raises(InvalidFile, match="not valid TOML"):
        load_mapping(bad)
    bad.write_text('[mapping]\n"Col" = "nonsense"\n', encoding="utf-8")
    with pytest.raises(Invalid, match="unknown field 'nonsense'"):
        load_mapping(bad)
    bad.write_text('format = "lotus"\n', encoding="utf-8")
    with pytest.raises(Invalid, match="unknown format 'lotus'"):
        load_mapping(bad)
    bad.write_text('[mapping]\n"Col" = 3\n', encoding="utf-8")
    with pytest.raises(InvalidFile, match="must be a string"):
        load_mapping(bad)


def test_mapping_file_for_other_record_type(tmp_path: Path) -> None:
    path = tmp_path / "deals.toml"
    path.write_text('type = "deals"\n[mapping]\n"Opportunity" = "title"\n"Worth" = "amount"\n', encoding="utf-8")
    mapping = load_mapping(path)
    assert mapping.record_type == "deals" and mapping.format is None
    result = parse_csv(b"Opportunity,Worth,Currency\nBig one,1000.50,eur\n", record_type="deals", mapping=mapping)
    assert result.rows[0].data == {"title": "Big one", "amount": "1000.50", "currency": "EUR"}


def test_build_mapping_strict_and_lenient_overrides() -> None:
    header = ["Name", "Mail"]
    mapping = build_mapping(header, overrides=[{"mail": "emails:home", "Nope": "notes"}])
    assert mapping.columns == {"Name": "name", "Mail": "emails:home"}
    with pytest.raises(Invalid, match="no column 'Nope'; its columns are: 'Name', 'Mail'"):
        build_mapping(header, overrides=[{"Nope": "notes"}], strict=True)
    assert Mapping(columns={"E-Mail ": "emails"}).target("e-mail") == "emails"


# ---------------------------------------------------------------------------
# Records: values and validation
# ---------------------------------------------------------------------------


def parse_rows(text: str, record_type: str = "contacts") -> list:
    return parse_csv(text.encode("utf-8"), record_type=record_type).rows


def test_bad_email_error_message() -> None:
    text = "first_name,emails\n" + "\n".join(f"P{i},p{i}@example.com" for i in range(10)) + "\nBob,bob@\n"
    rows = parse_rows(text)
    assert [str(e) for e in rows[-1].errors] == ["line 12, column \"emails\": 'bob@' is not an email address"]
    assert rows[-1].errors[0] == CellError(12, "emails", "'bob@' is not an email address")


def test_bad_date_and_phone_errors() -> None:
    rows = parse_rows("Name,Birthday,Phone\nAnn,31/31/1990,n/a\n")
    assert [str(e) for e in rows[0].errors] == [
        "line 2, column \"Birthday\": '31/31/1990' is not a date",
        "line 2, column \"Phone\": 'n/a' is not a phone number",
    ]


def test_contact_needs_name_or_email() -> None:
    rows = parse_rows("Company,Email\nAcme,\nAcme,info@acme.example\n")
    assert [str(e) for e in rows[0].errors] == ["line 2: a contact needs a first name, a last name or an email address"]
    assert rows[1].errors == []


def test_email_cleanup() -> None:
    rows = parse_rows('Email\n"Bob Smith <Bob@Example.COM>"\nmailto:ann@EXAMPLE.org\n')
    assert rows[0].data["emails"] == [("", "Bob@example.com")]
    assert rows[1].data["emails"] == [("", "ann@example.org")]
    assert normalize_email(" x@y.co ") == "x@y.co"
    for bad in ["bob@", "@x.com", "a b@x.com", "a@b", "a@b.", "a@@b.com", "a@b.c0m."]:
        with pytest.raises(ValueError, match="is not an email address"):
            normalize_email(bad)


def test_exchange_internal_addresses_are_skipped() -> None:
    text = "First Name,E-mail Address,E-mail Type,E-mail 2 Address,Business Phone\n"
    text += "Kai,/o=ExchangeLabs/ou=Exchange Administrative Group/cn=Recipients/cn=kai,EX,kai@example.com,\n"
    (row,) = parse_rows(text)
    assert row.errors == [] and row.data["emails"] == [("", "kai@example.com")]


def test_records_checks_targets_against_record_type() -> None:
    table = read_table("Name,Email\nAnn,ann@example.com\n")
    mapping = build_mapping(table.header)
    with pytest.raises(Invalid, match="unknown field 'name' for deals"):
        list(records(table, mapping, "deals"))


def test_labels_are_normalised() -> None:
    assert normalize_label("* Work") == "work"
    assert normalize_label("_$!<Mobile>!$_") == "mobile"
    assert normalize_label("Business") == "work"
    assert normalize_label("CELL") == "mobile"
    assert normalize_label("Assistant") == "assistant"
    assert normalize_label(None) == ""


@pytest.mark.parametrize(
    ("full", "first", "last"),
    [
        ("Ada Lovelace", "Ada", "Lovelace"),
        ("Lovelace, Ada", "Ada", "Lovelace"),
        ("Madonna", "Madonna", None),
        ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
        ("Maria de la Cruz", "Maria", "de la Cruz"),
        ("Martin Luther King Jr.", "Martin Luther", "King Jr."),
        ("José  María   Núñez", "José María", "Núñez"),
        ("山田太郎", None, "山田太郎"),
        ("山田 太郎", None, "山田 太郎"),
        ("김민준", None, "김민준"),
        ("", None, None),
    ],
)
def test_split_name(full: str, first: str | None, last: str | None) -> None:
    assert split_name(full) == (first, last)


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("1990-12-31", "mdy", date(1990, 12, 31)),
        ("1990/12/31", "mdy", date(1990, 12, 31)),
        ("19901231", "mdy", date(1990, 12, 31)),
        ("1990-12-31T00:00:00Z", "mdy", date(1990, 12, 31)),
        ("12/31/1990", "mdy", date(1990, 12, 31)),
        ("12/31/1990", "dmy", date(1990, 12, 31)),
        ("31/12/1990", "mdy", date(1990, 12, 31)),
        ("04/05/1985", "dmy", date(1985, 5, 4)),
        ("4/5/85", "mdy", date(1985, 4, 5)),
        ("1/2/05", "mdy", date(2005, 1, 2)),
        ("31.12.1990", "mdy", date(1990, 12, 31)),
        ("1.2.1990", "mdy", date(1990, 2, 1)),
        ("15 Mar 2023", "mdy", date(2023, 3, 15)),
        ("15. März 2023", "mdy", date(2023, 3, 15)),
        ("March 15, 2023", "mdy", date(2023, 3, 15)),
        ("--03-14", "mdy", date(YEARLESS_YEAR, 3, 14)),
        ("--0229", "mdy", date(YEARLESS_YEAR, 2, 29)),
        ("0/0/00", "mdy", None),
        ("00.00.0000", "mdy", None),
        ("", "mdy", None),
        ("12/31/1990 12:00:00 AM", "mdy", date(1990, 12, 31)),
    ],
)
def test_parse_date(text: str, order: str, expected: date | None) -> None:
    assert parse_date(text, order) == expected


@pytest.mark.parametrize("text", ["1990", "31/31/1990", "2023-02-30", "yesterday", "12/31/1990 extra", "--13-01"])
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(text)


def test_parse_datetime() -> None:
    assert parse_datetime("2024-05-01") == (date(2024, 5, 1), False)
    assert parse_datetime("2024-05-01 14:30") == (datetime(2024, 5, 1, 14, 30), True)
    assert parse_datetime("2024-05-01T14:30:15Z") == (datetime(2024, 5, 1, 14, 30, 15, tzinfo=UTC), True)
    value, has_time = parse_datetime("2024-05-01T14:30+02:00")
    assert value == datetime(2024, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2))) and has_time
    assert parse_datetime("05/01/2024 2:30 PM") == (datetime(2024, 5, 1, 14, 30), True)
    assert parse_datetime("01.05.2024 09:05:07") == (datetime(2024, 5, 1, 9, 5, 7), True)
    with pytest.raises(ValueError):
        parse_datetime("2024-05-01 25:00")


def test_deals_interactions_followups_companies() -> None:
    deals = parse_rows(
        "Deal - Title,Deal - Value,Deal - Currency,Deal - Probability,Deal - Expected close date,"
        "Deal - Contact person,Deal - Organization,Deal - Stage,Deal - Pipeline,Deal - Owner\n"
        "Renewal 2025,12500.00,€,75%,2025-06-30,ann@example.com,Acme,Proposal,Sales,Maria\n"
        "Tiny,1,dollars,0.25,2025-13-01,,,,,\n"
        ",5,USD,150,,,,,,\n",
        "deals",
    )
    assert deals[0].errors == []
    assert deals[0].data == {
        "title": "Renewal 2025",
        "amount": "12500.00",
        "currency": "EUR",
        "probability": 75,
        "expected_close": date(2025, 6, 30),
        "contact": "ann@example.com",
        "company": "Acme",
        "stage": "Proposal",
        "pipeline": "Sales",
        "owner": "Maria",
    }
    assert deals[1].data["probability"] == 25
    assert [str(e) for e in deals[1].errors] == [
        "line 3, column \"Deal - Currency\": 'dollars' is not a currency code (such as EUR, USD)",
        "line 3, column \"Deal - Expected close date\": '2025-13-01' is not a date",
    ]
    assert [e.message for e in deals[2].errors] == ["'150' is not a probability (0-100)", "a deal needs a title"]

    interactions = parse_rows(
        "Type,Subject,Description,Date,Direction,Contact\n"
        "Call,Intro call,Talked about pricing,2024-03-01 10:15,Outbound,ann@example.com\n"
        "Email,Follow-up,,2024-03-02,incoming,\n",
        "interactions",
    )
    assert interactions[0].data == {
        "kind": "call",
        "summary": "Intro call",
        "body": "Talked about pricing",
        "occurred_at": datetime(2024, 3, 1, 10, 15),
        "direction": "out",
        "contact": "ann@example.com",
    }
    assert interactions[1].data["occurred_at"] == datetime(2024, 3, 2)
    assert interactions[1].data["direction"] == "in"

    followups = parse_rows(
        "title,due,priority,assignee,contact\n"
        "Call back,2024-04-01,High,maria,Ann Smith\n"
        "Send quote,2024-04-02 09:00,,,\n",
        "followups",
    )
    assert followups[0].data == {
        "title": "Call back",
        "due": date(2024, 4, 1),
        "priority": "high",
        "assignee": "maria",
        "contact": "Ann Smith",
    }
    assert followups[1].data["due"] == datetime(2024, 4, 2, 9, 0)

    companies = parse_rows(
        "Company Name,Domain,Industry,Employees,City,Tags\n"
        "Acme Inc,https://www.Acme.example/about,Manufacturing,51-200,Springfield,b2b; enterprise\n"
        "Broken,not a domain,,,,\n",
        "companies",
    )
    assert companies[0].data == {
        "name": "Acme Inc",
        "domain": "acme.example",
        "industry": "Manufacturing",
        "size": "51-200",
        "city": "Springfield",
        "tags": ["b2b", "enterprise"],
    }
    assert [e.message for e in companies[1].errors] == ["'not a domain' is not a domain name"]


# ---------------------------------------------------------------------------
# Formula escaping and writing
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("=SUM(A1:A3)", "'=SUM(A1:A3)"),
        ("+1 555 0100", "'+1 555 0100"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=already", "''=already"),
        ("'plain", "'plain"),
        ("", ""),
        ("Ann", "Ann"),
        ("a=b", "a=b"),
    ],
)
def test_escape_formula(raw: str, escaped: str) -> None:
    assert escape_formula(raw) == escaped
    assert unescape_formula(escaped) == raw


@settings(database=None)
@given(st.text())
def test_unescape_inverts_escape(value: str) -> None:
    assert unescape_formula(escape_formula(value)) == value
    assert not escape_formula(value).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_format_cell() -> None:
    assert format_cell(None) == ""
    assert format_cell([("work", "a@x.com"), ("", "b@y.com")]) == "work: a@x.com; b@y.com"
    assert format_cell(["a", "b"]) == "a; b"
    assert format_cell(date(YEARLESS_YEAR, 3, 14)) == "--03-14"
    assert format_cell(date(1990, 1, 2)) == "1990-01-02"
    assert format_cell(True) == "true"
    assert format_cell({"k": "v", "n": 2}) == "k=v; n=2"


def test_write_csv_then_parse_round_trip() -> None:
    contacts = [
        {
            "id": 1,
            "first_name": "Zoë",
            "last_name": "O'Brien",
            "emails": [("work", "zoe@example.ie"), ("", "z@example.com")],
            "phones": [("", "+1 555 0100"), ("mobile", "+353 87 123 4567")],
            "company": "=cmd|' /C calc'!A0",
            "title": "-",
            "tags": ["vip", "@home"],
            "stage": "customer",
            "birthday": date(YEARLESS_YEAR, 2, 29),
            "street": "1 Main St\nFlat 2",
            "notes": 'Said "hi",\nthen left.',
            "fields": {"shoe size": "42", "formula": "+SUM(1)"},
        },
        {"id": 2, "first_name": "山田", "last_name": "太郎", "birthday": date(1980, 1, 2)},
    ]
    columns = ["id", "first_name", "last_name", "emails", "phones", "company", "title", "tags", "stage", "birthday"]
    columns += ["street", "notes", "created_at", "field:shoe size", "field:formula"]
    out = io.StringIO(newline="")
    assert write_csv(contacts, columns, out) == 2
    text = out.getvalue()
    assert "'=cmd" in text and "'+1 555 0100" in text and "'-" in text and "'+SUM(1)" in text
    assert text.endswith("\r\n")
    result = parse_csv(text.encode("utf-8"))
    assert result.format.name == "termcrm"
    assert result.mapping.unmapped(result.table.header) == ["created_at"]
    first, second = result.rows
    assert first.errors == [] and second.errors == []
    expected = {key: value for key, value in contacts[0].items()}
    assert first.data == expected
    assert second.data == contacts[1]


def test_write_csv_without_escaping() -> None:
    out = io.StringIO()
    write_csv([{"a": "=1", "b": None}], ["a", "b"], out, escape_formulas=False)
    assert out.getvalue() == "a,b\r\n=1,\r\n"


def test_field_names_are_documented_targets() -> None:
    assert FIELD_NAMES["contacts"][:3] == ("id", "first_name", "last_name")
    for kind, names in FIELD_NAMES.items():
        for name in names:
            assert parse_map_option(f"col={name}", kind) == {"col": name}


# ---------------------------------------------------------------------------
# Robustness: nothing but Invalid / InvalidFile escapes
# ---------------------------------------------------------------------------

_csvish = st.lists(
    st.sampled_from(
        list(',;\t"\r\n =+-@:.abcXYZ019éß山\ufeff/') + ["E-mail 1 - Value", "First Name", " ::: ", "--03-14"]
    ),
    max_size=200,
).map("".join)


def _run_pipeline(data: bytes, record_type: str) -> None:
    try:
        text = decode(data)
        table = read_table(text)
        spec = detect_format(table.header, record_type)
        mapping = build_mapping(table.header, spec, record_type)
        for row in records(table, mapping):
            assert row.line >= 1
            for error in row.errors:
                assert str(error).startswith(f"line {error.line}")
    except (Invalid, InvalidFile):
        pass


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=400), st.sampled_from(["contacts", "companies", "deals", "interactions", "followups"]))
def test_arbitrary_bytes_raise_only_domain_errors(data: bytes, record_type: str) -> None:
    _run_pipeline(data, record_type)


@settings(max_examples=300, deadline=None, database=None)
@given(_csvish, st.sampled_from(["utf-8", "utf-16", "cp1252"]), st.sampled_from(["contacts", "deals", "followups"]))
def test_arbitrary_csvish_text_raises_only_domain_errors(text: str, codec: str, record_type: str) -> None:
    _run_pipeline(text.encode(codec, errors="replace"), record_type)


_HEADERS = [
    read_table(text).header
    for text in (GOOGLE, GOOGLE_LEGACY, outlook_text(), OUTLOOK_DE, LINKEDIN, HUBSPOT, SALESFORCE, PIPEDRIVE)
] + [read_table(THUNDERBIRD).header, read_table(GENERIC).header, list(FIELD_NAMES["contacts"])]
_cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "a@b.co", "bob@", "+1 555", "--03-14", "0/0/00", "31.12.1990", "x ::: * y", "'=1", "12"]),
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.sampled_from(_HEADERS), st.lists(st.lists(_cell, max_size=45), min_size=1, max_size=6))
def test_arbitrary_rows_under_known_headers(header: list[str], cells: list[list[str]]) -> None:
    buf = io.StringIO()
    columns = [f"c{i}" for i in range(len(header))]
    write_csv(({f"c{i}": v for i, v in enumerate(row)} for row in cells), columns, buf, escape_formulas=False)
    text = buf.getvalue().split("\r\n", 1)[1]
    for kind in ("contacts", "companies"):
        _run_pipeline((",".join(f'"{h}"' for h in header) + "\r\n" + text).encode("utf-8"), kind)
