"""The files beside and inside `--out` as a web server needs them: the site world-readable whatever
the umask (cron's may be 077), while what is private (the registry) stays as the umask made it."""

import os
import stat
from pathlib import Path

from helpers import D

from scoring.jobs import publish


def modes(root: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for p in root.rglob("*"):
        if not p.is_symlink():
            found[str(p.relative_to(root))] = stat.S_IMODE(p.stat().st_mode)
    return found


def test_the_site_is_world_readable_whatever_the_umask(small_world):
    tmp, wb, r1 = small_world
    out, db = tmp / "www" / "site", tmp / "registry.sqlite"
    old = os.umask(0o077)
    try:
        publish(wb, out, D("2026-11-25"), db)
        (r1 / "round.toml").write_text(
            (r1 / "round.toml").read_text(encoding="utf-8").replace("2026年度第一批", "2026年度第一批（更正）"), encoding="utf-8"
        )
        publish(wb, out, D("2026-11-26"), db)  # a night made in the spare, with files carried over
    finally:
        os.umask(old)
    site = out.resolve()
    wrong = {p: oct(m) for p, m in modes(site).items() if m != (0o755 if (site / p).is_dir() else 0o644)}
    assert wrong == {}
    # the way to it: the builds folder, and the folder publish made for --out
    assert stat.S_IMODE(site.parent.stat().st_mode) == 0o755 and stat.S_IMODE(out.parent.stat().st_mode) == 0o755
    assert stat.S_IMODE(db.stat().st_mode) == 0o600  # the registry (private entries) stays private
