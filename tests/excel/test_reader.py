"""The fast reader (`excel/reader.py`) returns exactly what openpyxl reads, on every template and many
fills, and on workbooks as the programs clerks use write them: WPS Office, Excel for Windows and Mac.

The variants are synthetic: each takes a workbook filled through our own template and rewrites
its XML the way another program stores the same content (shared strings where our writer puts text inline,
other namespace prefixes, Strict Open XML namespaces, the 1904 date system, dates typed as text,
shared formulas with cached values). The reader must give what openpyxl gives, and the scorer the
same result as on the original; where openpyxl cannot read a variant (Strict), the reader must
still give the original's values."""

import html
import random
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from helpers import SCHEMES
from openpyxl import load_workbook

from scoring.excel.reader import read_raw, read_raw_openpyxl
from scoring.excel.template import write_template
from scoring.pipeline import score_paths
from scoring.rubric import load_rubric
from scoring.validate import wanted_names


def same(path):
    fast, ref = read_raw(path), read_raw_openpyxl(path)
    assert fast.fatal is None and ref.fatal is None
    assert fast.sheets == ref.sheets
    assert fast.names == ref.names
    assert (fast.scheme, fast.version) == (ref.scheme, ref.version)
    assert fast.cells == ref.cells
    assert fast.blocks == ref.blocks
    return fast


@pytest.mark.parametrize("scheme", SCHEMES)
def test_blank_templates_read_the_same(tmp_path, scheme):
    raw = same(write_template(scheme, tmp_path / f"{scheme}.xlsx"))
    assert raw.scheme == scheme and raw.version == load_rubric(scheme).template_version
    assert all(c.value is None for name, c in raw.cells.items() if not name.startswith("template_"))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_many_fills_read_the_same(fill, scheme):
    for seed in range(12):
        same(fill(scheme, seed=seed, quality=random.Random(seed).random()))


def test_awkward_cell_contents_read_the_same(tmp_path, fill):
    path = fill("zj-skpw", seed=5)
    wb = load_workbook(path)
    dn = wb.defined_names

    def cell(name):
        ((sheet, ref),) = dn[name].destinations
        return wb[sheet][ref.replace("$", "")]

    cell("transmission_rate").value = 0.935
    cell("transmission_rate").number_format = "0.0%"
    cell("ledger_entry_rate").value = "９８.５"
    cell("founded_date").value = "2015-03-01"
    cell("application_date").value = datetime(2026, 3, 1, 0, 0)
    cell("org_name").value = '  <b>杭州&amp;"某"公司</b>\t '
    cell("remarks").value = "=1+1"  # a formula typed into an input cell
    cell("vehicles").value = True
    cell("tech_staff").value = " 12 "
    cell("email").value = "a_x000D_b"
    wb.save(path)
    raw = same(path)
    assert raw.cells["transmission_rate"].value == 0.935 and "%" in raw.cells["transmission_rate"].number_format
    assert raw.cells["remarks"].formula


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
def test_a_workbook_saved_by_libreoffice_reads_the_same_and_scores_the_same(tmp_path, fill):
    """LibreOffice (like Excel) writes shared strings and its own styles: the other code path."""
    src = fill("zj-skpw", seed=21, name="orig.xlsx")
    out = tmp_path / "lo"
    subprocess.run(
        ["soffice", "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(out), str(src)], check=True, capture_output=True, timeout=180
    )
    converted = out / "orig.xlsx"
    raw = same(converted)
    assert raw.scheme == "zj-skpw"
    before, after = score_paths([src])[0].as_json(), score_paths([converted])[0].as_json()
    for key in ("status", "total", "grade", "items", "errors"):
        assert before[key] == after[key], key


def test_only_the_wanted_names_are_read(fill):
    path = fill("hosting", seed=1)
    raw = read_raw(path, wanted_names)
    assert set(raw.cells) == set(wanted_names("hosting", 1)) | {"template_scheme", "template_version"}


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"


STRICT_RELS = "http://purl.oclc.org/ooxml/officeDocument/relationships"


DAYS_1900_TO_1904 = 1462


def rewrite(src: Path, dst: Path, change) -> Path:
    """Copy the xlsx zip, passing each XML part's text through change(name, text)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith((".xml", ".rels")):
                data = change(info.filename, data.decode("utf-8")).encode("utf-8")
            zout.writestr(info, data)
    return dst


def shared_strings(src: Path, dst: Path) -> Path:
    """Excel stores text once in xl/sharedStrings.xml and cells point at it (t="s"); our writer and
    WPS write inline strings. Move every inline string into a shared-strings part."""
    strings: dict[str, int] = {}

    def index(m) -> str:
        text = html.unescape("".join(re.findall(r"<t[^>]*>([^<]*)</t>", m[3])))
        n = strings.setdefault(text, len(strings))
        return f'<c {m[1]}t="s"{m[2]}><v>{n}</v></c>'

    def change(name, text):
        if name.startswith("xl/worksheets/"):
            return re.sub(r'<c ([^>]*?)t="inlineStr"([^>]*)><is>(.*?)</is></c>', index, text)
        if name == "[Content_Types].xml":
            kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
            return text.replace("</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return text.replace(
                "</Relationships>", f'<Relationship Id="rIdSST" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
            )
        return text

    rewrite(src, dst, change)
    items = "".join(f'<si><t xml:space="preserve">{html.escape(t, quote=False)}</t></si>' for t in strings)
    part = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    with zipfile.ZipFile(dst, "a") as z:
        z.writestr("xl/sharedStrings.xml", part)
    return dst


def _prefixed(text: str, prefix: str, ns: str) -> str:
    """Every element of the default namespace ns written with `prefix:` instead."""
    text = text.replace(f'xmlns="{ns}"', f'xmlns:{prefix}="{ns}"')
    return re.sub(r"<(/?)([A-Za-z][\w]*)(?=[\s/>])", rf"<\1{prefix}:\2", text)


def prefixes(src: Path, dst: Path) -> Path:
    """Other writers prefix the spreadsheet namespace (x:) and name the relationships one differently."""

    def change(name, text):
        if name.startswith("xl/") and not name.endswith(".rels") and f'xmlns="{MAIN}"' in text:
            text = _prefixed(text, "x", MAIN)
            text = text.replace(f'xmlns:r="{RELS}"', f'xmlns:rel="{RELS}"').replace(" r:id=", " rel:id=")
        return text

    return rewrite(src, dst, change)


def strict(src: Path, dst: Path) -> Path:
    """Excel's "Strict Open XML Spreadsheet": the same parts under the ISO namespaces."""

    def change(name, text):
        return text.replace(MAIN, STRICT_MAIN).replace(RELS, STRICT_RELS)

    return rewrite(src, dst, change)


def date1904(src: Path, dst: Path, dated: set[str]) -> Path:
    """Excel for Mac's 1904 date system: the flag in workbook.xml and every date serial 1462 less."""

    def change(name, text):
        if name == "xl/workbook.xml":
            if "<workbookPr" in text:
                return re.sub(r"<workbookPr\b", '<workbookPr date1904="1"', text, count=1)
            return text.replace("<bookViews", '<workbookPr date1904="1"/><bookViews', 1)
        if name.startswith("xl/worksheets/"):
            return re.sub(
                r'<c r="([A-Z]+\d+)"([^>]*)><v>(\d+)</v></c>',
                lambda m: f'<c r="{m[1]}"{m[2]}><v>{int(m[3]) - DAYS_1900_TO_1904}</v></c>' if (name, m[1]) in dated else m[0],
                text,
            )
        return text

    return rewrite(src, dst, change)


def shared_formula(src: Path, dst: Path, sheet_part: str, first: str, second: str) -> Path:
    """Excel writes a formula filled down as one shared formula with cached values in each cell."""

    def change(name, text):
        if name != sheet_part:
            return text
        text = re.sub(
            rf'<c r="{first}"([^>]*?)(?: t="\w+")?(?:/>|>.*?</c>)',
            f'<c r="{first}"\\1><f t="shared" ref="{first}:{second}" si="0">1+1</f><v>2</v></c>',
            text,
            count=1,
        )
        return re.sub(
            rf'<c r="{second}"([^>]*?)(?: t="\w+")?(?:/>|>.*?</c>)', f'<c r="{second}"\\1><f t="shared" si="0"/><v>2</v></c>', text, count=1
        )

    return rewrite(src, dst, change)


def _same(a, b):
    assert a.fatal is None and b.fatal is None, (a.fatal, b.fatal)
    assert (a.scheme, a.version, a.names) == (b.scheme, b.version, b.names)
    assert a.cells == b.cells
    assert a.blocks == b.blocks


def _scored(path: Path) -> dict:
    (res,) = [r.as_json() for r in score_paths([path])]
    res.pop("file")
    return res


@pytest.mark.parametrize("scheme", ["zj-skpw", "datong-filing"])
@pytest.mark.parametrize("variant", ["shared", "prefixes"])
def test_variants_read_as_openpyxl_reads_them_and_score_the_same(tmp_path, fill, scheme, variant):
    original = fill(scheme, seed=11, quality=1.0)
    out = tmp_path / f"{variant}.xlsx"
    {"shared": shared_strings, "prefixes": prefixes}[variant](original, out)
    _same(read_raw(out), read_raw_openpyxl(out))
    assert read_raw(out).cells["org_name"].value == read_raw(original).cells["org_name"].value
    assert _scored(out) == _scored(original)


def test_strict_open_xml_reads_as_the_transitional_original(tmp_path, fill):
    """openpyxl does not read Strict files (it finds no sheet); our reader does, with the original's values."""
    original = fill("zj-skpw", seed=12, quality=1.0)
    out = strict(original, tmp_path / "strict.xlsx")
    a, b = read_raw(out), read_raw(original)
    a.path = b.path
    _same(a, b)
    assert _scored(out) == _scored(original)
    assert read_raw_openpyxl(out).sheets == []  # openpyxl (only our test reference) sees no sheet at all in Strict files


def test_1904_date_system_gives_the_same_dates(tmp_path, fill):
    original = fill("zj-skpw", seed=13, quality=1.0)
    raw = read_raw(original)
    dated = set()
    for fid in ("founded_date", "ops_start_date", "application_date"):
        cell = raw.cells[fid]
        dated.add((f"xl/worksheets/sheet{raw.sheets.index(cell.sheet) + 1}.xml", cell.cell))
    out = date1904(original, tmp_path / "mac.xlsx", dated)
    _same(read_raw(out), read_raw_openpyxl(out))
    assert read_raw(out).cells["application_date"].value == raw.cells["application_date"].value
    assert _scored(out) == _scored(original)


def test_dates_typed_as_text_score_as_dates(tmp_path, fill):
    original = fill("zj-skpw", seed=14, quality=1.0)
    raw = read_raw(original)
    as_text = {f: raw.cells[f].value.date().isoformat() for f in ("founded_date", "ops_start_date", "application_date")}
    variants = {"iso": as_text, "chinese": {f: date.fromisoformat(v).strftime("%Y年%m月%d日") for f, v in as_text.items()}}
    for label, values in variants.items():
        path = fill("zj-skpw", seed=14, quality=1.0, overrides=values, name=f"{label}.xlsx")
        assert isinstance(read_raw(path).cells["application_date"].value, str)
        assert _scored(path) == _scored(original), label


def test_shared_formulas_in_input_cells_are_reported_as_formulas(tmp_path, fill):
    original = fill("hosting", seed=15, quality=1.0)
    raw = read_raw(original)
    first, second = raw.cells["pts_daily_1"], raw.cells["pts_daily_2"]
    part = f"xl/worksheets/sheet{raw.sheets.index(first.sheet) + 1}.xml"
    out = shared_formula(original, tmp_path / "shared.xlsx", part, first.cell, second.cell)
    _same(read_raw(out), read_raw_openpyxl(out))
    assert read_raw(out).cells["pts_daily_2"].formula
    res = _scored(out)
    assert res["status"] == "invalid" and {e["field"] for e in res["errors"]} == {"pts_daily_1", "pts_daily_2"}
    assert all("公式" in e["message"] for e in res["errors"])
