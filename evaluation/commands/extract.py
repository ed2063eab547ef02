"""``rolindex extract``: propose figures from published work reports, for a person to confirm.

Reads reports (text, HTML, .docx, PDF text layer), proposes one value per framework figure with the
report's sentence beside it, and writes a review form (.xlsx) that validates as a submission once
confirmed: with ``--district`` and ``--year`` the district's own submission form pre-filled
(:mod:`evaluation.forms.prefill`, read back by ``rolindex intake``), else (or with ``--long``) a
long-format review sheet. ``--accept`` also writes the unflagged proposals as a CSV submission; ``--panel`` turns a
folder of reports (many districts and years) into one long submission with provenance.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .options import FAILED, OK, USAGE, add_framework

HELP = "从工作报告提取指标并生成复核表 / extract figures from work reports into a review form"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``rolindex extract``."""
    p.add_argument("files", nargs="*", help="报告文件 / report files (.txt .html .docx .pdf)")
    p.add_argument("--district", help="区代码 / district id (default: the district named in the report)")
    p.add_argument("--year", type=int, help="年度 / year (default: the year the report names most)")
    add_framework(p)
    p.add_argument("--out", "-o", help="复核表 / review form .xlsx (default: review.xlsx; with --panel: "
                                       "panel.csv)")
    p.add_argument("--long", action="store_true",
                   help="写长格式复核表而不是该区的填报表 / write the long review sheet instead of the district's "
                        "pre-filled submission form (the form needs --district and --year)")
    p.add_argument("--accept", action="store_true",
                   help="同时把无标记的建议值写成 CSV 填报文件 / also write unflagged proposals as a CSV "
                        "submission (<out>.accepted.csv)")
    p.add_argument("--panel", metavar="FOLDER",
                   help="文件夹中所有报告 → 一个长格式填报文件 / every report in FOLDER → one long submission "
                        "with provenance")


def run(args: argparse.Namespace) -> int:
    """Extract, write the review form (and the accepted CSV), print what was found."""
    from indicators import load_framework
    from indicators.errors import ExtractionError
    from indicators.extract import extract_text, read_document
    from indicators.extract.review import rows_for, write_review_form, write_submission_csv
    from indicators.extract.vocabulary import Vocabulary

    from .. import paths

    if args.panel:
        if args.files:
            print("error: 使用 --panel 时不要再给文件 / give either FILES or --panel, not both", file=sys.stderr)
            return USAGE
        return _panel(args)
    if not args.files:
        print("error: 请给出报告文件或 --panel 文件夹 / give report files or --panel FOLDER", file=sys.stderr)
        return USAGE
    fw = load_framework(paths.resolve(args.framework, paths.FRAMEWORKS))
    vocab = Vocabulary.from_framework(fw)
    out = Path(args.out or "review.xlsx")
    rows, notes, failed = [], [], 0
    for name in args.files:
        try:
            doc = read_document(name)
        except ExtractionError as exc:
            print(f"error: {exc}", file=sys.stderr)
            notes.append(f"跳过 skipped: {exc}")
            failed += 1
            continue
        ex = extract_text(doc.text, fw, year=args.year, vocabulary=vocab)
        found = rows_for(ex, doc, district=args.district, year=args.year)
        inferred = []
        if not args.district:
            inferred.append(f"区 district = {found[0].district if found else ex.scope.district}")
        if args.year is None:
            inferred.append(f"年 year = {ex.scope.year}")
        how = f" [推断 inferred: {', '.join(inferred)} — {ex.scope.how}]" if inferred else ""
        flagged = sum(r.proposal.flagged for r in found)
        line = (f"{Path(name).name}: {len(found)} 个建议值 proposals ({flagged} 需复核 flagged)"
                f"{' — ' + ex.reason if ex.reason else ''}{how}")
        print(line)
        notes.append(line)
        rows.extend(found)
    if not rows:
        print("没有可写入复核表的建议值 / nothing to review; no form written", file=sys.stderr)
        return FAILED
    required = [f for f, spec in fw.figures.items() if spec.required and f not in {r.proposal.figure for r in rows}]
    as_form = bool(args.district) and args.year is not None and not args.long
    if required:
        hint = (f"必填指标不在报告中 / required figures not in the reports: {', '.join(required)} — " + (
                "type them into the form before returning it" if as_form else
                f"validate the form together with a file that holds them: rolindex validate {out} population.csv"))
        print(hint)
        notes.append(hint)
    if as_form:
        from ..forms.errors import FormError
        from ..forms.prefill import choose, prefill_form

        try:
            prefill_form(rows, fw, args.district, args.year, out)
        except FormError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return FAILED
        chosen = choose(rows)
        marked = sum(1 for best, others in chosen.values() if best.proposal.flagged or others)
        print(f"wrote {out}: {args.district} {args.year} 填报表已预填 / submission form pre-filled ({len(chosen)} "
              f"values, {marked} marked orange to check); confirm or correct them, then: rolindex intake {out}")
    else:
        write_review_form(rows, out, notes)
        print(f"wrote {out} ({len(rows)} rows; confirm them, then: rolindex validate {out})")
    if args.accept:
        accepted = [r for r in rows if not r.proposal.flagged and r.year is not None]
        csv_out = out.with_name(out.stem + ".accepted.csv")
        write_submission_csv(accepted, csv_out)
        print(f"wrote {csv_out} ({len(accepted)} unflagged rows accepted without review; "
              f"{len(rows) - len(accepted)} flagged rows only in the form)")
    return FAILED if failed else OK


def _panel(args: argparse.Namespace) -> int:
    from indicators import load_framework
    from indicators.errors import ExtractionError
    from indicators.extract.panel import extract_panel
    from indicators.extract.review import write_review_form, write_submission_csv

    from .. import paths

    fw = load_framework(paths.resolve(args.framework, paths.FRAMEWORKS))
    try:
        result = extract_panel(args.panel, fw)
    except ExtractionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    for message in result.messages:
        print(message)
    out = Path(args.out or "panel.csv")
    write_submission_csv(result.accepted, out, provenance=True)
    print(f"wrote {out} ({len(result.accepted)} rows from {result.documents} report(s), with document, "
          f"sha256 and offset)")
    if result.review:
        form = out.with_name(out.stem + ".review.xlsx")
        write_review_form(result.review, form, result.messages)
        print(f"wrote {form} ({len(result.review)} flagged rows to review)")
    return OK if result.documents else FAILED
