"""The lifecycle simulator's bounded run: ten months of an issuing body's days, every publish
checked against the simulator's own model (scripts/simulate.py; the three-year run is in
BENCHMARKS.md)."""

import importlib.util
import sys
from collections import Counter

import pytest
from helpers import ROOT

pytestmark = pytest.mark.slow


def load_simulator():
    spec = importlib.util.spec_from_file_location("simulate", ROOT / "scripts" / "simulate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["simulate"] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_ten_months_of_nightly_publishing_without_a_violation(tmp_path):
    sim = load_simulator()
    # every 4th publish is rebuilt from scratch and compared byte for byte with the nightly one,
    # which carries unchanged files over from the site before it (issue 16)
    w = sim.simulate(0.85, seed=3, root=tmp_path / "instance", rebuild_every=4, quiet_every=90, log=lambda *a: None)
    assert w.violations == []
    assert w.publishes >= 60 and w.rebuilds >= 12
    assert w.incremental >= w.built - 2, (w.incremental, w.built)  # all but the first build or so
    statuses = Counter(c["status"] for c in w.certs_now.values())
    assert {"有效", "已换发"} <= set(statuses) and len(statuses) >= 4, statuses
    assert w.counts.get("rounds", 0) >= 10 and sum(w.counts.get(k, 0) for k in ("撤销", "降级", "变更", "注销")) >= 3, w.counts
