"""The districts a form is written for: code, bilingual name, city, peer group and offices.

A districts table is a CSV with columns ``district,name_zh,name_en,city,peer_group`` (the ledger's
districts register hands the same columns over as a pandas row). Offices come from a separate
office table ``office,district[,office_name]`` such as ``data/submissions/synthetic_offices_districts.csv``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import FormError
from .layout import Office

DISTRICT_COLUMNS = ("district", "name_zh", "name_en", "city", "peer_group")


@dataclass(frozen=True)
class District:
    """One assessed district (or county) as printed on its form."""

    code: str
    name_zh: str = ""
    name_en: str = ""
    city: str = ""
    peer_group: str = ""
    offices: tuple[Office, ...] = field(default=())

    @property
    def label(self) -> str:
        """``示例区01 / Sample District 01 (sample_01)``, or the code alone."""
        names = " / ".join(n for n in (self.name_zh, self.name_en) if n)
        return f"{names} ({self.code})" if names else self.code

    @property
    def name(self) -> str:
        """The bilingual name as the submission files write it (``district_name``)."""
        return " / ".join(n for n in (self.name_zh, self.name_en) if n) or self.code

    @classmethod
    def of(cls, row: District | Mapping[str, Any] | pd.Series | str) -> District:
        """A district from a districts-table row (mapping or pandas row), a code, or itself."""
        if isinstance(row, District):
            return row
        if isinstance(row, str):
            return cls(row)
        get = row.get
        code = get("district")
        if code is None or (isinstance(code, float) and pd.isna(code)) or not str(code).strip():
            raise FormError("区县代码为空 / a district row has no 'district' code")

        def text(key: str) -> str:
            v = get(key)
            return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip()

        offices = get("offices") or ()
        return cls(str(code).strip(), text("name_zh"), text("name_en"), text("city"), text("peer_group"),
                   tuple(o if isinstance(o, Office) else Office(*o) for o in offices))


def read_districts(path: str | Path, offices: str | Path | None = None) -> list[District]:
    """Read a districts CSV (and optionally an office table); every problem in one error."""
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise FormError(f"无法读取区县表 {path} / cannot read the districts table {path}: {exc}") from None
    missing = [c for c in DISTRICT_COLUMNS if c not in table.columns]
    problems = []
    if "district" in missing:
        raise FormError(f"{path.name}: 缺少列 district / the districts table needs a 'district' column; "
                        f"columns are {', '.join(DISTRICT_COLUMNS)}")
    for c in missing:
        table[c] = ""
    seen: dict[str, int] = {}
    for i, code in enumerate(table["district"], start=2):
        code = code.strip()
        if not code:
            problems.append(f"{path.name} 第 {i} 行 / row {i}: 区县代码为空 / empty district code")
        elif code in seen:
            problems.append(f"{path.name} 第 {i} 行 / row {i}: 区县代码 {code!r} 重复（第 {seen[code]} 行）"
                            f" / duplicate district {code!r} (row {seen[code]})")
        seen.setdefault(code, i)
    if problems:
        raise FormError(f"区县表有误 / the districts table {path.name} is invalid", problems)
    by_district = read_offices(offices) if offices is not None else {}
    unknown = sorted(set(by_district) - set(seen))
    if unknown:
        raise FormError(f"司法所表中的区县不在区县表中 / the office table names districts that are not in "
                        f"{path.name}: {', '.join(unknown)}")
    return [District.of({**row, "offices": by_district.get(row["district"].strip(), ())})
            for row in table.to_dict("records")]


def read_offices(path: str | Path) -> dict[str, tuple[Office, ...]]:
    """An office table ``office,district[,office_name]`` as {district: offices in file order}."""
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise FormError(f"无法读取司法所表 {path} / cannot read the office table {path}: {exc}") from None
    missing = [c for c in ("office", "district") if c not in table.columns]
    if missing:
        raise FormError(f"{path.name}: 缺少列 {', '.join(missing)} / the office table needs columns "
                        f"office, district (optional office_name)")
    out: dict[str, list[Office]] = {}
    for row in table.to_dict("records"):
        name = row.get("office_name", "").strip() or row["office"].strip()
        out.setdefault(row["district"].strip(), []).append(Office(row["office"].strip(), name))
    return {k: tuple(v) for k, v in out.items()}


def districts_from_panel(path: str | Path) -> list[District]:
    """The districts of a long submission file (``district``, ``district_name``, ``group``).

    ``district_name`` ``"示例区01 / Sample District 01"`` gives both names; ``group`` is taken as the
    city, and the peer group is the city's code (``sample_city_a``).
    """
    table = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=lambda c: c in (
        "district", "district_name", "group"))
    table = table.drop_duplicates("district")
    out = []
    for row in table.to_dict("records"):
        zh, _, en = row.get("district_name", "").partition(" / ")
        city = row.get("group", "")
        city_en = city.partition(" / ")[2] or city
        out.append(District(row["district"], zh.strip(), en.strip(), city,
                            city_en.strip().lower().replace(" ", "_")))
    return out


def offices_from_sample(mapping: str | Path, sample: str | Path | None = None) -> dict[str, tuple[Office, ...]]:
    """Offices per district from an office table, named from a wide office sample when given."""
    offices = read_offices(mapping)
    if sample is None:
        return offices
    names = pd.read_csv(sample, dtype=str, keep_default_na=False, usecols=["district", "district_name"])
    name_of = dict(zip(names["district"], names["district_name"], strict=True))
    return {d: tuple(Office(o.code, name_of.get(o.code, o.name)) for o in offs) for d, offs in offices.items()}


def with_offices(districts: Sequence[District], offices: Mapping[str, Sequence[Office]]) -> list[District]:
    """The districts with their offices attached (districts without offices keep none)."""
    from dataclasses import replace

    return [replace(d, offices=tuple(offices.get(d.code, d.offices))) for d in districts]
