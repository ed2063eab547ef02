"""A form pre-filled by ``rolindex extract``, confirmed and completed by a person, goes through intake
with source = the report's title and quote = its sentence."""

from __future__ import annotations

import pytest

from evaluation import paths
from evaluation.cli import main
from evaluation.forms import fill_form
from evaluation.ledger.intake import intake
from evaluation.ledger.store import current_figures
from indicators.framework import load_framework

TITLE = "光明区司法局2020年工作总结"
SENTENCE = "全年人民调解组织受理各类纠纷1200件,调解成功1180件,调解成功率为98.33%。"


def test_confirmed_prefilled_form_is_taken_in_with_its_quotes(ledger, tmp_path):
    fw = load_framework(paths.DEFAULT_FRAMEWORK)
    report = tmp_path / "guangming_2020.txt"
    report.write_text(f"{TITLE}\n{SENTENCE}\n", encoding="utf-8")
    form = tmp_path / "shenzhen_guangming_2020.xlsx"
    assert main(["extract", str(report), "--district", "shenzhen_guangming", "--year", "2020",
                 "--out", str(form)]) == 0
    fill_form(form, {"population": 1095300}, fw, sources={"population": "第七次人口普查公报"})  # the reviewer's part
    [out] = intake(ledger, [form], fw, year=2020, workers=1)
    assert (out.district, out.status) == ("shenzhen_guangming", "accepted"), out.first_problem
    cur = current_figures(ledger, 2020).set_index("figure")
    assert cur["parsed"].to_dict() == pytest.approx({"population": 1095300, "mediation_received": 1200,
                                                    "mediation_resolved": 1180, "mediation_success_rate": 0.9833})
    for fid in ("mediation_received", "mediation_resolved", "mediation_success_rate"):
        assert (cur.at[fid, "source"], cur.at[fid, "quote"]) == (TITLE, SENTENCE)
    assert (cur.at["population", "source"], cur.at["population", "quote"]) == ("第七次人口普查公报", "")
