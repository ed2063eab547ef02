"""The ``rolindex`` commands: one module per command, each with ``HELP``, ``add_arguments`` and ``run``.

A command module exposes

- ``HELP``: a one-line bilingual summary (Chinese first) shown by ``rolindex --help``;
- ``add_arguments(parser)``: its options (shared ones from :mod:`evaluation.commands.options`);
- ``run(args) -> int``: the work, returning an exit code from :mod:`evaluation.commands.options`.

:data:`COMMANDS` lists them by name, in display order, with their summary, so ``rolindex --help``
imports no command module; :mod:`evaluation.cli` imports a module only when its command runs.
A test checks that each module's ``HELP`` is the summary given here. To add a command: write its
module and add one line here.
"""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    """A ``rolindex`` command: the module that implements it and its one-line bilingual summary."""

    module: str
    help: str


#: Every ``rolindex`` command, in the order ``rolindex --help`` lists them.
COMMANDS: dict[str, Command] = {
    "validate": Command("evaluation.commands.validate",
                        "校验报送数据，逐条列出问题（文件/行/列） / check submitted figures; list every problem with "
                        "file/row/column"),
    "score": Command("evaluation.commands.score",
                     "校验、计算指数、写出结果表并打印排名 / validate, build the index, write the result table, "
                     "print the ranking"),
    "framework": Command("evaluation.commands.framework",
                         "导出框架为表格（每个节点一行） / export a framework as a table (one row per node)"),
    "methods": Command("evaluation.commands.methods",
                       "按步骤列出所有已注册的方法 / list every registered method by step"),
    "demo": Command("evaluation.commands.demo",
                    "在示例数据上完整运行：得分与各区报告 / the main job on the shipped sample data: scores and "
                    "every district report"),
    "reproduce": Command("evaluation.commands.reproduce",
                         "复算已发布得分，按节点、层级、年份和排名报告差异 / recompute published scores; report "
                         "differences per node, level, year and rank"),
    "report": Command("evaluation.commands.report",
                      "某年各区报告（papermill 批量运行）、索引页、得分表 / every district's report for a year "
                      "(papermill, batch-run), index page, score table"),
    "audit": Command("evaluation.commands.audit",
                     "逐年统计审计：指标统计、相关与标记、Cronbach α、主成分、权重与重要性 / "
                     "statistical audit per year: indicator statistics, correlations and flags, Cronbach's alpha, "
                     "PCA, weights vs importance"),
    "uncertainty": Command("evaluation.commands.uncertainty",
                           "蒙特卡洛排名区间与排名的 Sobol 敏感性；--replay 重跑已保存的分析并逐位核对 / Monte Carlo "
                           "rank intervals and Sobol sensitivity of the ranking; --replay re-runs a saved analysis "
                           "and checks it bit for bit"),
    "extract": Command("evaluation.commands.extract",
                       "从工作报告提取指标并生成复核表 / extract figures from work reports into a review form"),
    "template": Command("evaluation.commands.template",
                        "生成各区县年度数据填报表（Excel） / write one Excel data form per district for a year"),
    "districts": Command("evaluation.commands.districts",
                         "区名册：导入、列出 / the districts register: import a CSV, list it"),
    "intake": Command("evaluation.commands.intake",
                      ("收取报送：校验并记入台账，逐区反馈 / returns in: validate, record in the ledger, "
                       "feedback per district")),
    "review": Command("evaluation.commands.review",
                      ("复核：接受、调整或否决某项数据 / review: accept, adjust or reject one figure "
                       "(recorded, never overwritten)")),
    "history": Command("evaluation.commands.history",
                       "历史：某区每项数据的每个版本 / history: every version of every figure of a district"),
    "diff": Command("evaluation.commands.diff",
                    ("变化：两个时点之间的数据、得分与排名变化 / diff: figures, scores and every rank "
                     "between two points")),
    "export": Command("evaluation.commands.export",
                      "导出：台账当前数据为长表 CSV / export the ledger's current figures as long CSV"),
    "publish": Command("evaluation.commands.publish",
                       ("发布：冻结某年数据、得分、报告与索引页为新版次（附更正说明） / "
                        "publish: freeze a year's figures, scores, reports and index page as the next edition "
                        "(with a changelog)")),
}
