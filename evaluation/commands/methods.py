"""``rolindex methods``: list every registered method by step."""

from __future__ import annotations

import argparse

HELP = ("按步骤列出所有已注册的方法 / "
        "list every registered method by step")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """No options."""


def run(args: argparse.Namespace) -> int:
    """List every registry and its methods with one-line summaries."""
    from indicators.aggregate import AGGREGATORS, MISSING_POLICIES
    from indicators.denominate import DENOMINATORS
    from indicators.impute import IMPUTERS
    from indicators.normalise import NORMALISERS
    from indicators.rollup import ROLLUPS
    from indicators.scoring import SCORING_RULES
    from indicators.screen import SCREENS
    from indicators.treat_step import TREATMENTS
    from indicators.weights import WEIGHTERS

    for reg in (DENOMINATORS, SCREENS, IMPUTERS, TREATMENTS, NORMALISERS, SCORING_RULES, WEIGHTERS, AGGREGATORS,
                MISSING_POLICIES, ROLLUPS):
        print(f"{reg.kind}:")
        for name, summary in reg.describe():
            print(f"  {name:20s} {summary}")
    return 0
