"""Validate filled workbooks: one RawWorkbook (the Excel reader's output) into a typed `Row`.

`parse_workbook` checks the workbook against its rubric and returns typed values plus every
problem it found; `batch.build_batch` then stacks rows into columns for the engine.
"""

from __future__ import annotations

from pathlib import Path

from .batch import NEUTRAL, NO_ROWS_MIN, Row
from .errors import Problem
from .excel.reader import RawWorkbook, split_destination
from .expr import MICRO
from .fields import ParseError, is_blank, parse_value
from .rubric import Field, Rubric, field_placements, load_rubric, scheme_ids, template_ids

__all__ = ["parse_workbook", "wanted_names", "field_sheets", "scheme_from_path", "raw_from_values"]

_FIELD_SHEETS: dict[str, dict[str, str]] = {}
_ONE_LINE: dict[str, frozenset[str]] = {}


def field_sheets(rubric: Rubric) -> dict[str, str]:
    """field or table id -> the template sheet it lives on (depends on the rubric only: made once)."""
    if rubric.scheme not in _FIELD_SHEETS:
        out = dict(field_placements(rubric))
        out.update((s["table"], s["name"]) for s in rubric.sheets if s.get("layout") == "table")
        _FIELD_SHEETS[rubric.scheme] = out
    return _FIELD_SHEETS[rubric.scheme]


def one_line_fields(rubric: Rubric) -> frozenset[str]:
    """The organisation's particulars: its identity, what is published, what the registry keeps
    (roles). One line each, without invisible characters (`fields.bad_character`); the other text
    fields (介绍、说明、原因) may hold line breaks."""
    if rubric.scheme not in _ONE_LINE:
        roles = set(rubric.roles.values())
        _ONE_LINE[rubric.scheme] = frozenset(fid for fid, f in rubric.fields.items() if f.stage == "identity" or f.public or fid in roles)
    return _ONE_LINE[rubric.scheme]


def wanted_names(scheme, version) -> list[str] | None:
    if scheme not in template_ids():
        return []
    r = load_rubric(scheme)
    notes = [f"note_{it.id}" for it in r.items] if r.item_notes else []
    return list(r.fields) + list(r.tables) + notes


def parse_workbook(raw: RawWorkbook, expect_scheme: str | None = None) -> Row:
    row = Row(raw.path, raw.scheme if isinstance(raw.scheme, str) else None)
    add = row.problems.append
    if raw.fatal:
        add(Problem(raw.fatal[0], raw.fatal[1], raw.path))
        return row
    if row.scheme is None:
        add(
            Problem(
                "not_template", "找不到模板标识（隐藏的 _meta 工作表）；请使用 `scoring template` 生成的模板填写，不要复制粘贴到其他工作簿", raw.path
            )
        )
        return row
    if row.scheme not in template_ids():
        add(Problem("not_template", f"模板标识的评估类别“{row.scheme}”不存在", raw.path))
        return row
    if expect_scheme and row.scheme != expect_scheme:
        add(
            Problem(
                "wrong_scheme",
                f"这是“{load_rubric(row.scheme).title}”（{row.scheme}）的评估表，"
                f"但放在了“{load_rubric(expect_scheme).title}”（{expect_scheme}）的目录中",
                raw.path,
            )
        )
        return row
    rubric = load_rubric(row.scheme)
    version = raw.version
    if isinstance(version, float) and version.is_integer():
        version = int(version)
    if version not in rubric.compatible_versions:
        add(
            Problem(
                "template_version",
                f"模板版本为 {version}，当前系统的{rubric.short_title}模板为第 {rubric.template_version} 版，"
                f"该版本的填写内容含义不同，无法读取；请将数据转填到新模板（scoring template {rubric.scheme}）",
                raw.path,
            )
        )
        return row

    sheets_of = field_sheets(rubric)
    dead_sheets = _sheet_problems(raw, rubric, sheets_of, row)
    for fid, f in rubric.fields.items():
        dest = split_destination(raw.names.get(fid, ""))
        if dest is None:
            if sheets_of.get(fid) not in dead_sheets:
                add(
                    Problem(
                        "name_missing",
                        f"找不到“{f.label}”的填写单元格（已定义名称 {fid} 被删除或损坏）；请使用原模板填写",
                        raw.path,
                        sheets_of.get(fid, ""),
                        "",
                        fid,
                    )
                )
            row.values[fid] = NEUTRAL[f.type]
            continue
        if fid in raw.blocks or fid in raw.oversized:  # a one-cell field's name stretched over a range
            add(
                Problem(
                    "name_missing",
                    f"“{f.label}”的已定义名称 {fid} 应指向一个单元格，现指向一个区域；请使用原模板填写",
                    raw.path,
                    dest[0],
                    dest[1],
                    fid,
                )
            )
            row.values[fid] = NEUTRAL[f.type]
            continue
        cell = raw.cells.get(fid)
        sheet, ref = dest
        row.where[fid] = (sheet, ref)
        _parse_cell(row, rubric, fid, cell, sheet, ref)
    for tid in rubric.tables:
        _parse_table(row, rubric, tid, raw)
    if rubric.item_notes:
        _parse_notes(row, rubric, raw)
    return row


NOTE = Field("note", "text", "评估意见", max_length=1000)


def _parse_notes(row: Row, rubric: Rubric, raw: RawWorkbook) -> None:
    """The evaluators' 评估意见 (`note_<item>`): never scored, kept for the 评估报告."""
    for it in rubric.items:
        cell = raw.cells.get(f"note_{it.id}")
        if cell is None or is_blank(cell.value):
            continue
        try:
            row.notes[it.id] = parse_value(NOTE, cell.value)
        except ParseError as exc:
            sheet, ref = split_destination(raw.names.get(f"note_{it.id}", "")) or ("", "")
            row.problems.append(Problem(exc.code, f"“{it.wording[:20]}”的评估意见{exc.message}", row.file, sheet, ref, f"note_{it.id}"))


def _sheet_problems(raw: RawWorkbook, rubric: Rubric, sheets_of: dict, row: Row) -> set[str]:
    dead = set()
    holding = set(sheets_of.values())  # printable pages without inputs are not required
    for s in rubric.sheets:
        name = s["name"]
        if name in raw.sheets or name not in holding:
            continue
        dead.add(name)
        destinations = {split_destination(raw.names.get(fid, "")) for fid, sh in sheets_of.items() if sh == name}
        moved = {d[0] for d in destinations if d and d[0] in raw.sheets}
        if moved:
            row.problems.append(
                Problem(
                    "sheet_renamed",
                    f"工作表“{name}”被重命名为“{'、'.join(sorted(moved))}”；请改回原名（与官方附表一致）",
                    raw.path,
                    "、".join(sorted(moved)),
                )
            )
        else:
            row.problems.append(Problem("sheet_missing", f"工作表“{name}”被删除；请使用完整的原模板填写", raw.path, name))
    return dead


def _parse_cell(row: Row, rubric: Rubric, fid: str, cell, sheet: str, ref: str) -> None:
    f = rubric.fields[fid]
    if cell is not None and cell.formula:
        row.problems.append(Problem("formula_in_input", f"“{f.label}”单元格中填写了公式；请直接填写数值或文字", row.file, sheet, ref, fid))
        row.values[fid] = NEUTRAL[f.type]
        return
    value = None if cell is None else cell.value
    if is_blank(value):
        if f.default is not None:
            value = f.default
        else:
            row.values[fid] = NEUTRAL[f.type]
            if f.required:
                hint = "（无则填 0）" if f.type == "int" else ""
                p = Problem("required", f"“{f.label}”为必填项，尚未填写{hint}", row.file, sheet, ref, fid)
                (row.missing_score_fields if f.stage == "score" else row.problems).append(p)
            return
    try:
        row.values[fid] = parse_value(f, value, cell.number_format if cell else "General", one_line=fid in one_line_fields(rubric))
        row.present.add(fid)
    except ParseError as exc:
        row.values[fid] = NEUTRAL[f.type]
        row.problems.append(Problem(exc.code, f"“{f.label}”{exc.message}", row.file, sheet, ref, fid))


def _parse_table(row: Row, rubric: Rubric, tid: str, raw: RawWorkbook) -> None:
    table = rubric.tables[tid]
    block = raw.blocks.get(tid)
    numeric = [c for c in table.columns if c.type == "int"]
    sums = {c.id: 0 for c in numeric}
    mins = {c.id: NO_ROWS_MIN for c in numeric}
    count = 0
    if tid in raw.oversized:
        rows, cols = raw.oversized[tid]
        row.problems.append(
            Problem(
                "name_missing",
                f"“{table.label}”的填写区域被改成了 {rows} 行 × {cols} 列（模板为 {table.rows} 行 × {len(table.columns)} 列），未读取；请使用原模板填写",
                row.file,
                "",
                "",
                tid,
            )
        )
    elif block is None:
        # a deleted sheet is reported once for the whole sheet, not again for its table
        if not any(p.code == "sheet_missing" for p in row.problems):
            row.problems.append(
                Problem("name_missing", f"找不到“{table.label}”的填写区域（已定义名称 {tid} 被删除或损坏）；请使用原模板填写", row.file, "", "", tid)
            )
    else:
        col_fields = {c.id: Field(c.id, c.type, c.label, max=c.max, max_length=c.max_length) for c in table.columns}
        if len(block) != table.rows or any(len(r) != len(table.columns) for r in block):
            row.problems.append(
                Problem(
                    "name_missing",
                    f"“{table.label}”的填写区域被改动了（模板为 {table.rows} 行 × {len(table.columns)} 列，"
                    f"现为 {len(block)} 行 × {max(len(r) for r in block)} 列）；请使用原模板填写",
                    row.file,
                    block[0][0].sheet,
                    "",
                    tid,
                )
            )
        seen: dict[str, int] = {}  # unique column value -> the row it first appeared on
        for i, cells in enumerate(block, 1):
            name_cell = cells[0]
            if name_cell.formula:
                row.problems.append(
                    Problem(
                        "formula_in_input",
                        f"{table.label}第 {i} 行“{table.columns[0].label}”中填写了公式",
                        row.file,
                        name_cell.sheet,
                        name_cell.cell,
                        tid,
                    )
                )
                continue
            if is_blank(name_cell.value):
                continue  # rows with an empty name are ignored (schemes.md)
            count += 1
            entry: dict = {}
            for col, cell in zip(table.columns, cells):
                where = (row.file, cell.sheet, cell.cell, tid)
                label = f"{table.label}第 {i} 行“{col.label}”"
                if cell.formula:
                    row.problems.append(Problem("formula_in_input", f"{label}中填写了公式；请直接填写数值", *where))
                    continue
                if is_blank(cell.value):
                    row.problems.append(Problem("required", f"{label}尚未填写" + ("（无则填 0）" if col.type == "int" else ""), *where))
                    continue
                try:
                    v = parse_value(col_fields[col.id], cell.value, cell.number_format, one_line=True)  # a table's text is a name
                except ParseError as exc:
                    row.problems.append(Problem(exc.code, f"{label}{exc.message}", *where))
                    continue
                if col.type == "int":
                    v //= MICRO
                    sums[col.id] += v
                    mins[col.id] = min(mins[col.id], v)
                if col.id == table.unique:
                    if v in seen:
                        row.problems.append(
                            Problem("cross_check", f"{table.label}第 {i} 行与第 {seen[v]} 行的“{col.label}”相同（{v}）；同一单位只填一行", *where)
                        )
                    seen.setdefault(v, i)
                entry[col.id] = v
            if table.listed:
                row.tables.setdefault(tid, []).append(entry)
    row.values[f"{tid}.rows"] = count * MICRO
    for cid in sums:
        row.values[f"{tid}.{cid}.sum"] = sums[cid] * MICRO
        row.values[f"{tid}.{cid}.min"] = mins[cid] * MICRO if mins[cid] != NO_ROWS_MIN else NO_ROWS_MIN * MICRO
    row.present.add(tid)


def scheme_from_path(path: str) -> str | None:
    """`workbooks/<scheme>/<round>/x.xlsx` -> the scheme the folder says the workbook belongs to."""
    known = set(scheme_ids())
    for part in reversed(Path(path).parent.parts):
        if part in known:
            return part
    return None


def raw_from_values(scheme: str, values: dict, tables: dict | None = None, path: str = "<values>") -> RawWorkbook:
    """The RawWorkbook a reader would return for a template filled with `values` (tests, API use)."""
    from .excel.reader import RawCell

    rubric = load_rubric(scheme)
    sheets_of = field_sheets(rubric)
    raw = RawWorkbook(path, sheets=[s["name"] for s in rubric.sheets], scheme=scheme, version=rubric.template_version)
    for k, fid in enumerate(rubric.fields, 1):
        sheet = sheets_of[fid]
        raw.names[fid] = f"'{sheet}'!$Z${k}"
        raw.cells[fid] = RawCell(values.get(fid), "General", False, sheet, f"Z{k}")
    for tid, table in rubric.tables.items():
        sheet = sheets_of[tid]
        rows = list((tables or {}).get(tid, []))
        rows += [[None] * len(table.columns)] * (table.rows - len(rows))
        raw.names[tid] = f"'{sheet}'!$B$3:$F${2 + table.rows}"
        raw.blocks[tid] = [[RawCell(v, "General", False, sheet, f"{chr(66 + j)}{3 + i}") for j, v in enumerate(r)] for i, r in enumerate(rows)]
    return raw
