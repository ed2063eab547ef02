"""``group_mean`` with ``by``: any grouping column of the districts table (COINr's ``i_mean_grp``).

Hand-worked on five districts; COINr's golden check (ASEM, by EurAsia_group) is in test_coinr.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators import Methodology, build_index
from indicators.errors import DataError
from indicators.framework import framework_from_dict
from indicators.impute import IMPUTERS, ImputeContext

NAN = float("nan")
IDX = pd.MultiIndex.from_product([["a", "b", "c", "d", "e"], [2020]], names=["district", "year"])
#          region  size   x
# a        E       L      1
# b        E       S      NaN  -> region E: mean(1, 3) = 2 ; size S: mean(5) = 5
# c        E       L      3
# d        A       S      5
# e        None    L      NaN  -> no region: left missing (COINr skip_f_na) ; size L: mean(1, 3) = 2
ATTR = pd.DataFrame({"district_name": list("abcde"), "group": ["", "", "", "", ""],
                     "region": ["E", "E", "E", "A", None], "size": ["L", "S", "L", "S", "L"]}, index=IDX)
DF = pd.DataFrame({"x": [1, NAN, 3, 5, NAN]}, index=IDX)


def impute(**params):
    ctx = ImputeContext(pd.Series(2020, index=IDX), ATTR["group"], pd.Series(list("abcde"), index=IDX), ATTR)
    m = IMPUTERS.get("group_mean")
    return m.func(DF, ctx, **m.bind(params))["x"].tolist()


def test_by_region_and_size():
    assert impute(by="region")[:4] == [1, 2, 3, 5]
    assert np.isnan(impute(by="region")[4])
    assert impute(by="size") == [1, 5, 3, 5, 2]
    # default: the districts' "group" column; all "" here, one group: mean(1, 3, 5) = 3
    assert impute() == [1, 3, 3, 5, 3]


def test_unknown_grouping_column():
    with pytest.raises(DataError, match=r"no grouping column 'regoin' \(did you mean 'region'\?\)"):
        impute(by="regoin")


def test_build_index_takes_a_districts_table():
    fw = framework_from_dict({
        "id": "g", "version": "1", "name": {"zh": "组", "en": "Groups"},
        "figures": [{"id": "x", "zh": "x", "en": "x", "kind": "amount"}],
        "nodes": [{"code": "I", "zh": "指数", "en": "Index"},
                  {"code": "X", "parent": "I", "weight": 1, "zh": "x", "en": "x", "direction": "+", "formula": "x"}],
    })
    m = Methodology(name="g").replace(impute={"method": "group_mean", "params": {"by": "size"}},
                                                  normalise="identity")
    districts = ATTR.droplevel("year").drop(columns=["group"])
    r = build_index(DF, fw, m, districts=districts, inputs={"made-up.csv": "0" * 64})
    assert r.imputed["X"].tolist() == [1, 5, 3, 5, 2]
    assert r.explain["impute"][["district", "indicator", "value"]].to_dict("records") == [
        {"district": "b", "indicator": "X", "value": 5.0}, {"district": "e", "indicator": "X", "value": 2.0}]
    assert r.provenance["inputs"] == {"made-up.csv": "0" * 64}
    assert list(r.districts.columns[:2]) == ["district_name", "region"] and "group" in r.districts
    with pytest.raises(DataError, match="district 'e' has figures but no row in the districts table"):
        build_index(DF, fw, m, districts=districts.iloc[:4])
