"""round.toml (`inputs/rounds.py`): settings that would crash a run are refused."""

import subprocess
import sys

from helpers import codes, ingest_on


def test_round_settings_that_would_crash_are_refused(small_world):
    tmp, wb, r1 = small_world
    (r1 / "round.toml").write_text('title = "x"\nnotice_date = 2026-11-02T10:00:00\n', encoding="utf-8")
    rep = ingest_on(tmp / "registry.sqlite", wb, "2026-11-02")
    assert codes(rep) == ["round_invalid"] and "不带时间" in rep.problems[0].message
    (r1 / "round.toml").write_text(f'title = "{"长" * 10_000}"\nnotice_date = 2026-11-02\n', encoding="utf-8")
    assert codes(ingest_on(tmp / "registry.sqlite", wb, "2026-11-02")) == ["round_invalid"]
    res = subprocess.run([sys.executable, "-m", "scoring", "publish", "--today", "9999-12-31"], capture_output=True, text=True, cwd=tmp)
    assert res.returncode == 2 and "2099-12-31" in res.stderr and "Traceback" not in res.stderr
