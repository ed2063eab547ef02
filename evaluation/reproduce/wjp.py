"""The World Justice Project's Rule of Law Index: its framework, methodology, tables and tolerances."""

from collections.abc import Mapping
from pathlib import Path

from indicators import IndexResult, Methodology, build_index
from indicators.framework import Framework, load_framework
from indicators.methodology import load_methodology

from .. import paths
from .compare import reproduce
from .read import Table, read_table
from .result import Reproduction

# ---------------------------------------------------------------------------------------------
# WJP
# ---------------------------------------------------------------------------------------------
WJP_FRAMEWORK = paths.FRAMEWORKS / "wjp_roli.yaml"
WJP_METHODOLOGY = paths.METHODOLOGIES / "wjp.yaml"
#: WJP's 2012 sub-factor scores are stored rounded to 2 decimals: agreement is within 5e-3 there.
WJP_YEAR_TOLERANCE = {2012: 5e-3}


def read_wjp(path: str | Path, framework: Framework | None = None) -> tuple[Table, Table]:
    """Read WJP's published table (``roli.csv``: country, year, code, region, roli, f1…, sf11…).

    Returns ``(inputs, published)``: the 44 sub-factor scores (the figures of
    ``data/frameworks/wjp_roli.yaml``) and the published overall and factor scores (and the
    sub-factors again, which compare trivially). The data are WJP's and not shipped: give the path.
    """
    fw = framework or load_framework(WJP_FRAMEWORK)
    kw = {"unit_column": "code", "year_column": "year", "name_column": "country", "group_column": "region"}
    inputs = read_table(path, wanted=list(fw.figures), label="WJP sub-factor scores", **kw)
    published = read_table(path, wanted=list(fw.nodes), label="WJP published scores", **kw)
    return inputs, published


def reproduce_wjp(
    path: str | Path,
    *,
    tolerance: float = 1e-12,
    year_tolerance: Mapping[int, float] | None = None,
) -> Reproduction:
    """WJP's factor and overall scores from its sub-factor scores: equal-weight, NaN-skipping means.

    ``year_tolerance`` defaults to :data:`WJP_YEAR_TOLERANCE` (2012's inputs are rounded).
    References: World Justice Project, *Rule of Law Index 2024*, methodology.
    """
    fw = load_framework(WJP_FRAMEWORK)
    meth = load_methodology(WJP_METHODOLOGY)
    inputs, published = read_wjp(path, fw)
    hashes = {inputs.file: inputs.sha256} if inputs.sha256 else {}

    def rebuild(m: Methodology) -> IndexResult:
        return build_index(inputs.values, fw, m, districts=inputs.districts, inputs=hashes)

    return reproduce(rebuild(meth), published, tolerance=tolerance,
                     year_tolerance=WJP_YEAR_TOLERANCE if year_tolerance is None else year_tolerance,
                     rebuild=rebuild)
