"""The demo's assessment cycle (evaluation.cycle_demo) on four of the synthetic districts, end to end."""

from __future__ import annotations

import datetime as dt
import json
import re

from evaluation.cycle_demo import CORRECTION, MISTAKEN, run_cycle
from evaluation.editions import verify_manifest
from evaluation.ledger import open_ledger
from evaluation.ledger.store import editions, submissions_table

DISTRICTS = ["sample_01", "sample_03", "sample_05", "sample_10"]


def test_the_cycle_runs_every_step_and_publishes_v1_and_v2(tmp_path, capsys):
    base = tmp_path / "cycle"
    assert run_cycle(base, workers=0, districts=DISTRICTS) == 0
    out = capsys.readouterr().out
    for n in range(1, 10):
        assert f"[{n}/9]" in out
    assert f"{MISTAKEN} rejected as planned" in out and "$ rolindex publish" in out
    as_of = re.search(r"--by 评估组 --as-of (\S+)", out).group(1)
    with open_ledger(str(base / "ledger.sqlite"), create=False) as ledger:
        subs = submissions_table(ledger, 2024)
        eds = editions(ledger, 2024)
    # 4 returns (sample_03's rejected), sample_03's fix, sample_05's correction
    assert len(subs) == 6
    assert subs.loc[subs["district"] == MISTAKEN, "status"].tolist()[0] == "rejected"
    assert subs.loc[subs["district"] == MISTAKEN, "status"].tolist()[-1].startswith("accepted")
    assert eds["number"].tolist() == [1, 2]
    for rec in eds.itertuples():
        assert verify_manifest(rec.archive, rec.manifest_sha256) == []
    v1, v2 = (base / "editions" / "district_rol" / "2024" / f"v{n}" for n in (1, 2))
    assert sorted(p.name for p in v1.glob("*.html")) == sorted([*(f"{d}.html" for d in DISTRICTS), "index.html"])
    state = json.loads((v1 / "edition.json").read_text(encoding="utf-8"))
    # v1 is frozen after the four returns and sample_03's fix, before sample_05's correction
    assert state["as_of"] == as_of and subs["received_at"].iloc[4] < dt.datetime.fromisoformat(as_of)
    assert "数据截至 / figures as of: " + as_of.replace("T", " ") + " UTC" in out
    log = json.loads((v2 / "changelog.json").read_text(encoding="utf-8"))
    district, figure, value = CORRECTION
    assert [(f["district"], f["figure"], f["new"], f["who"]) for f in log["figures"]] == [
        (district, figure, f"{value:g}", f"{district} 更正")]
    assert district in log["reports"]["reissued"]
    assert set(log["reports"]["reissued"]) | set(log["reports"]["carried"]) == set(DISTRICTS)
