"""The registry database (`registry/db.py`): one writer at a time."""

import subprocess
import sys

import pytest
from helpers import ingest_on

from scoring.registry import RegistryBusy, open_registry


def test_a_second_writer_is_refused_cleanly(world):
    tmp, wb, db = world
    with open_registry(db):
        with pytest.raises(RegistryBusy, match="另一个进程"):
            with open_registry(db):
                pass
        out = subprocess.run(
            [sys.executable, "-m", "scoring", "registry", "ingest", "--workbooks", str(wb), "--db", str(db), "--today", "2025-10-10"],
            capture_output=True,
            text=True,
        )
        assert out.returncode == 1 and "另一个进程" in out.stderr and "Traceback" not in out.stderr
    ingest_on(db, wb, "2025-10-10")  # free again
