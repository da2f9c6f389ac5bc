"""A seeded fuzzing harness of the inputs a clerk hands the system (issue 24, part 2): random
mutations of real filled workbooks (.xlsx: the zip's XML parts — byte flips, truncation, tags
duplicated or deleted, attributes shuffled, huge numbers, bad indexes, parts and relationships
removed, sheets renamed, defined names pointing anywhere, hostile text in cells: HTML, formulas,
path tricks, control and bidirectional characters; and the zip itself flipped or cut) and of actions
files (actions.csv's bytes and rows, actions.xlsx's cells and parts). The workbooks are a zj-skpw,
a maturity and a hosting form as the template writes them (inline strings) and the zj-skpw form as
Excel saves it (shared strings); "cells" puts hostile text in the name and address cells alone.

Each case goes through the real entry points: `pipeline.score_files` for a workbook (what `check`,
`score`, `publish` and `nightly` do with it), `inputs.actions.read_actions` for an actions file, and
a few end to end through `jobs.nightly` (one mutated file among valid ones). What must hold: no
exception escapes; every problem has a code of `errors.CODES`, a Chinese message and names the file;
a workbook that is not refused holds no text `fields.bad_character` refuses; its result is JSON (the
registry's format); the night's exit code is 0 and the valid workbooks are published.

Bounded time and memory: each batch of cases runs in a fresh interpreter with RLIMIT_AS and a
timeout; it reports each case before running it, so a hang or a MemoryError names its seed. The
seeds are fixed (CI is deterministic): the fast tier runs FAST seeds, the slow tier (`-m slow`)
thousands more; a seed that once found something stays in REGRESSIONS.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MEMORY_LIMIT = 1536 * 1024 * 1024  # RLIMIT_AS of a batch: a form is ~30 KB, the reader's own bounds are 20 MB a part
SCORING_DATE = date(2026, 10, 12)

# Seeds that found something (kept as regression cases): kind -> seeds.
REGRESSIONS: dict[str, list[int]] = {
    "xlsx": [112, 177, 875],  # a part's deflate data damaged: zlib.error escaped read_raw (score, check, publish, nightly)
    "cells": [],
    "csv": [],
    # openpyxl's own errors escaped read_actions (ParseError, TypeError, zlib.error, IndexError) or were the
    # message, in English (a ValueError while reading rows): 41 48 53 75; the fast tier's first 75 seeds hold
    # the ParseErrors (most of them failed)
    "actions_xlsx": [41, 48, 53, 75],
}

# --- mutations ---------------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}{% raw %}",
    '=HYPERLINK("http://evil.example","点此")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(1+1)",
    "-2+3",
    "../../../../etc/passwd",
    "/etc/passwd",
    "C:\\Windows\\system32\\cmd.exe",
    "file:///etc/shadow",
    "杭州\u202e司公限有",
    "杭州\u200b甲",
    "\ufeff杭州",
    "杭州\uffff",
    "杭州\ufdd0",
    "\x00",
    "\x1b[31m红\x1b[0m",
    "甲\n  [新证书] 伪造",
    "甲\r\n乙",
    "甲\t乙",
    "\x85",
    "\u2028\u2029",
    "\U000e0041",
    "&#0;",
    "&#xFFFF;",
    "&#xD800;",
    "&#1114112;",
    "&amp;lt;",
    "_x0000_",
    "_xD800_",
    "\U0001f600" * 3,
    "杭" * 5000,
    "a" * 40000,
    "",
    " ",
    "   \u3000",
    "TRUE",
    "#REF!",
    "9" * 400,
    "1e309",
    "NaN",
    "-0",
    "2026-02-30",
    "0000-00-00",
    "是否",
]
NUMBERS = [
    b"-1",
    b"-0",
    b"0",
    b"4294967296",
    b"99999999999999999999999999",
    b"1" + b"0" * 400,
    b"1e309",
    b"-1e309",
    b"1e-400",
    b"NaN",
    b"inf",
    b"0x1F",
    b"1.5",
    b"\xef\xbc\x91\xef\xbc\x92",  # １２ (full-width)
    b"",
    b" 3 ",
    b"2958466",  # the day after 9999-12-31
    b"-693594",
]
JUNK = [
    b"<",
    b">",
    b"&",
    b"&#0;",
    b"&#xFFFF;",
    b"&bogus;",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b'"',
    b"'",
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    b"<c ",
    b"</c>",
    b"<si>",
    b"</si>",
    b"<t>",
    b"<v>",
    b"<f>",
    b"<is>",
    b"<rPh>",
    b"<definedName ",
    b'<c r="A1" s="99999" t="s"><v>99999</v></c>',
    b'<c r="ZZZ99999999" t="inlineStr"><is><t>x</t></is></c>',
    b"<definedName name=\"org_name\">'x'!$A$1:$XFD$1048576</definedName>",
]
TYPES = [b"s", b"n", b"b", b"d", b"e", b"str", b"inlineStr", b"zzz", b""]
DESTINATIONS = [
    "#REF!",
    "'x'!$A$1",
    "$A$1",
    "'附表'!$A$0",
    "'附表'!$ZZZZ$1",
    "'附表'!$A$99999999999999999999",
    "'附表'!$A$1:$XFD$1048576",
    "'附表'!$A$1:$E$1000",
    "''!$A$1",
    "'''!$A$1",
    "!!!",
    "",
    "'a'!$A$1:$A$1:$B$2",
    "'附表'!A1",
]
SHEET_NAMES = ["", "Sheet1", "_check", "'", "a/b", "../x", "<b>表</b>", "表\u202e", "表\x00", "表" * 300, "附表2 申请表"]

TAG = re.compile(rb"<[^<>]{0,2000}>")
ATTR = re.compile(rb'[\w:]+="[^"]*"')
DIGITS = re.compile(rb"\d+")


def _spot(rng: random.Random, data: bytes, pattern: re.Pattern) -> re.Match | None:
    """A random match of `pattern` in `data` (one of the first thousand after a random start)."""
    if not data:
        return None
    start = rng.randrange(len(data))
    found = []
    for m in pattern.finditer(data, start):
        found.append(m)
        if len(found) >= 50:
            break
    if not found:
        found = [m for _, m in zip(range(50), pattern.finditer(data))]
    return rng.choice(found) if found else None


def _splice(data: bytes, m: re.Match | tuple[int, int], new: bytes) -> bytes:
    a, b = m if isinstance(m, tuple) else m.span()
    return data[:a] + new + data[b:]


def _text_piece(rng: random.Random, escape: bool) -> bytes:
    text = rng.choice(HOSTILE_TEXT)
    if escape:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.encode("utf-8", "surrogatepass")


def mutate_part(name: str, data: bytes, rng: random.Random) -> bytes:
    """One mutation of one XML part."""
    op = rng.randrange(14)
    n = len(data)
    if op == 0 and n:  # byte flips
        b = bytearray(data)
        for _ in range(rng.choice([1, 2, 5, 20])):
            b[rng.randrange(n)] ^= 1 << rng.randrange(8)
        return bytes(b)
    if op == 1:  # truncated
        return data[: rng.randint(0, n)]
    if op == 2 and (m := _spot(rng, data, TAG)):  # a tag repeated (a few times, or as a flood)
        return _splice(data, m, m[0] * rng.choice([2, 3, 100, 20000]))
    if op == 3 and (m := _spot(rng, data, TAG)):  # a tag deleted
        return _splice(data, m, b"")
    if op == 4 and (m := _spot(rng, data, TAG)):  # attributes shuffled (or one dropped, or doubled)
        attrs = ATTR.findall(m[0])
        if attrs:
            choice = rng.random()
            if choice < 0.6:
                rng.shuffle(attrs)
            elif choice < 0.8:
                attrs.pop(rng.randrange(len(attrs)))
            else:
                attrs.append(rng.choice(attrs))
            head = m[0].split(None, 1)[0].rstrip(b"/>")  # <c r="A1" s="2"> -> <c
            tail = b"/>" if m[0].endswith(b"/>") else b">"
            return _splice(data, m, head + b" " + b" ".join(attrs) + tail)
    if op == 5 and (m := _spot(rng, data, DIGITS)):  # a huge, negative or broken number / index
        return _splice(data, m, rng.choice(NUMBERS))
    if op == 6 and (m := _spot(rng, data, re.compile(rb'\bt="[^"]*"'))):  # a cell's type changed
        return _splice(data, m, b't="' + rng.choice(TYPES) + b'"')
    if op == 7 and (m := _spot(rng, data, re.compile(rb"<(t|v)(?:\s[^<>]*)?>([^<]*)</\1>"))):  # hostile text in a cell
        return _splice(data, m.span(2), _text_piece(rng, rng.random() < 0.7))
    if op == 8 and (m := _spot(rng, data, re.compile(rb'\bname="([^"]*)"'))):  # a sheet or defined name renamed
        return _splice(data, m.span(1), rng.choice(SHEET_NAMES).replace("'", "&apos;").encode("utf-8", "surrogatepass"))
    if op == 9 and (m := _spot(rng, data, re.compile(rb"(<definedName\b[^<>]*>)([^<]*)<"))):  # a defined name pointing anywhere
        dest = rng.choice(DESTINATIONS).replace("&", "&amp;").replace("'", "&apos;")
        return _splice(data, m.span(2), dest.encode("utf-8"))
    if op == 10 and n:  # junk inserted (a few times, or as a flood)
        at = rng.randint(0, n)
        return data[:at] + rng.choice(JUNK) * rng.choice([1, 1, 3, 50000]) + data[at:]
    if op == 11 and n:  # a slice duplicated or deleted
        start = rng.randrange(n)
        end = min(n, start + rng.choice([1, 10, 200, 5000]))
        return data[:start] + (data[start:end] * 2 if rng.random() < 0.5 else b"") + data[end:]
    if op == 12 and (m := _spot(rng, data, re.compile(rb'\b(?:r|ref|Id|r:id|Target|sqref)="([^"]*)"'))):  # a reference broken
        return _splice(data, m.span(1), rng.choice([b"", b"A0", b"XFD1048577", b"A-1", b"rId999", b"../../../etc/passwd", b"/xl/x.xml", b"a" * 5000]))
    if op == 13:  # a nesting flood
        at = rng.randint(0, n)
        return data[:at] + rng.choice([b"<a>", b"<x:si>", b"<c r='A1'>", b"<is><t>"]) * rng.choice([100, 50000]) + data[at:]
    return data[::-1] if rng.random() < 0.05 else data + b"\x00"


def _weight(name: str) -> float:
    if name.startswith("xl/worksheets/"):
        return 4.0
    return {"xl/sharedStrings.xml": 3.0, "xl/workbook.xml": 3.0, "xl/styles.xml": 1.5, "xl/_rels/workbook.xml.rels": 1.0}.get(name, 0.4)


def mutate_xlsx(src: bytes, rng: random.Random) -> bytes:
    """A copy of the workbook `src` with 1–4 mutations of its parts, now and then of the zip too."""
    with zipfile.ZipFile(_bytes_io(src)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    for _ in range(rng.choice([1, 1, 2, 3, 4])):
        names = list(parts)
        if rng.random() < 0.06 and names:  # a part removed
            del parts[rng.choice(names)]
            continue
        if rng.random() < 0.03 and names:  # a part renamed (Sheet1.xml, a path trick, a duplicate)
            old = rng.choice(names)
            parts[rng.choice([old.upper(), "../" + old, old + "x", "xl/worksheets/sheet1.xml"])] = parts.pop(old)
            continue
        name = rng.choices(names, [_weight(x) for x in names])[0]
        parts[name] = mutate_part(name, parts[name], rng)
    out = _bytes_io()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    data = out.getvalue()
    roll = rng.random()
    if roll < 0.04:  # the zip cut
        data = data[: rng.randint(0, len(data))]
    elif roll < 0.08:  # the zip's own bytes flipped (its directory, headers, compressed data)
        b = bytearray(data)
        for _ in range(rng.choice([1, 4, 16])):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        data = bytes(b)
    return data


NAME, ADDRESS = "杭州甲环保科技有限公司".encode(), "浙江省杭州市某路1号".encode()  # the zj-skpw base's (helpers.A)


def mutate_cells(src: bytes, rng: random.Random) -> bytes:
    """The zj-skpw base with hostile text in its name and address cells (shared strings): alone, or
    inside a real name; escaped as a writer would, or raw (what no writer makes, a reader may meet)."""
    with zipfile.ZipFile(_bytes_io(src)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    for old in rng.sample([NAME, ADDRESS], rng.choice([1, 2])):
        new = b"".join(_text_piece(rng, rng.random() < 0.8) for _ in range(rng.choice([1, 1, 2, 3])))
        if rng.random() < 0.5:
            at = rng.randint(0, len(old) // 3) * 3  # between two characters (each three bytes)
            new = old[:at] + new + old[at:]
        for name, data in parts.items():  # the sheet's inline string or the shared string
            parts[name] = data.replace(b">" + old + b"<", b">" + new + b"<")
    out = _bytes_io()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def _bytes_io(data: bytes = b""):
    import io

    return io.BytesIO(data)


CSV_PIECES = [
    b'"',
    b",",
    b"\n",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xc3",
    b"\x81\x30",
    "年度检查合格".encode("gb18030"),
    b";",
    b"=",
    b"\t",
    b"\xe2\x80\xae",
    b"\xef\xbf\xbf",
    b'""',
    b"\\",
]


def mutate_csv(src: bytes, rng: random.Random) -> bytes:
    """A copy of actions.csv's bytes with 1–4 mutations: bytes, pieces, rows, cells."""
    data = src
    for _ in range(rng.choice([1, 1, 2, 3, 4])):
        op = rng.randrange(8)
        lines = data.split(b"\n")
        n = len(data)
        if op == 0 and n:
            b = bytearray(data)
            for _ in range(rng.choice([1, 3, 10])):
                b[rng.randrange(n)] ^= 1 << rng.randrange(8)
            data = bytes(b)
        elif op == 1:
            at = rng.randint(0, n)
            data = data[:at] + rng.choice(CSV_PIECES) * rng.choice([1, 1, 2, 1000]) + data[at:]
        elif op == 2:
            data = data[: rng.randint(0, n)]
        elif op == 3 and len(lines) > 1:  # a row repeated (a few times or a flood) or deleted
            i = rng.randrange(len(lines))
            lines[i : i + 1] = [lines[i]] * rng.choice([0, 2, 3, 20000])
            data = b"\n".join(lines)
        elif op == 4 and len(lines) > 1:  # hostile text in a cell
            i = rng.randrange(len(lines))
            cells = lines[i].split(b",")
            j = rng.randrange(len(cells))
            text = rng.choice(HOSTILE_TEXT).encode("utf-8", "surrogatepass")
            cells[j] = b'"' + text.replace(b'"', b'""') + b'"' if rng.random() < 0.5 else text
            lines[i] = b",".join(cells)
            data = b"\n".join(lines)
        elif op == 5 and len(lines) > 1:  # cells moved, dropped or added
            i = rng.randrange(len(lines))
            cells = lines[i].split(b",")
            choice = rng.random()
            if choice < 0.4:
                rng.shuffle(cells)
            elif choice < 0.7 and cells:
                cells.pop(rng.randrange(len(cells)))
            else:
                cells += [b"x"] * rng.choice([1, 5, 10000])
            lines[i] = b",".join(cells)
            data = b"\n".join(lines)
        elif op == 6 and (m := _spot(rng, data, DIGITS)):
            data = _splice(data, m, rng.choice(NUMBERS))
        elif op == 7:  # re-encoded: GB18030, UTF-16, Latin-1 as some editors save it
            decoded = data.decode("utf-8", "replace")
            data = decoded.encode(rng.choice(["gb18030", "utf-16", "utf-8-sig"]), "replace")
    return data


# --- the cases ------------------------------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")


def _problem_failures(problems, named: str, what: str) -> list[str]:
    from scoring.errors import CODES

    out = []
    for p in problems:
        if p.code not in CODES:
            out.append(f"{what}: unknown code {p.code!r}")
        if not CJK.search(p.message):
            out.append(f"{what}: message not in Chinese: {p.message!r}")
        if named not in (p.file, p.message) and named not in p.message:
            out.append(f"{what}: problem does not name the file: {p!r}")
        if "Traceback" in p.message:
            out.append(f"{what}: traceback in a message: {p.message!r}")
        p.line()  # the one-line form `check` prints
    return out


def check_workbook(path: Path, scheme: str) -> list[str]:
    """Score one workbook as publish and check do; what is wrong with the outcome."""
    from scoring.fields import bad_character
    from scoring.pipeline import score_files

    results = score_files([(path, scheme)], jobs=1, scoring_date=SCORING_DATE)
    if len(results) != 1:
        return [f"{len(results)} results for one workbook"]
    res = results[0]
    fails = [] if res.file == str(path) else [f"result names {res.file!r}"]
    if res.status not in ("scored", "invalid", "incomplete", "ineligible"):
        fails.append(f"status {res.status!r}")
    fails += _problem_failures(res.errors, str(path), "workbook")
    if res.status == "invalid" and not res.errors:
        fails.append("invalid without a problem")
    if res.status != "invalid":
        for label, text in [("org_name", res.org_name), ("credit_code", res.credit_code), *((f"entry {k}", v) for k, v in res.entries.items())]:
            if isinstance(text, str) and (bad := bad_character(text, one_line=label in ("org_name", "credit_code"))):
                fails.append(f"{label} accepted with {bad}")
    json.dumps(res.as_json(), ensure_ascii=False)
    return fails


def check_actions(path: Path) -> list[str]:
    from scoring.fields import bad_character
    from scoring.inputs.actions import read_actions

    actions, problems = read_actions(path, "zj-skpw", ("5A", "4A", "3A", "2A", "不合格"))
    fails = _problem_failures(problems, str(path), "actions")
    for a in actions:
        for text in (a.credit_code, a.action, a.detail, a.document_no):
            if bad := bad_character(text, one_line=True):
                fails.append(f"line {a.line} accepted with {bad}")
    return fails


def run_batch(kind: str, bases: list[str], seeds: list[int], work: str) -> None:
    """The subprocess's side: one JSON line before and after each case (a hang or a crash names its seed)."""
    import traceback

    sources = [Path(b).read_bytes() for b in bases]
    for seed in seeds:
        print(json.dumps({"start": seed}), flush=True)
        rng = random.Random(f"{kind}-{seed}")
        i = rng.randrange(len(sources))
        src = sources[i]
        if kind == "csv":
            data, name = mutate_csv(src, rng), "actions.csv"
        elif kind == "cells":
            i = rng.choice([0, len(sources) - 1])  # the zj-skpw base as filled and as saved again
            data, name = mutate_cells(sources[i], rng), f"{seed}.xlsx"
        else:
            data, name = mutate_xlsx(src, rng), ("actions.xlsx" if kind == "actions_xlsx" else f"{seed}.xlsx")
        folder = Path(work) / str(seed)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(data)
        try:
            fails = check_workbook(path, Path(bases[i]).parent.name) if kind in ("xlsx", "cells") else check_actions(path)
        except BaseException as exc:  # noqa: B036 - MemoryError, RecursionError, SystemExit: each is a finding
            fails = ["".join(traceback.format_exception(exc)[-6:])]
        print(json.dumps({"done": seed, "fails": fails}, ensure_ascii=False), flush=True)
        if not fails:
            path.unlink()


WORKER = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
sys.path.insert(0, {tests!r})
sys.setrecursionlimit(10_000)
import test_fuzz_inputs as f
f.run_batch({kind!r}, {bases!r}, {seeds!r}, {work!r})
"""


def run_cases(kind: str, bases: list[Path], seeds: list[int], work: Path, timeout: float) -> dict[int, list[str]]:
    """Failures by seed of the cases `seeds`, run in bounded subprocesses (a batch that hangs or dies
    is restarted after the seed that did)."""
    failures: dict[int, list[str]] = {}
    todo = list(seeds)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    while todo:
        code = WORKER.format(limit=MEMORY_LIMIT, tests=str(ROOT / "tests"), kind=kind, bases=[str(b) for b in bases], seeds=todo, work=str(work))
        try:
            done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env, check=False)
            out, err, why = done.stdout, done.stderr, f"exit {done.returncode}"
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            err, why = "", f"timeout: over {timeout} s"
        finished, started = set(), None
        for line in out.splitlines():
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "start" in msg:
                started = msg["start"]
            else:
                finished.add(msg["done"])
                if msg["fails"]:
                    failures[msg["done"]] = msg["fails"]
        rest = [s for s in todo if s not in finished]
        if not rest:
            break
        if started is not None and started not in finished:  # the case that hung or killed its interpreter
            failures[started] = [f"{why}; {err[-1500:]}"]
            rest.remove(started)
        elif rest == todo:  # the interpreter died before any case
            pytest.fail(f"fuzz batch did not start ({why}): {err[-3000:]}")
        todo = rest
    return failures


def _report(kind: str, failures: dict[int, list[str]]) -> str:
    lines = [f"{len(failures)} {kind} case(s) failed:"]
    for seed, fails in sorted(failures.items())[:20]:
        lines.append(f"  seed {seed}: " + " | ".join(f[:600] for f in fails))
    return "\n".join(lines)


# --- the real inputs mutated ------------------------------------------------------------------------------


def make_workbooks(base: Path) -> list[Path]:
    """Real filled workbooks of three schemes (each in a folder named after its scheme)."""
    from helpers import ORGS, A, zj_workbook

    from scoring.excel.fill import fill_template
    from scoring.samples import random_entry

    out = [zj_workbook(base / "zj-skpw" / "a.xlsx", A, ORGS[A])]
    for scheme, seed in (("maturity", 3), ("hosting", 5)):
        values, tables = random_entry(scheme, random.Random(seed), 0.95)
        out.append(fill_template(scheme, values, base / scheme / "b.xlsx", tables))
    out.append(shared_strings(Path(out[0]), base / "zj-skpw" / "saved.xlsx"))
    return [frozen(Path(p)) for p in out]


def shared_strings(src: Path, dst: Path) -> Path:
    """`src` as Excel saves it: each inline string moved to the shared strings (xl/sharedStrings.xml)."""
    strings: list[bytes] = []

    def shared(m: re.Match) -> bytes:
        strings.append(m[2])
        return m[1] + b't="s"><v>' + str(len(strings) - 1).encode() + b"</v></c>"

    with zipfile.ZipFile(src) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    for name in [n for n in parts if n.startswith("xl/worksheets/")]:
        parts[name] = re.sub(rb'(<c [^<>]*?)t="inlineStr"><is>(.*?)</is></c>', shared, parts[name])
    sst = b"".join(b"<si>" + x + b"</si>" for x in strings)
    parts["xl/sharedStrings.xml"] = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="' + MAIN + b'">' + sst + b"</sst>"
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdSst" Type="' + REL_SST + b'" Target="sharedStrings.xml"/></Relationships>'
    )
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return dst


MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_SST = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def frozen(path: Path) -> Path:
    """`path` rewritten with fixed timestamps (openpyxl writes the time it saved in docProps/core.xml
    and each member's header), so a seed mutates the same bytes on every run."""
    with zipfile.ZipFile(path) as z:
        parts = [(i.filename, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            if name == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-01-01T00:00:00Z", data)
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return path


def actions_rows() -> list[list[str]]:
    from helpers import CODES, A, B

    return [
        ["2026-10-20", CODES[A], "年度检查合格", "", "浙环监协〔2026〕1号"],
        ["2026-10-21", CODES[B], "降级", "3A", "浙环监协〔2026〕2号"],
        ["2026-10-22", CODES[A], "证书退回", "ZJSK-2026-0001", ""],
        ["2026-10-23", CODES[B], "变更", "名称=宁波乙环境科技有限公司；地址=宁波市某路2号", "浙环监协〔2026〕3号"],
        ["2026-10-24", CODES[A], "撤销", "是否已退回：是", "浙环监协〔2026〕4号"],
        ["2026-10-25", CODES[B], "注销", "机构申请注销", "浙环监协〔2026〕5号"],
    ]


def make_actions_csv(base: Path) -> list[Path]:
    """actions.csv with each kind of row, with either header, in UTF-8, UTF-8 with BOM and GB18030."""
    from scoring.action_kinds import COLUMN_LABELS, COLUMNS

    out = []
    for i, (header, enc) in enumerate(((COLUMNS, "utf-8"), (COLUMN_LABELS, "utf-8-sig"), (COLUMNS, "gb18030"))):
        text = "\r\n".join(",".join(r) for r in [list(header), *actions_rows()]) + "\r\n"
        path = base / f"{i}.csv"
        path.write_bytes(text.encode(enc))
        out.append(path)
    return out


def make_actions_xlsx(base: Path) -> list[Path]:
    """The actions workbook as `scoring template actions` writes it, filled in by openpyxl as Excel would."""
    from openpyxl import load_workbook

    from scoring.excel.actions import write_actions_template

    path = write_actions_template(base / "actions.xlsx")
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    for r, row in enumerate(actions_rows(), start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, date.fromisoformat(value) if c == 1 else value)
    wb.save(path)
    return [frozen(path)]


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> list[Path]:
    return make_workbooks(tmp_path_factory.mktemp("fuzz-bases"))


@pytest.fixture(scope="module")
def actions_csv(tmp_path_factory) -> list[Path]:
    return make_actions_csv(tmp_path_factory.mktemp("fuzz-csv"))


@pytest.fixture(scope="module")
def actions_xlsx(tmp_path_factory) -> list[Path]:
    return make_actions_xlsx(tmp_path_factory.mktemp("fuzz-actions"))


FAST = list(range(150))  # the fast tier: 100 workbook cases, 60 of hostile cells, 75 of each actions file (+ REGRESSIONS)
SLOW = list(range(150, 2650))


def _cases(kind, bases, seeds, tmp_path, timeout):
    failures = run_cases(kind, bases, seeds, tmp_path / kind, timeout)
    assert not failures, _report(kind, failures)


def test_mutated_workbooks_are_read_as_coded_problems(workbooks, tmp_path):
    _cases("xlsx", workbooks, sorted(set(FAST[:100] + REGRESSIONS["xlsx"])), tmp_path, timeout=120)


def test_hostile_text_in_the_name_and_address_cells_is_refused_or_kept_as_text(workbooks, tmp_path):
    _cases("cells", workbooks, sorted(set(FAST[:60] + REGRESSIONS["cells"])), tmp_path, timeout=60)


def test_mutated_actions_csv_rows_are_coded_problems(actions_csv, tmp_path):
    _cases("csv", actions_csv, sorted(set(FAST[:75] + REGRESSIONS["csv"])), tmp_path, timeout=60)


def test_mutated_actions_workbooks_are_coded_problems(actions_xlsx, tmp_path):
    _cases("actions_xlsx", actions_xlsx, sorted(set(FAST[:75] + REGRESSIONS["actions_xlsx"])), tmp_path, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("kind, share", [("xlsx", 1500), ("cells", 500), ("csv", 1000), ("actions_xlsx", 500)])
def test_many_mutated_inputs(kind, share, workbooks, actions_csv, actions_xlsx, tmp_path):
    bases = {"xlsx": workbooks, "cells": workbooks, "csv": actions_csv, "actions_xlsx": actions_xlsx}[kind]
    _cases(kind, bases, SLOW[:share], tmp_path, timeout=600)


# --- end to end: one mutated input among valid ones, through the nightly -------------------------------------

NIGHT = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
sys.path.insert(0, {tests!r})
import test_fuzz_inputs as f
print(json.dumps(f.run_night({kind!r}, {base!r}, {seed!r}, {tmp!r}), ensure_ascii=False))
"""


def run_night(kind: str, base: str, seed: int, tmp: str) -> dict:
    """The subprocess's side: the small world's round (A and B) with one input mutated, published by the nightly."""
    from helpers import CODES as CREDIT_CODES
    from helpers import A, B, C

    from scoring.cli_report import nightly_summary
    from scoring.errors import CODES
    from scoring.jobs import EXIT_PUBLISHED, nightly

    t, wb = Path(tmp), Path(tmp) / "workbooks"
    rng = random.Random(f"{kind}-{seed}")
    src = Path(base).read_bytes()
    if kind in ("xlsx", "cells"):  # another organisation's form (C's credit code: A's would be a second form of A)
        with zipfile.ZipFile(_bytes_io(src)) as z:
            parts = {i.filename: z.read(i).replace(CREDIT_CODES[A].encode(), CREDIT_CODES[C].encode()) for i in z.infolist()}
        out = _bytes_io()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, part in parts.items():
                z.writestr(name, part)
        mutate = mutate_xlsx if kind == "xlsx" else mutate_cells
        target, data = wb / "zj-skpw" / "2026-1" / "mutated.xlsx", mutate(out.getvalue(), rng)
    else:
        target = wb / "zj-skpw" / ("actions.csv" if kind == "csv" else "actions.xlsx")
        data = mutate_csv(src, rng) if kind == "csv" else mutate_xlsx(src, rng)
    target.write_bytes(data)
    outcome = nightly(wb, t / "www" / "site", t / "registry.sqlite", SCORING_DATE, t / "nightly.log", t / "backups", summary=nightly_summary)
    fails = [] if outcome.code == EXIT_PUBLISHED else [f"nightly exit {outcome.code}: " + "\n".join(outcome.lines)[-2000:]]
    log = (t / "nightly.log").read_text(encoding="utf-8")
    if "Traceback" in log:
        fails.append("traceback in the log: " + log[-2000:])
    if outcome.result is not None:
        rep = outcome.result.report
        if not all(any(name in r for r in rep.new_results) for name in (A, B)):
            fails.append(f"the valid workbooks not all published: {rep.new_results}")
        for p in rep.problems:
            if p.code not in CODES or not CJK.search(p.message):
                fails.append(f"problem {p!r}")
        for page in (t / "www" / "site").rglob("*"):
            if page.suffix in (".html", ".xml", ".json", ".csv", ".txt") and page.is_file():
                text = page.read_bytes()
                for raw in (b"<script>alert", b"<img src=x", "\u202e".encode(), "\uffff".encode(), "\u200b".encode(), b"\x1b["):
                    if raw in text:
                        fails.append(f"{page.relative_to(t)} holds {raw!r} raw")
        if kind in ("xlsx", "cells") and len(rep.new_results) < 3 and not any("mutated.xlsx" in k for k in rep.workbook_problems):
            fails.append("the mutated workbook neither recorded nor reported")
    return {"fails": fails}


# A night takes a few seconds (MkDocs, Pagefind): one in the fast tier, a dozen more in the slow one.
NIGHTS = [("xlsx", 1)]
SLOW_NIGHTS = [("csv", 2), ("actions_xlsx", 3)] + [(kind, s) for kind in ("xlsx", "cells", "csv", "actions_xlsx") for s in range(10, 14)]


def _night(kind, seed, small_world, workbooks, actions_csv, actions_xlsx):
    tmp = small_world[0]
    base = {"xlsx": workbooks[0], "cells": workbooks[seed % 2 and -1], "csv": actions_csv[seed % len(actions_csv)], "actions_xlsx": actions_xlsx[0]}[
        kind
    ]
    code = NIGHT.format(limit=4 * MEMORY_LIMIT, tests=str(ROOT / "tests"), kind=kind, base=str(base), seed=seed, tmp=str(tmp))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    try:
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the nightly with {kind} seed {seed} ran over 300 s")
    assert done.returncode == 0, done.stderr[-3000:]
    fails = json.loads(done.stdout.splitlines()[-1])["fails"]
    assert not fails, f"{kind} seed {seed}: " + " | ".join(fails)


@pytest.mark.parametrize("kind, seed", NIGHTS)
def test_a_mutated_input_never_stops_the_nightly(kind, seed, small_world, workbooks, actions_csv, actions_xlsx):
    _night(kind, seed, small_world, workbooks, actions_csv, actions_xlsx)


@pytest.mark.slow
@pytest.mark.parametrize("kind, seed", SLOW_NIGHTS)
def test_more_mutated_inputs_never_stop_the_nightly(kind, seed, small_world, workbooks, actions_csv, actions_xlsx):
    _night(kind, seed, small_world, workbooks, actions_csv, actions_xlsx)


# --- many mutated workbooks in one run, as publish reads them (a worker pool from 64 files) -------------------

TOGETHER = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
sys.path.insert(0, {tests!r})
import test_fuzz_inputs as f
print(json.dumps(f.run_together({bases!r}, {seeds!r}, {work!r}), ensure_ascii=False))
"""


def run_together(bases: list[str], seeds: list[int], work: str) -> list[str]:
    """The subprocess's side: the xlsx and cells cases of `seeds` scored in one call on two workers ->
    the files whose result differs from the one they get alone."""
    from scoring.pipeline import score_files

    sources = [Path(b).read_bytes() for b in bases]
    files: list[tuple[Path, str | None]] = []
    for seed in seeds:
        kind = "cells" if seed % 2 else "xlsx"
        rng = random.Random(f"{kind}-{seed}")
        i = rng.randrange(len(sources)) if kind == "xlsx" else rng.choice([0, len(sources) - 1])
        data = mutate_xlsx(sources[i], rng) if kind == "xlsx" else mutate_cells(sources[i], rng)
        path = Path(work) / f"{kind}-{seed}.xlsx"
        path.write_bytes(data)
        files.append((path, Path(bases[i]).parent.name))
    together = score_files(files, jobs=2, scoring_date=SCORING_DATE)
    alone = [score_files([f], jobs=1, scoring_date=SCORING_DATE)[0] for f in files]
    return [a.file for a, b in zip(together, alone) if a.as_json() != b.as_json() or a.file != b.file]


def test_mutated_workbooks_read_together_are_each_read_as_alone(workbooks, tmp_path):
    code = TOGETHER.format(
        limit=MEMORY_LIMIT * 2, tests=str(ROOT / "tests"), bases=[str(b) for b in workbooks], seeds=list(range(80)), work=str(tmp_path)
    )
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180, env=env, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1]) == []
