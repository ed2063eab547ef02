"""What a report is about: its district, its year, whether it is a city's report, where its plans start.

Inferred from the text when the user does not say (``--district``, ``--year``): the district is the
most often named ``…区`` / ``…县`` (the issuing bureau's name wins), the year is the most often named
``20xx年`` outside ranges, and a report issued by a city bureau (``市司法局`` at the top, no district
bureau) is city-level, so none of its figures is a district's. The plan part of a report (a heading
such as ``2021年工作要点``, ``工作计划``, ``主要安排``) holds targets, not results.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

__all__ = ["Scope", "infer_scope"]

_DISTRICT = re.compile(r"([\u4e00-\u9fff]{2,3}?(?:新区|区|县))(?:司法局|政府|人民政府|委|法院|各|共|全|的|，|,|。|\s)")
_BUREAU = re.compile(r"([\u4e00-\u9fff]{2,3}?(?:新区|区|县))司法局")
_YEAR = re.compile(r"(?<![\d-])(20\d{2})年(?!\s*[-—至~])")
_CITY = re.compile(r"(?<![区县])市司法局|市委|市政府")
_PLAN = re.compile(r"^[\s一二三四五六七八九十、.．(（)）0-9]*(?:20\d{2}年)?.{0,16}"
                   r"(?:工作要点|工作计划|工作安排|主要安排|工作打算|下一步工作|工作思路|努力方向)\s*$", re.M)
_LEADING = "年月日的和在与及、对向为是于共各全本我该由把将从到"
_NOT_DISTRICT = {"城区", "市区", "社区", "园区", "辖区", "全区", "本区", "我区", "新区", "各区", "该区", "地区",
                 "景区", "街区", "校区", "片区", "小区", "中心城区", "示范区", "先行示范区", "集聚区", "试验区",
                 "自贸区", "开发区"}
_NOT_SUFFIX = ("社区", "园区", "辖区", "景区", "街区", "校区", "片区", "小区", "市区", "示范区", "集聚区", "试验区",
               "自贸区", "开发区", "中心城区")


def _name(raw: str) -> str | None:
    """A district name without leading function words (年静安区 → 静安区); None for 社区, 园区 …"""
    name = raw.lstrip(_LEADING)
    if len(name) < 2 or name in _NOT_DISTRICT or name.endswith(_NOT_SUFFIX):
        return None
    return name


@dataclass(frozen=True)
class Scope:
    """District name, year, level (``district`` or ``city``) and the offset where plans start."""

    district: str | None
    year: int | None
    level: str
    plan_start: int | None
    how: str

    def is_plan(self, offset: int) -> bool:
        """True when ``offset`` lies in the report's plan part."""
        return self.plan_start is not None and offset >= self.plan_start


def infer_scope(text: str) -> Scope:
    """Infer district, year, level and plan part of a report's text (see the module docstring)."""
    head = text[:600]
    bureaus = [n for n in (_name(m.group(1)) for m in _BUREAU.finditer(text)) if n]
    names = [n for n in (_name(m.group(1)) for m in _DISTRICT.finditer(text)) if n]
    counts = Counter(names)
    district = None
    how = []
    if bureaus:
        district = Counter(bureaus).most_common(1)[0][0]
        how.append(f"区 district {district} (issuing bureau {district}司法局)")
    elif counts:
        district, n = counts.most_common(1)[0]
        how.append(f"区 district {district} (named {n}×)")
    years = Counter(int(y) for y in _YEAR.findall(text))
    year = None
    if years:
        year, n = years.most_common(1)[0]
        how.append(f"年 year {year} (named {n}×)")
    city = bool(_CITY.search(head)) and not re.search(r"[区县]司法局", head)
    level = "city" if city else "district"
    if city:
        district = None
        how = [h for h in how if not h.startswith("区")] + ["市级报告 city-level report (issued by a city bureau)"]
    plan = None
    for m in _PLAN.finditer(text):
        line = m.group(0).strip()
        if len(line) <= 40 and "《" not in line and m.start() > len(text) // 4:
            plan = m.start()
            how.append(f"计划部分 plan part from “{line}”")
            break
    return Scope(district, year, level, plan, "; ".join(how))
