"""``rolindex methods``: list every registered method by step."""

from __future__ import annotations

import argparse

HELP = ("按步骤列出所有已注册的方法 / "
        "list every registered method by step")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """No options."""


def run(args: argparse.Namespace) -> int:
    """List every step kind of the step table (and the roll-ups) with its methods, labels bilingual."""
    from indicators.rollup import ROLLUPS
    from indicators.steps import PARTS, STEPS

    kinds = [(k.key, k.zh, k.en, k.registry) for k in (*STEPS, *PARTS)] + [("rollup", ROLLUPS.zh, ROLLUPS.en, ROLLUPS)]
    for key, zh, en, reg in kinds:
        print(f"{key} — {reg.kind}: {zh} / {en}")
        for m in reg.methods():
            print(f"  {m.name:20s} {m.label_zh} / {m.summary}")
    return 0
