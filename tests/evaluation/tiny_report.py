"""A tiny, hand-checkable framework and submission shared by the report tests.

Framework ``tiny``: index T = 0.6 A + 0.4 B; A = (40 A.1 + 20 A.2) / 60; B = B.1.
A.1 closure rate ``closed / cases`` on goalposts [0.5, 1]; A.2 aid per 10,000 residents on [0, 20];
B.1 satisfaction on [0.8, 1]. Baseline methodology (a dimension needs half of its indicators, the
index half of its dimensions).

2024 (hand-computed):

====  ========  ========  ========  =====  =====  =====  ====
dist  A.1       A.2       B.1       A      B      index  rank
====  ========  ========  ========  =====  =====  =====  ====
x     0.9 → 80  10 → 50   0.95 → 75  70     75     72     2
y     1.0 → 100 5 → 25    missing   75     –      75     1
z     0/0 → –   4 → 20    0.85 → 25  20     25     22     3
====  ========  ========  ========  =====  =====  =====  ====

2023: x 52 (rank 2), y 74 (rank 1); z has no 2023 figures.
"""

from __future__ import annotations

from pathlib import Path

FRAMEWORK_YAML = """
id: tiny
version: "1"
name: {zh: 小指数, en: Tiny index}
figures:
  - {id: population, zh: 常住人口, en: Resident population, unit: 人, kind: count, range: [1000, 100000000]}
  - {id: cases, zh: 案件数, en: Cases received, unit: 件, kind: count}
  - {id: closed, zh: 结案数, en: Cases closed, unit: 件, kind: count}
  - {id: aid, zh: 法律援助数, en: Legal-aid cases, unit: 件, kind: count}
  - {id: sat, zh: 满意率, en: Satisfaction survey, unit: '%', kind: rate}
checks:
  - {part: closed, whole: cases}
nodes:
  - {code: T, zh: 小指数, en: Tiny index}
  - {code: A, parent: T, weight: 60, zh: 甲维度, en: Dimension A}
  - {code: A.1, parent: A, weight: 40, zh: 结案率, en: Closure rate, unit: '%', direction: +,
     formula: closed / cases, goalposts: [0.5, 1.0]}
  - {code: A.2, parent: A, weight: 20, zh: 每万人法律援助数, en: Aid & advice per 10k, unit: 件/万人,
     direction: +, formula: per10k(aid), goalposts: [0, 20]}
  - {code: B, parent: T, weight: 40, zh: 乙维度, en: Dimension B}
  - {code: B.1, parent: B, weight: 40, zh: 满意率, en: Satisfaction, unit: '%', direction: +,
     formula: sat, goalposts: [0.8, 1.0]}
"""

ROWS = {
    ("x", 2023): {"population": 100000, "cases": 100, "closed": 80, "aid": 80, "sat": "90%"},
    ("y", 2023): {"population": 200000, "cases": 50, "closed": 45, "aid": 200, "sat": "96%"},
    ("x", 2024): {"population": 100000, "cases": 100, "closed": 90, "aid": 100, "sat": "95%"},
    ("y", 2024): {"population": 200000, "cases": 50, "closed": 50, "aid": 100},
    ("z", 2024): {"population": 50000, "cases": 0, "closed": 0, "aid": 20, "sat": "85%"},
}

NAMES = {"x": "甲区 / District X", "y": "乙区 / District Y", "z": "丙区 / District Z"}
HOSTILE = "<script>alert(1)</script>&"


def write_tiny(folder: Path, source: str = "synthetic:tests", names: dict[str, str] | None = None
               ) -> tuple[Path, Path]:
    """Write the tiny framework and its figures (long CSV) into ``folder``; return their paths."""
    names = {**NAMES, **(names or {})}
    fw = folder / "tiny.yaml"
    fw.write_text(FRAMEWORK_YAML, encoding="utf-8")
    lines = ["district,year,figure,value,district_name,source"]
    for (district, year), figures in ROWS.items():
        for fid, value in figures.items():
            name = names[district].replace('"', '""')
            lines.append(f'{district},{year},{fid},{value},"{name}",{source}')
    csv = folder / "tiny.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv, fw


#: The tiny framework with 加分 (bonus) and 一票否决 (veto) items (district_rol declares none).
ADJUSTED_YAML = FRAMEWORK_YAML.replace(
    "checks:",
    "  - {id: awards, zh: 获评示范次数, en: Model awards, unit: 个, kind: count}\n"
    "  - {id: innovations, zh: 创新经验推广数, en: Innovations adopted, unit: 个, kind: count}\n"
    "  - {id: incidents, zh: 重大违法事件数, en: Major incidents, unit: 件, kind: count}\n"
    "bonus:\n"
    "  - {id: award, zh: 获评示范, en: Model award, figure: awards, per_unit: 0.5, max: 2}\n"
    "  - {id: innovation, zh: 创新经验被推广, en: Innovation adopted, figure: innovations, points: 1, threshold: 1}\n"
    "veto:\n"
    "  - {id: incident, zh: 发生重大违法事件, en: Major unlawful incident, figure: incidents, threshold: 1,\n"
    "     cap_grade: Fail}\n"
    "checks:").replace("id: tiny\n", "id: tiny_adjusted\n")

#: 2024 adjustment figures with their documents: x 1 award (+0.5) and 1 incident (veto); y 4 awards
#: (+2, the item's max) and 1 innovation (+1); z none.
ADJUSTED_ROWS = {
    ("x", 2024, "awards"): ("1", "doc_x", "获评市级示范1次"),
    ("x", 2024, "incidents"): ("1", "doc_x", "发生重大违法行政案件1起"),
    ("y", 2024, "awards"): ("4", "doc_y", "4个社区获评示范"),
    ("y", 2024, "innovations"): ("1", "doc_y", "<b>经验</b>被推广"),
    ("y", 2024, "incidents"): ("0", "doc_y", ""),
}


def write_tiny_adjusted(folder: Path) -> tuple[Path, Path]:
    """The tiny figures plus :data:`ADJUSTED_ROWS`, under :data:`ADJUSTED_YAML`; return (figures, framework)."""
    csv, _ = write_tiny(folder)
    fw = folder / "tiny_adjusted.yaml"
    fw.write_text(ADJUSTED_YAML, encoding="utf-8")
    lines = csv.read_text(encoding="utf-8").splitlines()
    out = [lines[0] + ",quote"] + [line + "," for line in lines[1:]]
    for (district, year, fid), (value, source, quote) in ADJUSTED_ROWS.items():
        out.append(f'{district},{year},{fid},{value},"{NAMES[district]}",{source},"{quote}"')
    csv.write_text("\n".join(out) + "\n", encoding="utf-8")
    return csv, fw
