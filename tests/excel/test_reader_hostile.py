"""Hostile workbooks: the fast reader's work is linear in its input, and one broken cell is a
problem of that cell, not of the workbook.

Each timing attack takes a real filled workbook and rewrites one part with 10**5–10**6 adversarial
tokens of a pattern the reader used to rescan to the end of the part from every token (a cell
with another attribute order sending every `<c>` down the slow path, `cellXfs`, `<rPh>` or `<is>`
without its end tag, tags without their `>` …): quadratic, hours for a file that zips to a few KB.
The read runs in a subprocess with a 60 s timeout, so a regression fails instead of hanging; each
attack takes well under a second now. Where the tokens are noise the reader must skip, the
workbook must read exactly as the original does.
"""

import json
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import SCHEMES
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

from scoring.excel.fill import fill_template
from scoring.excel.reader import Unreadable, _is_date_format, read_raw, read_raw_openpyxl, split_destination
from scoring.fields import ParseError
from scoring.rubric import load_rubric
from scoring.samples import random_entry
from scoring.validate import parse_workbook, raw_from_values, wanted_names

ROOT = Path(__file__).resolve().parents[2]
N = 200_000  # adversarial tokens per attack
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# What `scoring check` does with one workbook, in a fresh interpreter: read, validate, report.
READ = """
import json, resource, sys, time
from scoring.excel.reader import read_raw
from scoring.validate import parse_workbook, wanted_names
start = time.perf_counter()
raw = read_raw(sys.argv[1], wanted_names)
row = parse_workbook(raw)
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    "fatal": raw.fatal,
    "values": {k: repr(v) for k, v in row.values.items()},
    "problems": sorted([p.code, p.sheet, p.cell, p.field] for p in row.problems),
}))
"""


def read_in_subprocess(path: Path, timeout: float = 60) -> dict:
    try:
        done = subprocess.run([sys.executable, "-c", READ, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {path.name} took more than {timeout} s: not linear in its input")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    values, tables = random_entry("zj-skpw", random.Random(7), 1.0)
    return fill_template("zj-skpw", values, tmp_path_factory.mktemp("hostile") / "base.xlsx", tables)


@pytest.fixture(scope="module")
def base_read(base) -> dict:
    return read_in_subprocess(base)


def sheet_parts(path: Path) -> dict[str, str]:
    """sheet name -> its part, from the (valid) original's workbook.xml and its relationships."""
    with zipfile.ZipFile(path) as z:
        book = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "").lstrip("/") for r in rels}
    return {s.get("name", ""): targets[s.get(f"{{{REL}}}id")] for s in book.iter(f"{{{MAIN}}}sheet")}


def where(path: Path, name: str) -> tuple[str, str, str]:
    """(sheet, cell, part) of a defined name's cell."""
    sheet, ref = split_destination(read_raw(path).names[name]) or ("", "")
    return sheet, ref, sheet_parts(path)[sheet]


def rewrite(src: Path, dst: Path, changes: dict[str, Callable[[str], str]], added: dict[str, str] | None = None) -> Path:
    """A copy of `src` with parts changed (name -> text -> new text) and parts added."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in changes:
                data = changes[info.filename](data.decode("utf-8")).encode("utf-8")
            zout.writestr(info, data)
        for name, text in (added or {}).items():
            zout.writestr(name, text)
    return dst


def with_cell(xml: str, ref: str, cell: str) -> str:
    """The sheet with the cell `ref` written as `cell`."""
    new, n = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', lambda m: cell, xml, count=1)
    assert n == 1, ref
    return new


def inline(xml: str, ref: str, content: str) -> str:
    """The sheet with the cell `ref` holding the inline string `content` (its <is> element's XML)."""
    return with_cell(xml, ref, f'<c r="{ref}" t="inlineStr"><is>{content}</is></c>')


def shared(text: str) -> str:
    """A shared-strings part holding one string (its <si> element's content)."""
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" uniqueCount="1"><si>{text}</si></sst>'


# --- the attacks -------------------------------------------------------------------------------------
# Each: (original, destination) -> the hostile workbook, and whether it must read as the original.


def slow_path(tokens: str):
    """One cell written with its attributes in another order (as some writers do) sends the sheet
    down the general cell pattern; then `tokens` before </sheetData>, none of them a whole cell."""

    def attack(src: Path, dst: Path) -> Path:
        _, ref, part = where(src, "org_name")

        def change(xml: str) -> str:
            xml, n = re.subn(rf'<c r="{ref}" s="(\d+)"', rf'<c s="\1" r="{ref}"', xml, count=1)
            assert n == 1
            return xml.replace("</sheetData>", tokens * N + "</sheetData>", 1)

        return rewrite(src, dst, {part: change})

    return attack


def cellxfs_without_end(src: Path, dst: Path) -> Path:
    return rewrite(src, dst, {"xl/styles.xml": lambda xml: re.sub(r"(<cellXfs\b[^>]*>)", r"\1" + "<cellXfs>" * N, xml).replace("</cellXfs>", "")})


def xf_without_end(src: Path, dst: Path) -> Path:
    return rewrite(src, dst, {"xl/styles.xml": lambda xml: xml.replace("</cellXfs>", "<xf " * N + "</cellXfs>")})


def org_name_text(src: Path) -> str:
    return read_raw(src).cells["org_name"].value


def rph_inline(src: Path, dst: Path) -> Path:
    """Phonetic runs never closed, in an inline string."""
    _, ref, part = where(src, "org_name")
    name = org_name_text(src)
    return rewrite(src, dst, {part: lambda xml: inline(xml, ref, f"<t>{name}</t>" + "<rPh>" * N)})


def rph_shared(src: Path, dst: Path) -> Path:
    """Phonetic runs never closed, in a shared string (as Excel stores text)."""
    _, ref, part = where(src, "org_name")
    name = org_name_text(src)
    cell = f'<c r="{ref}" t="s"><v>0</v></c>'
    return rewrite(src, dst, {part: lambda xml: with_cell(xml, ref, cell)}, {"xl/sharedStrings.xml": shared(f"<t>{name}</t>" + '<rPh sb="0">' * N)})


def t_without_gt(src: Path, dst: Path) -> Path:
    """Text runs whose start tag never ends (one `>` far behind them)."""
    _, ref, part = where(src, "org_name")
    name = org_name_text(src)
    return rewrite(src, dst, {part: lambda xml: inline(xml, ref, f"<t>{name}</t>" + "<t " * N + "><b/>")})


def is_without_end(src: Path, dst: Path) -> Path:
    """An inline string opened again and again and never closed: no text (the name is then missing)."""
    _, ref, part = where(src, "org_name")
    return rewrite(src, dst, {part: lambda xml: with_cell(xml, ref, f'<c r="{ref}" t="inlineStr">' + "<is>" * N + "<t>x</t></c>")})


def defined_names_without_gt(src: Path, dst: Path) -> Path:
    return rewrite(src, dst, {"xl/workbook.xml": lambda xml: xml.replace("</definedNames>", "<definedName " * N + "</definedNames>")})


def attribute_name_run(src: Path, dst: Path) -> Path:
    """One attribute name of 200,000 letters with no value, in a defined name's tag."""
    return rewrite(
        src, dst, {"xl/workbook.xml": lambda xml: xml.replace('<definedName name="org_name"', "<definedName " + "a" * N + ' name="org_name"')}
    )


def date_format_of_open_brackets(src: Path, dst: Path) -> Path:
    """The date cells' number format followed by 200,000 `[` that no `]` closes (still a date format)."""

    def change(xml: str) -> str:
        xml, n = re.subn(r'formatCode="yyyy-mm-dd"', 'formatCode="yyyy-mm-dd' + "[" * N + '"', xml)
        assert n == 1
        return xml

    return rewrite(src, dst, {"xl/styles.xml": change})


def tags_after_the_end(part: str, token: str):
    """Start tags after the part's last `>`."""

    def attack(src: Path, dst: Path) -> Path:
        return rewrite(src, dst, {part: lambda xml: xml + token * N})

    return attack


ATTACKS = {
    "slow cell path, <c>": (slow_path("<c>"), True),
    "slow cell path, <c without >": (slow_path("<c "), True),
    "cellXfs without its end tag": (cellxfs_without_end, False),
    "<xf without >": (xf_without_end, True),
    "<rPh> without its end tag, inline": (rph_inline, True),
    "<rPh> without its end tag, shared": (rph_shared, True),
    "<t without >": (t_without_gt, True),
    "<is> without its end tag": (is_without_end, False),
    "<definedName without >": (defined_names_without_gt, True),
    "attribute name of 200,000 letters": (attribute_name_run, True),
    "date format of 200,000 [": (date_format_of_open_brackets, True),
    "<sheet after the end": (tags_after_the_end("xl/workbook.xml", "<sheet "), True),
    "<Relationship after the end": (tags_after_the_end("xl/_rels/workbook.xml.rels", "<Relationship "), True),
    "<numFmt after the end": (tags_after_the_end("xl/styles.xml", "<numFmt "), True),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_hostile_parts_are_read_in_linear_time(tmp_path, base, base_read, attack):
    make, as_original = ATTACKS[attack]
    path = make(base, tmp_path / "hostile.xlsx")
    got = read_in_subprocess(path)
    assert got["seconds"] < 20, got["seconds"]  # about 0.1–0.5 s each on one core
    assert got["fatal"] is None
    if as_original:
        assert (got["values"], got["problems"]) == (base_read["values"], base_read["problems"])


def test_a_huge_cell_is_read_in_bounded_memory(tmp_path, base, base_read):
    """One inline string of 4 MB (10**6 empty runs after the name): the cell patterns kept ~130
    bytes of backtracking state per character, 0.5 GB here and 2.6 GB for a 20 MB part."""
    _, ref, part = where(base, "org_name")
    name = org_name_text(base)
    path = rewrite(base, tmp_path / "x.xlsx", {part: lambda xml: inline(xml, ref, f"<t>{name}</t>" + "<b/>" * 1_000_000)})
    got = read_in_subprocess(path)
    assert got["peak_mb"] < base_read["peak_mb"] + 150, (got["peak_mb"], base_read["peak_mb"])
    assert (got["values"], got["problems"]) == (base_read["values"], base_read["problems"])


def test_cellxfs_without_end_tag_reads_without_number_formats(tmp_path, base, base_read):
    """No cellXfs element: every cell is General, so a date cell holds its serial number."""
    got = read_in_subprocess(cellxfs_without_end(base, tmp_path / "x.xlsx"))
    sheet, ref, _ = where(base, "founded_date")
    assert ["bad_date", sheet, ref, "founded_date"] in got["problems"]
    assert got["values"]["org_name"] == base_read["values"]["org_name"]


def test_is_without_end_tag_is_an_empty_cell(tmp_path, base, base_read):
    got = read_in_subprocess(is_without_end(base, tmp_path / "x.xlsx"))
    sheet, ref, _ = where(base, "org_name")
    assert got["problems"] == sorted(base_read["problems"] + [["required", sheet, ref, "org_name"]])


def test_one_shared_string_shown_by_many_cells_is_made_into_text_once(tmp_path, base, base_read):
    """A table's name stretched over 5,000 cells of an added sheet, each showing the one shared
    string: 200,000 phonetic runs (7 MB of XML) around one character. 5,000 × 7 MB of pattern work
    unless each string is made into text once."""
    sheet_xml = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}" t="s"><v>0</v></c>' for c in "ABCDE") + "</row>" for r in range(1, 1001))
    sheet_xml = f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_xml}</sheetData></worksheet>'
    rel = f'<Relationship Id="rIdX" Type="{REL}/worksheet" Target="/xl/worksheets/sheetX.xml"/></Relationships>'

    def book(xml: str) -> str:
        xml = xml.replace("</sheets>", '<sheet name="X" sheetId="99" r:id="rIdX"/></sheets>')
        return re.sub(r'(<definedName name="service_areas">)[^<]*', r"\1'X'!$A$1:$E$1000", xml)

    path = rewrite(
        base,
        tmp_path / "x.xlsx",
        {"xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": lambda xml: xml.replace("</Relationships>", rel)},
        {"xl/worksheets/sheetX.xml": sheet_xml, "xl/sharedStrings.xml": shared("<t>甲</t>" + '<rPh sb="0" eb="1"><t>ジ</t></rPh>' * N)},
    )
    got = read_in_subprocess(path)
    assert got["seconds"] < 20 and got["fatal"] is None
    assert got["values"]["org_name"] == base_read["values"]["org_name"]
    assert any(p[0] == "name_missing" and p[3] == "service_areas" for p in got["problems"])  # 1000 × 5, not the template's shape


def test_date_formats_are_recognised_as_openpyxl_recognises_them():
    """The reader's own one-pass `is_date_format` (openpyxl's rescans from every unclosed `[`)."""
    rng = random.Random(24)
    formats = list(BUILTIN_FORMATS.values()) + ["[h]:mm", '"d"0', "[Red]0", "0;[d]", '"a\nd"', "_d", "\\d", "[ss].0"]
    formats += ["".join(rng.choice('"[]hmsdyHMSDY;\n\\_ a0.:') for _ in range(rng.randint(0, 14))) for _ in range(20_000)]
    assert [_is_date_format(f) for f in formats] == [is_date_format(f) for f in formats]


# --- one broken cell is that cell's problem ----------------------------------------------------------


def problems_of(path: Path) -> list[tuple[str, str, str, str]]:
    row = parse_workbook(read_raw(path, wanted_names))
    return sorted((p.code, p.sheet, p.cell, p.field) for p in row.problems)


@pytest.mark.parametrize("index", ["-1", "1", "99999999999999999999", "1.5", "x"])
def test_a_shared_string_index_that_is_no_strings_is_a_problem_of_its_cell(tmp_path, base, index):
    """Index −1 used to read the last string; one past the end, or not a number, made the whole workbook unreadable."""
    sheet, ref, part = where(base, "org_name")
    cell = f'<c r="{ref}" t="s"><v>{index}</v></c>'
    path = rewrite(base, tmp_path / "x.xlsx", {part: lambda xml: with_cell(xml, ref, cell)}, {"xl/sharedStrings.xml": shared("<t>最后一个</t>")})
    raw = read_raw(path, wanted_names)
    assert raw.fatal is None and isinstance(raw.cells["org_name"].value, Unreadable)
    assert raw.cells["founded_date"].value == read_raw(base).cells["founded_date"].value  # the rest is read
    assert problems_of(path) == sorted(problems_of(base) + [("cell_unreadable", sheet, ref, "org_name")])
    (p,) = [p for p in parse_workbook(raw).problems if p.field == "org_name"]
    assert "共享字符串" in p.message and "最后一个" not in p.message


@pytest.mark.parametrize(
    "field, stored, code",
    [
        ("founded_date", '<c r="{ref}" t="d"><v>2015-13-45</v></c>', "bad_date"),
        ("founded_date", '<c r="{ref}" t="d"><v>not a date</v></c>', "bad_date"),
        ("org_name", '<c r="{ref}" t="d"><v>2015-1-1</v></c>', "bad_date"),  # a text field: refused all the same
        ("founded_date", '<c r="{ref}" t="b"><v>yes</v></c>', "cell_unreadable"),
        ("founded_date", '<c r="{ref}"><v>12x</v></c>', "cell_unreadable"),
    ],
)
def test_a_malformed_typed_cell_is_a_problem_of_that_cell(tmp_path, base, field, stored, code):
    """A t="d" cell that holds no ISO date (or a boolean or number that is not one) used to make the whole
    workbook "unreadable", no cell named; now that cell and its field are named, the rest is read."""
    sheet, ref, part = where(base, field)
    path = rewrite(base, tmp_path / "x.xlsx", {part: lambda xml: with_cell(xml, ref, stored.format(ref=ref))})
    raw = read_raw(path, wanted_names)
    assert raw.fatal is None
    assert problems_of(path) == sorted(problems_of(base) + [(code, sheet, ref, field)])


def test_a_well_formed_date_cell_still_reads_as_its_date(tmp_path, base):
    sheet, ref, part = where(base, "founded_date")
    day = read_raw(base).cells["founded_date"].value.date()
    path = rewrite(base, tmp_path / "x.xlsx", {part: lambda xml: with_cell(xml, ref, f'<c r="{ref}" t="d"><v>{day.isoformat()}</v></c>')})
    assert read_raw(path).cells["founded_date"] == read_raw_openpyxl(path).cells["founded_date"]
    assert read_raw(path).cells["founded_date"].value == day
    assert problems_of(path) == problems_of(base)


def test_an_unreadable_template_id_is_not_a_template(tmp_path, base):
    sheet, ref, part = where(base, "template_scheme")
    path = rewrite(base, tmp_path / "x.xlsx", {part: lambda xml: with_cell(xml, ref, f'<c r="{ref}" t="s"><v>-1</v></c>')})
    raw = read_raw(path, wanted_names)
    assert raw.fatal is None and raw.scheme is None
    assert [p.code for p in parse_workbook(raw).problems] == ["not_template"]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_an_unreadable_cell_is_refused_whatever_its_fields_type(scheme):
    """Every field type's parser refuses an Unreadable value with its code and message."""
    rubric = load_rubric(scheme)
    bad = Unreadable("cell_unreadable", "单元格内容已损坏")
    values = {fid: bad for fid in rubric.fields}
    tables = {tid: [[bad] * len(t.columns)] for tid, t in rubric.tables.items()}
    row = parse_workbook(raw_from_values(scheme, values, tables))
    refused = {p.field for p in row.problems if p.code == "cell_unreadable" and p.message.endswith("单元格内容已损坏")}
    assert refused == set(rubric.fields) | set(rubric.tables)
    assert {f.type for f in rubric.fields.values()} <= {"int", "num", "pct", "pts", "bool", "enum", "date", "credit_code", "text"}
    with pytest.raises(ParseError):
        str(bad)
