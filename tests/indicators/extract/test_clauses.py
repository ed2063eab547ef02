"""Sentence, segment and clause spans index the text itself (quotes are verbatim slices)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from indicators.extract.clauses import Segmenter

TEXT = "一、调解工作\n全年受理纠纷100件,调解成功98件;受理投诉7件,办结7件。法律援助案件受理20件(其中民事5件)。"


def test_spans_by_hand():
    seg = Segmenter.of(TEXT)
    pos = TEXT.index("98件")
    assert TEXT[slice(*seg.sentence(pos))] == "全年受理纠纷100件,调解成功98件;受理投诉7件,办结7件。"
    assert TEXT[slice(*seg.segment(pos))] == "全年受理纠纷100件,调解成功98件;"
    assert TEXT[slice(*seg.clause(pos))] == "调解成功98件;"
    pos = TEXT.index("5件")
    assert TEXT[slice(*seg.clause(pos))] == "其中民事5件)"
    assert TEXT[slice(*seg.line(pos))] == TEXT.split("\n")[1]


def test_evidence_is_the_shortest_clause_run():
    seg = Segmenter.of(TEXT)
    start = TEXT.index("受理纠纷")
    end = TEXT.index("98件") + 3
    assert TEXT[slice(*seg.evidence(start, end))] == "全年受理纠纷100件,调解成功98件;"


@given(st.text(alphabet="调解,。;：\n 件123", max_size=60), st.data())
def test_every_span_is_a_slice_holding_its_position(text, data):
    if not text:
        return
    seg = Segmenter.of(text)
    pos = data.draw(st.integers(0, len(text) - 1))
    for span in (seg.sentence(pos), seg.segment(pos), seg.clause(pos)):
        start, end = span
        assert 0 <= start <= end <= len(text)
        if not text[pos].isspace() and text[pos] not in "。;,：\n":
            assert start <= pos < end
