"""Where an organisation was registered: characters 3–8 of its credit code are the registering
authority's GB/T 2260 division code; the names come from scoring/data/regions.json (see
scripts/update_regions.py for its source)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

__all__ = ["region_of", "regions_source"]

MUNICIPALITIES = {"11", "12", "31", "50"}  # 直辖市: the city is the province


@lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads((Path(__file__).parent / "data" / "regions.json").read_text(encoding="utf-8"))


def region_of(credit_code: str) -> tuple[str, str]:
    """(province, city) of a credit code, "" where the code names none."""
    division = (credit_code or "")[2:8]
    if len(division) != 6 or not division.isdigit():
        return "", ""
    t = _table()
    province = t["provinces"].get(division[:2], "")
    city = t["cities"].get(division[:4], "")
    if not city and province:
        city = province if division[:2] in MUNICIPALITIES else ("省直辖县级行政区划" if division[2:4] == "90" else "")
    return province, city


def regions_source() -> str:
    return str(_table()["source"])
