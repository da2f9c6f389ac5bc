import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from scoring.excel.fill import fill_template  # noqa: E402
from scoring.samples import random_entry  # noqa: E402

SCHEMES = ["zj-skpw", "maturity", "datong-filing", "xuzhou-service", "hosting"]


@pytest.fixture
def fill(tmp_path):
    """fill(scheme, overrides=None, seed=0, name=None, quality=0.9) -> path of a filled workbook."""
    counter = iter(range(10**6))

    def _fill(scheme, overrides=None, seed=0, name=None, quality=0.9, tables=None, drop=()):
        values, tabs = random_entry(scheme, random.Random(seed), quality)
        values.update(overrides or {})
        for f in drop:
            values.pop(f, None)
        if tables is not None:
            tabs = tables
        path = tmp_path / scheme / (name or f"{next(counter)}.xlsx")
        return fill_template(scheme, values, path, tabs)

    return _fill
