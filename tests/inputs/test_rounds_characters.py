"""round.toml titles (`inputs/rounds.py`, issue 24, class 2): a title heads the notices, the feed
and the report, so one holding a character XML forbids, a bidirectional control, a zero-width
character or a line break is refused naming the file and the setting; the round waits, nothing
breaks."""

import pytest
from helpers import codes, ingest_on

from scoring.inputs.rounds import RoundError, load_round
from scoring.workdays import load_calendar


@pytest.mark.parametrize("escape", ["\\uFFFF", "\\u202E", "\\u200B", "\\u2028", "\\uFEFF"])
def test_a_title_with_an_unshowable_character_is_refused(tmp_path, escape):
    folder = tmp_path / "2026-1"
    folder.mkdir()
    (folder / "round.toml").write_text(f'title = "2026年度{escape}第一批"\nnotice_date = 2026-10-12\n', encoding="utf-8")
    with pytest.raises(RoundError) as exc:
        load_round(folder, "zj-skpw", load_calendar(None))
    message = str(exc.value)
    assert "round.toml" in message and "title" in message and f"U+{escape[2:]}" in message
    assert message.isprintable()


def test_the_round_waits_and_the_others_are_recorded(small_world):
    tmp, wb, r1 = small_world
    (r1 / "round.toml").write_text('title = "2026年度第一批\\u202E示公"\nnotice_date = 2026-10-12\n', encoding="utf-8")
    rep = ingest_on(tmp / "registry.sqlite", wb, "2026-10-12")
    assert codes(rep) == ["round_invalid"] and rep.new_results == [] and "\u202e" not in rep.problems[0].message
    (r1 / "round.toml").write_text('title = "2026年度第一批"\nnotice_date = 2026-10-12\n', encoding="utf-8")
    assert len(ingest_on(tmp / "registry.sqlite", wb, "2026-10-12").new_results) == 2
