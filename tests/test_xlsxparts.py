"""xlsxparts.first_sheet_cells, the actions workbook's own reader (issue 24, class 1): the very rows
openpyxl's read-only workbook gave for valid files, every row whatever a stale `<dimension>` says,
and bounded time and memory on hostile ones (each case in a subprocess with a timeout)."""

import io
import json
import random
import re
import subprocess
import sys
import zipfile
from datetime import date, datetime, time

import pytest
from helpers import CODES, A

from scoring.excel.actions import write_actions_template
from scoring.inputs.actions import XLSX_COLUMNS, _cell_text, _xlsx_rows, read_actions

GIB = 1 << 30


def openpyxl_rows(path):
    """The rows as openpyxl gives them (the reader before): read-only, data-only, dimension reset."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    ws.reset_dimensions()
    rows = [[_cell_text(v) for v in row] if any(v is not None for v in row) else [] for row in ws.iter_rows(max_col=XLSX_COLUMNS, values_only=True)]
    wb.close()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def ours(path):
    rows = _xlsx_rows(path)
    while rows and not rows[-1]:
        rows.pop()
    return rows


VALUES = [
    date(2026, 11, 2),
    datetime(2026, 11, 2, 15, 30),
    time(9, 15),
    "2026-11-02",
    20261102,
    46328,
    46328.5,
    0.25,
    -3,
    1e20,
    True,
    False,
    "注销",
    " 机构申请注销 ",
    "a & b < c > d \"e\" 'f'",
    "",
    None,
]


def filled(path, seed, formats=("yyyy-mm-dd", "@", "General", "0.00%", "[h]:mm:ss", "mm:ss", "m/d/yy h:mm", '"年"0')):
    from openpyxl import load_workbook

    rng = random.Random(seed)
    write_actions_template(path)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    for r in rng.sample(range(2, 1200), 40):
        for c in rng.sample(range(1, 9), rng.randrange(1, 8)):
            cell = ws.cell(r, c, rng.choice(VALUES))
            if rng.random() < 0.3:
                cell.number_format = rng.choice(formats)
    if seed % 3 == 0:
        wb.epoch = datetime(1904, 1, 1)  # a workbook made on a Mac
    wb.save(path)
    return path


@pytest.mark.parametrize("seed", range(8))
def test_valid_actions_workbooks_are_read_as_openpyxl_read_them(tmp_path, seed):
    path = filled(tmp_path / "actions.xlsx", seed)
    assert ours(path) == openpyxl_rows(path)


def test_a_formulas_cached_value_an_inline_string_and_a_rich_shared_string_are_read_as_openpyxl_does(tmp_path):
    path = edited(
        write_actions_template(tmp_path / "t.xlsx"),
        tmp_path / "actions.xlsx",
        '<row r="1002"><c r="A1002" s="2"><f>DATE(2026,11,2)</f><v>46328</v></c><c r="B1002" t="str"><f>"x"&amp;"y"</f><v>xy</v></c>'
        '<c r="C1002" t="inlineStr"><is><r><t>注</t></r><r><t xml:space="preserve">销 </t></r><rPh sb="0" eb="1"><t>zhu</t></rPh></is></c>'
        '<c r="D1002" t="e"><v>#N/A</v></c><c r="E1002" t="b"><v>1</v></c></row><row r="1003"><c r="A1003" t="d"><v>2026-11-02T00:00:00</v></c></row>',
    )
    assert ours(path) == openpyxl_rows(path)
    assert ours(path)[1001][:5] == ["2026-11-02", "xy", "注销 ", "#N/A", "True"] and ours(path)[1002][0] == "2026-11-02"


def test_rows_and_cells_without_a_reference_are_counted_as_the_format_says(tmp_path):
    """(openpyxl's read-only rows raised TypeError on them.)"""
    path = edited(write_actions_template(tmp_path / "t.xlsx"), tmp_path / "actions.xlsx", "<row><c><v>7</v></c><c/><c><v>8</v></c></row>")
    assert ours(path)[1001][:3] == ["7", "", "8"]


def edited(src, out, rows_xml="", dimension=None, styles=None, sheet=None):
    """`src` with `rows_xml` added to its first sheet's data, its dimension or styles replaced."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                xml = sheet or data.decode().replace("</sheetData>", rows_xml + "</sheetData>")
                if dimension:
                    xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>', xml)
                data = xml.encode()
            elif info.filename == "xl/styles.xml" and styles:
                data = styles(data.decode()).encode()
            zout.writestr(info, data)
    return out


def run_read(path, timeout=60):
    code = (
        "import json, sys; from pathlib import Path; from scoring.inputs.actions import read_actions\n"
        "a, p = read_actions(Path(sys.argv[1]), 'zj-skpw', ('5A', '4A'))\n"
        "print(json.dumps([[x.line, x.action] for x in a] + [[q.code, q.message] for q in p], ensure_ascii=False))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=timeout, check=True)
    return json.loads(done.stdout)


ROW = '<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>2026-11-02</t></is></c><c r="B{r}" t="inlineStr"><is><t>' + CODES[A] + "</t></is></c>"
ROW += '<c r="C{r}" t="inlineStr"><is><t>注销</t></is></c></row>'


def test_a_huge_dimension_neither_pads_nor_drops_rows(tmp_path):
    path = edited(write_actions_template(tmp_path / "t.xlsx"), tmp_path / "actions.xlsx", ROW.format(r=1500), dimension="A1:XFD1048576")
    assert run_read(path) == [[1500, "注销"]]


HOSTILE = {  # 10^5 tokens of each pattern the sheet is read with, among valid rows
    "unclosed cells": "<c>" * 100_000,
    "row tags without an end": "<row " * 100_000,
    "inline strings without an end": '<c r="F9" t="inlineStr"><is>' + "<is><t>x" * 100_000 + "</c>",
    "values without an end": '<c r="F9">' + "<v>1" * 100_000 + "</c>",
    "attribute names": '<c r="F9" ' + "a" * 200_000 + "/>",
    "shared strings past the end": "".join(f'<c r="F{r}" t="s"><v>-1</v></c>' for r in range(2000, 2100)),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_sheets_are_read_or_refused_naming_the_file_in_bounded_time(tmp_path, case):
    path = edited(write_actions_template(tmp_path / "t.xlsx"), tmp_path / "actions.xlsx", ROW.format(r=1002) + HOSTILE[case])
    got = run_read(path)
    assert got == [[1002, "注销"]] or (len(got) == 1 and got[0][0] == "actions_unreadable" and str(path) in got[0][1]), got


def test_a_number_format_of_unclosed_brackets_is_read_in_bounded_time(tmp_path):
    """openpyxl's is_date_format rescans to the end from every `[`: 200,000 of them took 28 s, a million ~12 minutes."""
    styles = lambda xml: xml.replace('formatCode="yyyy-mm-dd"', 'formatCode="' + "[" * 1_000_000 + 'yyyy-mm-dd"')  # noqa: E731
    path = edited(write_actions_template(tmp_path / "t.xlsx"), tmp_path / "actions.xlsx", ROW.format(r=1002), styles=styles)
    assert run_read(path) == [[1002, "注销"]]


@pytest.mark.slow
def test_an_actions_zip_bomb_is_a_coded_problem_naming_the_file(tmp_path):
    src = write_actions_template(tmp_path / "t.xlsx")
    path = tmp_path / "actions.xlsx"
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                with zout.open(info.filename, "w", force_zip64=True) as fh:
                    fh.write(data.replace(b"</sheetData>", b"</sheetData><!--"))
                    for _ in range(GIB // len(chunk)):
                        fh.write(chunk)
                    fh.write(b"-->")
            else:
                zout.writestr(info, data)
    ((code, message),) = run_read(path)
    assert code == "actions_unreadable" and str(path) in message and "上限" in message


def test_a_cell_without_its_end_is_never_dropped_without_a_word(tmp_path):
    path = edited(write_actions_template(tmp_path / "t.xlsx"), tmp_path / "actions.xlsx", ROW.format(r=1002).replace("</c></row>", "</row>"))
    actions, problems = read_actions(path, "zj-skpw", ("5A",))
    assert actions == [] and [p.code for p in problems] == ["actions_unreadable"] and str(path) in problems[0].message


def test_the_reader_takes_bytes(tmp_path):
    from scoring.xlsxparts import first_sheet_cells

    path = edited(write_actions_template(tmp_path / "t.xlsx"), tmp_path / "actions.xlsx", ROW.format(r=7))
    assert first_sheet_cells(io.BytesIO(path.read_bytes()), 5)[7] == {1: "2026-11-02", 2: CODES[A], 3: "注销"}


def test_a_huge_shared_string_shown_by_many_cells_is_made_into_text_once(tmp_path):
    cells = '<c r="F1002" t="s"><v>0</v></c>' * 100_000
    path = edited(write_actions_template(tmp_path / "t.xlsx"), tmp_path / "actions.xlsx", ROW.format(r=1002).replace("</row>", cells + "</row>"))
    with zipfile.ZipFile(path, "a") as z:  # the template has none: its one string, a megabyte long
        z.writestr("xl/sharedStrings.xml", "<sst><si><t>" + "x" * 1_000_000 + "</t></si></sst>")
    assert run_read(path) == [[1002, "注销"]]


def test_a_long_number_format_many_styles_share_is_looked_at_once(tmp_path):
    def styles(xml):
        xml = xml.replace('formatCode="yyyy-mm-dd"', 'formatCode="' + "[" * 1_000_000 + 'yyyy-mm-dd"')
        return xml.replace("</cellXfs>", '<xf numFmtId="164" fontId="0" fillId="0" borderId="0"/>' * 500 + "</cellXfs>")

    path = edited(write_actions_template(tmp_path / "t.xlsx"), tmp_path / "actions.xlsx", ROW.format(r=1002), styles=styles)
    assert run_read(path) == [[1002, "注销"]]


@pytest.mark.parametrize(
    "rows", ['<row r="0"><c><v>7</v></c></row>', '<row r="1002"><c r="A0"><v>7</v></c></row>', '<row r="x"><c><v>7</v></c></row>']
)
def test_a_row_numbered_zero_or_not_a_number_is_refused_not_dropped(tmp_path, rows):
    path = edited(write_actions_template(tmp_path / "t.xlsx"), tmp_path / "actions.xlsx", rows)
    actions, problems = read_actions(path, "zj-skpw", ("5A",))
    assert actions == [] and [p.code for p in problems] == ["actions_unreadable"] and str(path) in problems[0].message


def shared(src, out):
    """`src` with every inline string made a shared one (as Excel, WPS and LibreOffice save them),
    some as rich runs with a phonetic run."""
    strings: list[str] = []

    def share(m):
        strings.append(m[3])
        return f'<c r="{m[1]}"{m[2]} t="s"><v>{len(strings) - 1}</v></c>'

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info).decode()
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(r'<c r="(\w+)"((?: s="\d+")?) t="inlineStr"><is>(.*?)</is></c>', share, data)
            elif info.filename == "[Content_Types].xml":
                data = data.replace(
                    "</Types>",
                    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            zout.writestr(info, data)
        items = []
        for i, s in enumerate(strings):
            if i % 3 == 1 and s.startswith("<t>") and len(s) > 8:
                text = s[3:-4]
                s = f'<r><rPr><b/></rPr><t xml:space="preserve">{text[:2]}</t></r><r><t>{text[2:]}</t></r><rPh sb="0" eb="1"><t>ふ</t></rPh>'
            items.append(f"<si>{s}</si>")
        zout.writestr("xl/sharedStrings.xml", f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{"".join(items)}</sst>')
    return out


@pytest.mark.parametrize("seed", range(4))
def test_shared_strings_are_read_as_openpyxl_read_them(tmp_path, seed):
    path = shared(filled(tmp_path / "filled.xlsx", seed), tmp_path / "actions.xlsx")
    with zipfile.ZipFile(path) as z:
        assert b't="s"' in z.read("xl/worksheets/sheet1.xml") and b"<rPh" in z.read("xl/sharedStrings.xml")
    assert ours(path) == openpyxl_rows(path)
