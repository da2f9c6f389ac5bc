"""Seeded mutations of the real TOML files (round.toml, calendar.toml, scoring.toml): never a
traceback; each broken file is its own coded problem naming it (or an InstanceError naming
scoring.toml), the other inputs are collected as usual; bounded time."""

import random
import time

from helpers import ORGS, A, write_round, zj_workbook

from scoring.inputs import collect_inputs
from scoring.inputs.instance import InstanceError, init_instance, load_instance

PIECES = [
    "[",
    "]",
    "{",
    "}",
    '"',
    "'",
    '"""',
    "'''",
    ".",
    "=",
    ",",
    "\n",
    "#",
    "\\",
    "\x00",
    "\ufeff",
    "2027-13-01",
    "a.b.c",
    "[[x]]",
    "{a={b={c=1}}}",
]


def mutate(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 8)):
        kind = rng.random()
        at = rng.randint(0, len(chars))
        if kind < 0.15:  # a value nested deep, or a key of many parts
            values = [i + 1 for i, c in enumerate(chars) if c == "="] or [0]
            at = rng.choice(values)
            chars[at:at] = list(rng.choice(["[", "{a=", "[{a=", "a."]) * rng.choice([40, 2000, 20000]))
        elif kind < 0.4:
            chars[at:at] = list(rng.choice(PIECES))
        elif kind < 0.6 and chars:
            del chars[min(at, len(chars) - 1)]
        elif kind < 0.8:
            chars[at:at] = list(rng.choice(PIECES) * rng.choice([10, 100, 5000]))  # nesting, long keys
        else:
            chars[at:at] = [chr(rng.randint(1, 0x10FFFF)) if rng.random() < 0.5 else chr(rng.randint(1, 127))]
    return "".join(chars).encode("utf-8", "surrogatepass").decode("utf-8", "replace")


ROUND = 'title = "2026年度第一批"\nnotice_date = 2026-10-12\nissue_date = 2026-10-30\nwithheld = ["91330100MA2B0X0X0X"]\n'
CALENDAR = "[2031]\nholidays = [2031-01-01, 2031-02-10, 2031-02-11]\nworkdays = [2031-02-08]\n"


def test_mutated_round_and_calendar_files_are_coded_problems(tmp_path):
    rng = random.Random(24)
    wb = tmp_path / "workbooks"
    good = wb / "zj-skpw" / "2026-1"
    write_round(good, "2026年度第一批", "2026-10-12")
    zj_workbook(good / f"{A}.xlsx", A, ORGS[A])
    bad = wb / "zj-skpw" / "2026-2"
    bad.mkdir(parents=True)
    started = time.perf_counter()
    for _ in range(400):
        (bad / "round.toml").write_text(mutate(ROUND, rng), encoding="utf-8")
        (wb / "calendar.toml").write_text(mutate(CALENDAR, rng), encoding="utf-8")
        inputs = collect_inputs(wb)
        assert f"zj-skpw/2026-1/{A}.xlsx" in [f.rel for f in inputs.files()]  # the other round, as ever
        for p in inputs.problems:
            assert p.code in ("round_invalid", "calendar_invalid", "unknown_year", "round_frozen"), p
            assert p.file in (str(bad / "round.toml"), str(wb / "calendar.toml")), p
            assert "Traceback" not in p.message
    assert time.perf_counter() - started < 60


def test_mutated_scoring_toml_is_read_or_an_instance_error(tmp_path):
    rng = random.Random(2024)
    inst = tmp_path / "inst"
    init_instance(inst, ["zj-skpw"], title="浙江省运维服务机构能力评估结果公示", site_url="https://pingjia.example.org/")
    original = (inst / "scoring.toml").read_text(encoding="utf-8")
    started = time.perf_counter()
    for _ in range(600):
        (inst / "scoring.toml").write_text(mutate(original, rng), encoding="utf-8")
        try:
            load_instance(inst / "scoring.toml")
        except InstanceError as exc:
            assert str(inst / "scoring.toml") in str(exc)
    assert time.perf_counter() - started < 30
