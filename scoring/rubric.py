"""Load a scheme's rubric: `scoring/rubrics/<scheme>.yaml` parsed into its dataclasses
(`scoring.rubric_data`), then each item's rule checked against the rule kind it names
(`scoring.rules.RULES`: the kind exists and takes exactly the parameters given).

This is the loader the rest of the package calls (`load_rubric`, `scheme_ids`), and it re-exports
the rubric's dataclasses and helpers so a caller needs one import. It sits above both the data and
the rule kinds; the data imports neither this module nor the rules.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from .rubric_data import (
    Band,
    CertificateRules,
    Check,
    Condition,
    Decision,
    Field,
    Gate,
    Grades,
    Item,
    Lifecycle,
    OfficeSettings,
    ReportWording,
    Rubric,
    RubricError,
    Section,
    Stage,
    Table,
    TableColumn,
    expression_names,
    field_placements,
    read_rubric,
    score_sheet_inputs,
)
from .rules import RULES

__all__ = [
    "RubricError",
    "Field",
    "TableColumn",
    "Table",
    "Check",
    "Gate",
    "Item",
    "Section",
    "Condition",
    "Band",
    "Grades",
    "Decision",
    "CertificateRules",
    "Lifecycle",
    "Stage",
    "ReportWording",
    "OfficeSettings",
    "Rubric",
    "load_rubric",
    "parse_rubric",
    "scheme_ids",
    "RUBRIC_DIR",
    "score_sheet_inputs",
    "field_placements",
    "expression_names",
    "template_ids",
]

RUBRIC_DIR = Path(__file__).parent / "rubrics"


def template_ids() -> list[str]:
    """Every workbook `scoring template` can write: assessment schemes and plain forms."""
    return sorted(p.stem for p in RUBRIC_DIR.glob("*.yaml"))


def scheme_ids() -> list[str]:
    """The assessment schemes (scored, registered, published)."""
    return [t for t in template_ids() if _kind_of(t) == "assessment"]


@cache
def _kind_of(template: str) -> str:
    head = (RUBRIC_DIR / f"{template}.yaml").read_text(encoding="utf-8")[:2000]
    m = re.search(r"^kind:\s*(\w+)", head, re.M)
    return m[1] if m else "assessment"


@cache
def load_rubric(scheme: str) -> Rubric:
    path = RUBRIC_DIR / f"{scheme}.yaml"
    if not path.exists():
        raise RubricError(f"unknown scheme {scheme!r}; known: {', '.join(template_ids())}")
    return parse_rubric(path)


def parse_rubric(path: Path) -> Rubric:
    """A rubric file, parsed and its rules checked; RubricError names the file and the place."""
    rubric = read_rubric(path)
    check_rules(rubric, path)
    return rubric


def check_rules(rubric: Rubric, path: Path) -> None:
    """Each item names a known rule kind and gives exactly the parameters that kind takes."""
    for i, it in enumerate(rubric.items):
        where = f"items[{i}] ({it.id})"
        if it.kind not in RULES:
            raise RubricError(f"{path}: {where}: unknown rule kind {it.kind!r}")
        wrong = RULES[it.kind].check_params(it.params)
        if wrong:
            raise RubricError(f"{path}: {where}: {wrong}")
