"""``rolindex template --ledger``: last year's accepted values read from the ledger, beside each value cell.

Hand-worked on the four-district scenario of tests/evaluation/ledger/scenario.py (year 2024):

    district  returned 2025-01-10   later                                              form for 2025 shows
    d1        x_a1 0,   x_b1 90     –                                                   0,   90
    d2        x_a1 40,  x_b1 100    resubmits x_a1 200 (02-01); 复核 adjusts it to 180   180, 100 (not 40 or 200)
    d3        x_a1 70,  x_b1 40     a rejected return (x_a1 -5) does not count           70,  40
    d4        x_a1 100, x_b1 0      复核 rejects x_b1                                     100, (empty)

A 2023 return of d1 (x_a1 999) is not last year's, so it never shows. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
import yaml

from evaluation.cli import main
from evaluation.ledger import open_ledger
from evaluation.ledger.store import NewSubmission, add_review, record_submission

from ..ledger import scenario as S
from ..ledger.postgres import KINDS, fresh_ledger

EXPECTED = {"d1": (0, 90), "d2": (180, 100), "d3": (70, 40), "d4": (100, None)}
LAST_YEAR_COL = 9  # 上年值 / Last year (evaluation.forms.layout.COL["previous"])


@pytest.fixture(params=KINDS)
def scenario(request, tmp_path):
    led = fresh_ledger(request.param, tmp_path)
    with open_ledger(led, tmp_path / "evidence") as ledger:
        fw = S.load(ledger)
        after = S.V2 + dt.timedelta(days=1)
        add_review(ledger, "d2", S.YEAR, "x_a1", "adjust", text="180", value=180.0, reviewer="王五",
                   reason="与台账核对 / checked against the register", decided_at=after)
        add_review(ledger, "d4", S.YEAR, "x_b1", "reject", reviewer="王五", reason="无佐证 / no evidence",
                   decided_at=after)
        old = NewSubmission("d1", S.YEAR - 1, fw.id, fw.version, fw.content_hash, "csv", "d1-2023.csv", "sha-old",
                            "accepted", [{"figure": "x_a1", "text": "999", "value": 999.0}])
        record_submission(ledger, old, "staff", received_at=dt.datetime(2024, 1, 5))
    framework = tmp_path / "toy.yaml"
    framework.write_text(yaml.safe_dump(S.FRAMEWORK, allow_unicode=True), encoding="utf-8")
    districts = tmp_path / "districts.csv"
    districts.write_text("district,name_zh\n" + "".join(f"{d},区{d}\n" for d in EXPECTED), encoding="utf-8")
    return {"led": led, "fw": str(framework), "districts": str(districts), "tmp": tmp_path}


def _last_year(path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path)["填报 Figures"]
    return {ws.cell(r, 1).value: ws.cell(r, LAST_YEAR_COL).value for r in range(1, ws.max_row + 1)
            if ws.cell(r, 1).value in ("x_a1", "x_b1")}


def test_the_form_shows_the_adjusted_value_not_the_superseded_ones(scenario, capsys):
    out = scenario["tmp"] / "forms"
    rc = main(["template", "--year", str(S.YEAR + 1), "--ledger", scenario["led"], "-f", scenario["fw"],
               "--districts", scenario["districts"], "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    for d, (a, b) in EXPECTED.items():
        assert _last_year(out / f"toy_cycle_{S.YEAR + 1}_{d}.xlsx") == {"x_a1": a, "x_b1": b}, d


def test_the_same_values_as_previous_of_the_exported_csv(scenario):
    """--ledger and --previous of `rolindex export`'s CSV of the year before write the same reference column."""
    tmp = scenario["tmp"]
    assert main(["export", "--ledger", scenario["led"], "--year", str(S.YEAR), "-o", str(tmp / "2024.csv")]) == 0
    common = ["template", "--year", str(S.YEAR + 1), "-f", scenario["fw"], "--districts", scenario["districts"]]
    assert main([*common, "--ledger", scenario["led"], "--out", str(tmp / "a")]) == 0
    assert main([*common, "--previous", str(tmp / "2024.csv"), "--out", str(tmp / "b")]) == 0
    for d in EXPECTED:
        name = f"toy_cycle_{S.YEAR + 1}_{d}.xlsx"
        assert _last_year(tmp / "a" / name) == _last_year(tmp / "b" / name)


def test_no_figures_of_last_year_or_no_ledger_is_a_clear_error(scenario, capsys):
    common = ["template", "-f", scenario["fw"], "--districts", scenario["districts"]]
    out = scenario["tmp"] / "forms"
    assert main([*common, "--year", "2030", "--ledger", scenario["led"], "--out", str(out)]) == 1
    assert "账本中没有 2029 年已接受的数据 / the ledger has no accepted figures for 2029" in capsys.readouterr().err
    missing = scenario["tmp"] / "none.sqlite"
    assert main([*common, "--year", "2025", "--ledger", str(missing), "--out", str(out)]) == 1
    assert f"no ledger at {missing}" in capsys.readouterr().err
    assert not missing.exists() and not out.exists()
    with pytest.raises(SystemExit):
        main([*common, "--year", "2025", "--ledger", scenario["led"], "--previous", "x.csv", "--out", str(out)])
    assert "not allowed with argument" in capsys.readouterr().err
