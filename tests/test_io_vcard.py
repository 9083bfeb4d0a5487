"""The pure vCard layer: parsing 2.1 / 3.0 / 4.0 files as real programs write them, and writing them back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import vobject  # type: ignore[import-untyped]
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from termcrm.errors import Invalid, InvalidFile
from termcrm.io.csvread import YEARLESS_YEAR
from termcrm.io.vcard import (
    VCardContact,
    VCardError,
    parse_vcard_dir,
    parse_vcards,
    write_vcard,
    write_vcard_dir,
    write_vcards,
)


def crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


# An old Nokia / Outlook style vCard 2.1: bare types, quoted-printable with soft line breaks.
VCARD_21 = (
    b"BEGIN:VCARD\r\n"
    b"VERSION:2.1\r\n"
    b"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;Dr.;\r\n"
    b"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Dr. J=C3=BCrgen M=C3=BCller\r\n"
    b"ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller & S=C3=B6hne GmbH;Einkauf\r\n"
    b"TITLE:Einkaufsleiter\r\n"
    b"TEL;WORK;VOICE:+49 711 123456\r\n"
    b"TEL;CELL:+49 170 1234567\r\n"
    b"TEL;WORK;FAX:+49 711 123457\r\n"
    b"EMAIL;PREF;INTERNET:juergen@mueller-soehne.de\r\n"
    b"ADR;WORK;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;K=C3=B6nigstra=C3=9Fe 12;Stuttgart;BW;70173;Deutschland\r\n"
    b"NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:R=C3=BCckruf am Montag.=0D=0APreise f=C3=BCr 2025 =\r\n"
    b"anfragen, Rabatt 3,5 % pr=C3=BCfen=\r\n"
    b" und best=C3=A4tigen.\r\n"
    b"BDAY:19681231\r\n"
    b"END:VCARD\r\n"
    b"BEGIN:VCARD\r\n"
    b"VERSION:2.1\r\n"
    b"N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Dupr=E9;Ren=E9e\r\n"
    b"TEL;HOME:+33 1 23 45 67 89\r\n"
    b"EMAIL;INTERNET:renee@example.fr\r\n"
    b"END:VCARD\r\n"
)

# An iPhone / macOS Contacts export: item groups with X-ABLabel, type= params, Apple's year-less birthday.
APPLE = """BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//iPhone OS 17.4//EN
N:Dupont;Élodie;;;
FN:Élodie Dupont
ORG:Société Générale;Finance
TITLE:Analyste
item1.EMAIL;type=INTERNET;type=pref:elodie@example.fr
item1.X-ABLabel:_$!<Work>!$_
item2.EMAIL;type=INTERNET:elodie.perso@example.com
item2.X-ABLabel:Perso
TEL;type=CELL;type=VOICE;type=pref:+33 6 12 34 56 78
item3.TEL:+33 1 23 45 67 00
item3.X-ABLabel:Assistante
item4.ADR;type=HOME;type=pref:;;12 rue de la Paix;Paris;;75002;France
item4.X-ABADR:fr
BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-14
item5.URL;type=pref:https://example.fr/elodie
item5.X-ABLabel:_$!<HomePage>!$_
CATEGORIES:Clients,VIP
UID:6B29FC40-CA47-1067-B31D-00DD010662DA
END:VCARD
"""

# A Google Contacts / Nextcloud style vCard 3.0 with folded lines and escapes.
GOOGLE_30 = """BEGIN:VCARD
VERSION:3.0
FN:山田 太郎
N:山田;太郎;;;
NICKNAME:Taro
EMAIL;TYPE=INTERNET;TYPE=WORK:taro@yamada-shoji.example.jp
EMAIL;TYPE=INTERNET;TYPE=HOME:taro@example.jp
EMAIL;TYPE=INTERNET:bad@
TEL;TYPE=WORK:03-1234-5678
TEL;TYPE=CELL:090-1234-5678
ADR;TYPE=WORK:;;銀座1-2-3;中央区;東京都;104-0061;日本
ORG:山田商事株式会社
TITLE:代表取締役
BDAY:1975-07-01
NOTE:First line\\nSecond line\\, with a comma\\; and a semicolon. This note is lo
 ng enough to be folded over several lines by any well-behaved vCard writer
 \\, like Google's.
URL:https://yamada-shoji.example.jp
CATEGORIES:取引先,myContacts
UID:a1b2c3
END:VCARD
"""

VCARD_40 = """BEGIN:VCARD
VERSION:4.0
FN:Alex Kim
N:Kim;Alex;;;
GENDER:O;non-binary
EMAIL;TYPE="work,internet";PREF=1:alex@example.com
TEL;VALUE=uri;TYPE="cell,voice":tel:+1-555-555-0100
TEL;TYPE=home;VALUE=text:+1 555 555 0101
BDAY:--0229
ADR;LABEL="1 Main St\\nSpringfield, IL";TYPE=work:;;1 Main St;Springfield;IL;62701;USA
ADR;TYPE=home:;;2 Other Rd;Shelbyville;IL;;USA
CATEGORIES:friends
NOTE:Met at PyCon.
X-TERMCRM-STAGE:customer
X-TERMCRM-SOURCE:conference
X-TERMCRM-EXTERNAL-ID:hs-42
X-TERMCRM-FIELD:shoe size;44
UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1
END:VCARD
"""


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


def test_vcard_21_quoted_printable() -> None:
    juergen, renee = parse_vcards(VCARD_21)
    assert juergen.errors == []
    assert juergen == VCardContact(
        first_name="Jürgen",
        last_name="Müller",
        name="Dr. Jürgen Müller",
        emails=[("", "juergen@mueller-soehne.de")],
        phones=[("work", "+49 711 123456"), ("mobile", "+49 170 1234567"), ("fax", "+49 711 123457")],
        company="Müller & Söhne GmbH",
        title="Einkaufsleiter",
        birthday=date(1968, 12, 31),
        street="Königstraße 12",
        city="Stuttgart",
        region="BW",
        postal_code="70173",
        country="Deutschland",
        notes="Rückruf am Montag.\nPreise für 2025 anfragen, Rabatt 3,5 % prüfen und bestätigen.",
        fields={"name_prefix": "Dr.", "department": "Einkauf"},
    )
    assert juergen.line == 1
    assert renee.first_name == "Renée" and renee.last_name == "Dupré"
    assert renee.name == "Renée Dupré"
    assert renee.phones == [("home", "+33 1 23 45 67 89")]
    assert renee.line == 17


def test_apple_labels_and_yearless_birthday() -> None:
    (elodie,) = parse_vcards(APPLE.encode("utf-8"))
    assert elodie.errors == []
    assert elodie == VCardContact(
        uid="6B29FC40-CA47-1067-B31D-00DD010662DA",
        first_name="Élodie",
        last_name="Dupont",
        name="Élodie Dupont",
        emails=[("work", "elodie@example.fr"), ("perso", "elodie.perso@example.com")],
        phones=[("mobile", "+33 6 12 34 56 78"), ("assistante", "+33 1 23 45 67 00")],
        company="Société Générale",
        title="Analyste",
        tags=["Clients", "VIP"],
        birthday=date(YEARLESS_YEAR, 3, 14),
        street="12 rue de la Paix",
        city="Paris",
        postal_code="75002",
        country="France",
        website="https://example.fr/elodie",
        fields={"department": "Finance"},
    )


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_utf16_and_bom_files(codec: str) -> None:
    data = APPLE.replace("\n", "\r\n").encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    (elodie,) = parse_vcards(data)
    assert elodie.first_name == "Élodie" and elodie.company == "Société Générale"


def test_google_30_folding_escapes_and_bad_email() -> None:
    (taro,) = parse_vcards(crlf(GOOGLE_30))
    assert taro.name == "山田 太郎"
    assert (taro.first_name, taro.last_name) == ("太郎", "山田")
    assert taro.fields == {"nickname": "Taro"}
    assert taro.emails == [("work", "taro@yamada-shoji.example.jp"), ("home", "taro@example.jp")]
    assert taro.phones == [("work", "03-1234-5678"), ("mobile", "090-1234-5678")]
    assert (taro.street, taro.city, taro.region, taro.postal_code, taro.country) == (
        "銀座1-2-3",
        "中央区",
        "東京都",
        "104-0061",
        "日本",
    )
    assert taro.company == "山田商事株式会社" and taro.title == "代表取締役"
    assert taro.birthday == date(1975, 7, 1)
    assert taro.notes == (
        "First line\nSecond line, with a comma; and a semicolon. This note is long enough to be folded over "
        "several lines by any well-behaved vCard writer, like Google's."
    )
    assert taro.tags == ["取引先", "myContacts"]
    assert taro.uid == "a1b2c3"
    assert [str(e) for e in taro.errors] == ["card 1 (line 8), EMAIL: 'bad@' is not an email address"]
    assert taro.errors[0] == VCardError(card=1, line=8, property="EMAIL", message="'bad@' is not an email address")


def test_vcard_40() -> None:
    (alex,) = parse_vcards(VCARD_40.encode())
    assert alex.errors == []
    assert alex.gender == "non-binary"
    assert alex.emails == [("work", "alex@example.com")]
    assert alex.phones == [("mobile", "+1-555-555-0100"), ("home", "+1 555 555 0101")]
    assert alex.birthday == date(YEARLESS_YEAR, 2, 29)
    assert (alex.street, alex.city, alex.region, alex.postal_code, alex.country) == (
        "1 Main St",
        "Springfield",
        "IL",
        "62701",
        "USA",
    )
    assert alex.tags == ["friends"] and alex.notes == "Met at PyCon."
    assert (alex.stage, alex.source, alex.external_id) == ("customer", "conference", "hs-42")
    assert alex.fields == {"shoe size": "44"}
    assert alex.uid == "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1"


def test_preferred_address_wins_and_fn_only_cards() -> None:
    text = """BEGIN:VCARD
VERSION:3.0
FN:Ludwig van Beethoven
ADR;TYPE=WORK:;;Bonngasse 20;Bonn;;53111;Germany
ADR;TYPE=HOME,PREF:;;Schwarzspanierstraße 15;Wien;;1090;Austria
END:VCARD
BEGIN:VCARD
VERSION:3.0
N:;;;;
FN:Acme Corp
ORG:Acme Corp
EMAIL:info@acme.example
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:
NOTE:nobody
END:VCARD
"""
    ludwig, acme, nobody = parse_vcards(text.encode())
    assert (ludwig.first_name, ludwig.last_name) == ("Ludwig", "van Beethoven")
    assert ludwig.city == "Wien"
    # FN that only repeats ORG (a company card) is no person's name.
    assert (acme.first_name, acme.last_name, acme.name, acme.company) == (None, None, None, "Acme Corp")
    assert acme.errors == []
    assert [str(e) for e in nobody.errors] == [
        "card 3 (line 14), N: a contact needs a first name, a last name or an email address"
    ]


def test_outlook_gender_and_unfolded_base64_photo() -> None:
    text = (
        "BEGIN:VCARD\nVERSION:2.1\nN:Smith;Jane\nX-WAB-GENDER:1\n"
        "PHOTO;TYPE=JPEG;ENCODING=BASE64:\n/9j/4AAQSkZJRgABAQEASABIAAD/2wBD\nAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEY\n"
        "\nEMAIL;INTERNET:jane@example.com\nEND:VCARD\n"
    )
    (jane,) = parse_vcards(text.encode())
    assert jane.gender == "female"
    assert jane.emails == [("", "jane@example.com")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no vCard in the file"),
        (b"\r\n\r\n", "no vCard in the file"),
        (b"Name,Email\nAnn,ann@example.com\n", "line 1: expected BEGIN:VCARD, found 'Name,Email'"),
        (b"BEGIN:VCARD\nVERSION:3.0\nFN:A\n", r"card 1 \(line 1\): no END:VCARD"),
        (
            b"BEGIN:VCARD\nFN:A\nEND:VCARD\nBEGIN:VCARD\nFN:B\nBEGIN:VCARD\nFN:C\nEND:VCARD\n",
            r"card 2 \(line 4\): BEGIN:VCARD at line 6 before END:VCARD",
        ),
        (b"BEGIN:VCARD\nFN:A\nthis is not a property\nEND:VCARD\n", r"card 1 \(line 1\): line 3 is not a vCard"),
        (b"BEGIN:VCARD\nFN:A\nEND:VCARD\ngarbage\n", "line 4: expected BEGIN:VCARD"),
        (b"\x00\x01\x02BEGIN:VCARD", "NUL"),
    ],
)
def test_bad_files_raise_invalid_file(data: bytes, message: str) -> None:
    with pytest.raises(InvalidFile, match=message):
        parse_vcards(data)


def test_bad_birthday_and_phone_are_card_errors() -> None:
    text = "BEGIN:VCARD\nVERSION:3.0\nN:Doe;John\nBDAY:sometime in May\nTEL:n/a\nEND:VCARD\n"
    (john,) = parse_vcards(text.encode())
    assert john.birthday is None and john.phones == []
    assert [str(e) for e in john.errors] == [
        "card 1 (line 4), BDAY: 'sometime in May' is not a date",
        "card 1 (line 5), TEL: 'n/a' is not a phone number",
    ]


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_invalid_file(data: bytes) -> None:
    try:
        parse_vcards(data)
    except InvalidFile:
        pass


_vcardish = st.lists(
    st.sampled_from(
        ["BEGIN:VCARD", "END:VCARD", "\r\n", "\n", " ", ";", ":", "=", ",", "\\", '"', "N", "FN", "EMAIL", "TEL",
         "ADR", "BDAY", "ORG", "item1.", "X-ABLabel", "TYPE=", "ENCODING=QUOTED-PRINTABLE", "CHARSET=UTF-8",
         "=C3=A9", "=\r\n", "--0314", "1604", "X-APPLE-OMIT-YEAR=1604", "a@b.co", "é", "山", "GENDER", "CATEGORIES",
         "X-TERMCRM-FIELD", "BASE64", "PHOTO", "^n", "VERSION:2.1"]
    ),
    max_size=80,
).map("".join)  # fmt: skip


@settings(max_examples=500, deadline=None, database=None)
@given(_vcardish)
def test_arbitrary_vcard_like_text_raises_only_invalid_file(text: str) -> None:
    try:
        contacts = parse_vcards(text.encode("utf-8"))
    except InvalidFile:
        return
    for contact in contacts:
        write_vcards([contact])  # whatever was read can be written


# ---------------------------------------------------------------------------
# Writing and round trips
# ---------------------------------------------------------------------------

FULL = VCardContact(
    uid="9f1c2d3e-0000-4000-8000-000000000001",
    first_name="Zoë",
    last_name="Núñez-O'Brien",
    name="Dr. Zoë Núñez-O'Brien",
    emails=[
        ("work", "zoe@acme.example"),
        ("home", "zoe@example.com"),
        ("", "z@example.org"),
        ("assistant", "pa@acme.example"),
    ],
    phones=[
        ("mobile", "+1 555 0100"),
        ("work", "+1 (555) 010-0200"),
        ("fax", "+1 555 0300"),
        ("car", "+1 555 0400"),
        ("", "0800 123"),
        ("direct line", "+44 20 7946 0000"),
    ],
    company="Acme; Ltd, Inc.",
    title="Chief Executive Officer",
    tags=["vip", "customers, 2024", "東京"],
    stage="customer",
    source="conference",
    birthday=date(1980, 2, 29),
    gender="female",
    street="1 Infinite Loop\nBuilding 2",
    city="Cupertino",
    region="CA",
    postal_code="95014",
    country="United States",
    website="https://acme.example/zoe?x=1,2",
    notes='Met at the "Madrid" fair.\nLikes coffee; not tea.\\n is not a newline.' + " Very long note." * 10,
    external_id="hs-1042",
    fields={
        "middle_name": "María",
        "name_prefix": "Dr.",
        "name_suffix": "PhD",
        "nickname": "Zo",
        "department": "Board; Exec",
        "shoe size": "38",
        "key;with:odd,chars\\": "value;with:odd,chars\\",
    },
)


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_round_trip_all_fields(version: str) -> None:
    text = write_vcards([FULL, VCardContact(first_name="山田", name="山田")], version)
    back = parse_vcards(text.encode("utf-8"))
    assert back[0] == FULL and back[0].errors == []
    assert back[1] == VCardContact(first_name="山田", name="山田")
    assert f"VERSION:{version}" in text


@pytest.mark.parametrize("version", ["3.0", "4.0"])
@pytest.mark.parametrize("sample", [VCARD_21, APPLE.encode(), crlf(GOOGLE_30), VCARD_40.encode()])
def test_every_parsed_contact_round_trips(sample: bytes, version: str) -> None:
    parsed = parse_vcards(sample)
    assert parse_vcards(write_vcards(parsed, version).encode("utf-8")) == parsed


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_round_trip_yearless_birthday_and_genders(version: str) -> None:
    for gender in ["male", "female", "other", "none", "non-binary", None]:
        contact = VCardContact(first_name="A", name="A", birthday=date(YEARLESS_YEAR, 3, 14), gender=gender)
        assert parse_vcards(write_vcard(contact, version).encode()) == [contact]
    assert "BDAY:--0314" in write_vcard(contact, "4.0")
    assert "BDAY:--03-14" in write_vcard(contact, "3.0")


def test_written_lines_are_folded_crlf_and_readable_by_vobject() -> None:
    text = write_vcards([FULL], "3.0")
    lines = text.split("\r\n")
    assert lines[-1] == "" and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    card = vobject.readOne(text)
    assert card.fn.value == FULL.name
    assert card.n.value.family == FULL.last_name and card.n.value.given == FULL.first_name
    assert [e.value for e in card.contents["email"]] == [address for _, address in FULL.emails]
    assert card.org.value == ["Acme; Ltd, Inc.", "Board; Exec"]
    assert card.note.value == FULL.notes
    assert card.uid.value == FULL.uid
    assert card.categories.value == FULL.tags
    card4 = vobject.readOne(write_vcards([FULL], "4.0"))
    assert card4.fn.value == FULL.name


def test_write_rejects_unknown_version() -> None:
    with pytest.raises(Invalid, match="unsupported vCard version '2.1'"):
        write_vcards([FULL], "2.1")
    assert write_vcards([], "4") == ""


_text = (
    st.text(
        alphabet=st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"], blacklist_characters="\x85")
        | st.just("\n"),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéü", min_size=1, max_size=10)
_email = st.builds(lambda a, b: f"{a}@{b}.example", _word, _word)
_label = st.sampled_from(["", "work", "home", "mobile", "fax", "other", "pager", "main", "car", "assistant", "x y"])
_phone = st.from_regex(r"\+?[0-9][0-9 ()-]{2,15}[0-9]", fullmatch=True).map(lambda s: " ".join(s.split()))
_maybe = st.none() | _text


@st.composite
def contacts(draw: st.DrawFn) -> VCardContact:
    first = draw(_text)
    emails = draw(st.lists(st.tuples(_label, _email), max_size=3, unique_by=lambda t: t[1]))
    phones = draw(st.lists(st.tuples(_label, _phone), max_size=3, unique_by=lambda t: t[1]))
    field_keys = st.sampled_from(["middle_name", "name_prefix", "name_suffix", "nickname", "department"]) | _text
    return VCardContact(
        uid=draw(st.none() | _text.map(lambda s: s.replace("\n", " "))),
        first_name=first,
        last_name=draw(_maybe),
        name=draw(_text),
        emails=emails,
        phones=phones,
        company=draw(_maybe),
        title=draw(_maybe),
        tags=draw(st.lists(_text, max_size=3, unique=True)),
        stage=draw(_maybe),
        source=draw(_maybe),
        birthday=draw(st.none() | st.dates(min_value=date(1800, 1, 1))),
        gender=draw(st.none() | st.sampled_from(["male", "female", "other", "non-binary"])),
        street=draw(_maybe),
        city=draw(_maybe),
        region=draw(_maybe),
        postal_code=draw(_maybe),
        country=draw(_maybe),
        website=draw(_maybe),
        notes=draw(_maybe),
        external_id=draw(_maybe),
        fields=draw(
            st.dictionaries(field_keys.map(lambda s: s.replace("\n", " ").strip()).filter(bool), _text, max_size=4)
        ),
    )


@settings(max_examples=200, deadline=None, database=None)
@given(contacts(), st.sampled_from(["3.0", "4.0"]))
def test_round_trip_property(contact: VCardContact, version: str) -> None:
    assume(contact.name != contact.company)  # FN equal to ORG marks a company card: no person's name
    back = parse_vcards(write_vcard(contact, version).encode("utf-8"))
    assert back == [contact]
    assert back[0].errors == []


@settings(max_examples=100, deadline=None, database=None)
@given(contacts())
def test_parse_then_write_is_stable(contact: VCardContact) -> None:
    contact.first_name = contact.last_name = None
    once = parse_vcards(write_vcard(contact).encode())[0]
    assert parse_vcards(write_vcard(once, "4.0").encode()) == [once]


# ---------------------------------------------------------------------------
# Directories (khard / vdirsyncer)
# ---------------------------------------------------------------------------


def test_vcard_dir_round_trip(tmp_path: Path) -> None:
    anon = VCardContact(first_name="No", last_name="Uid", name="No Uid")
    odd = VCardContact(uid="a/b:c", first_name="Odd", name="Odd")
    paths = write_vcard_dir([FULL, anon, odd], tmp_path / "book")
    assert paths[0].name == f"{FULL.uid}.vcf"
    assert paths[2].name == "a_b_c.vcf"
    assert anon.uid is None  # the object is not changed
    (tmp_path / "book" / "README.txt").write_text("not a card", encoding="utf-8")
    back = parse_vcard_dir(tmp_path / "book")
    assert len(back) == 3
    by_name = {c.name: c for c in back}
    assert by_name[FULL.name] == FULL
    assert by_name["Odd"] == odd
    assert by_name["No Uid"].uid and by_name["No Uid"].file == f"{by_name['No Uid'].uid}.vcf"
    assert paths[1].read_bytes().startswith(b"BEGIN:VCARD\r\nVERSION:3.0\r\n")


def test_vcard_dir_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidFile, match="is not a directory"):
        parse_vcard_dir(tmp_path / "missing")
    (tmp_path / "good.vcf").write_bytes(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEMAIL:bad@\r\nEND:VCARD\r\n")
    (good,) = parse_vcard_dir(tmp_path)
    assert [str(e) for e in good.errors] == ["good.vcf: card 1 (line 4), EMAIL: 'bad@' is not an email address"]
    (tmp_path / "z-broken.vcf").write_bytes(b"BEGIN:VCARD\r\nFN:A\r\n")
    with pytest.raises(InvalidFile, match=r"z-broken.vcf: card 1 \(line 1\): no END:VCARD"):
        parse_vcard_dir(tmp_path)
    (tmp_path / "empty").mkdir()
    assert parse_vcard_dir(tmp_path / "empty") == []


def test_to_data_and_from_data() -> None:
    data = FULL.to_data()
    assert data["emails"][0] == ("work", "zoe@acme.example")
    assert "uid" not in data and "line" not in data
    assert VCardContact.from_data(data, uid=FULL.uid) == FULL
    sparse = VCardContact(first_name="Ann", emails=[("", "ann@example.com")]).to_data()
    assert sparse == {"first_name": "Ann", "emails": [("", "ann@example.com")]}
    built = VCardContact.from_data({"first_name": "Bo", "emails": ["bo@example.com"], "id": 7, "tags": ("a",)})
    assert built.emails == [("", "bo@example.com")] and built.tags == ["a"]
