"""Plain returns for intake tests: the synthetic panel's 2024 figures, one CSV per district."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evaluation import paths

YEAR = 2024


def panel_year(year: int = YEAR) -> pd.DataFrame:
    """The synthetic panel's rows of ``year`` as text, as a district would send them."""
    df = pd.read_csv(paths.ROOT / "data" / "submissions" / "synthetic_panel.csv", dtype=str, keep_default_na=False)
    return df[df["year"] == str(year)]


def write_returns(folder: Path, copies: int = 1) -> list[Path]:
    """One long-format CSV per district (``copies`` > 1 renames districts ``k0001…`` to make more)."""
    folder.mkdir(parents=True, exist_ok=True)
    df = panel_year()
    out = []
    groups = list(df.groupby("district"))
    for k in range(copies):
        for code, g in groups:
            name = code if copies == 1 else f"k{k * len(groups) + int(code[-2:]):04d}"
            g = g.assign(district=name)
            path = folder / f"{name}.csv"
            g.to_csv(path, index=False)
            out.append(path)
    return out


def register_csv(path: Path, codes: list[str]) -> Path:
    """A districts register CSV listing ``codes``."""
    pd.DataFrame({"code": codes, "name_zh": [f"{c}区" for c in codes], "name_en": codes, "city": "示例市",
                  "peer_group": "城区"}).to_csv(path, index=False)
    return path
