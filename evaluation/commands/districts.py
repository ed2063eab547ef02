"""``rolindex districts import FILE`` / ``rolindex districts list``: the districts register of a ledger."""

from __future__ import annotations

import argparse

from .options import OK, USAGE, add_ledger

HELP = "区名册：导入、列出 / the districts register: import a CSV, list it"

#: Accepted column names (first = canonical) of a districts CSV.
ALIASES = {
    "code": ("code", "district", "区代码", "代码"),
    "name_zh": ("name_zh", "中文名", "区名", "district_name_zh"),
    "name_en": ("name_en", "英文名", "district_name_en"),
    "city": ("city", "城市", "市"),
    "peer_group": ("peer_group", "group", "同类组", "分组"),
    "merged_into": ("merged_into", "并入"),
}
OFFICE_ALIASES = {
    "office": ("office", "司法所代码", "所代码"),
    "district": ("district", "code", "区代码"),
    "name_zh": ("name_zh", "office_name", "司法所", "中文名"),
    "name_en": ("name_en", "英文名"),
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``import FILE [--offices FILE] [--valid-from DATE]`` and ``list [--as-of DATE] [--history]``."""
    sub = p.add_subparsers(dest="action", required=True)
    imp = sub.add_parser("import", help="从 CSV 导入区名册（新版本，不覆盖）/ import a districts CSV (adds versions)")
    imp.add_argument("file", help="CSV: code,name_zh,name_en,city,peer_group[,merged_into] (Chinese headers too)")
    imp.add_argument("--offices", help="CSV of judicial offices: office,district,name_zh[,name_en]")
    imp.add_argument("--valid-from", help="生效日期 / date the version takes effect (default: today)")
    imp.add_argument("--recorded-by", default="", help="录入人 / who imports it")
    add_ledger(imp)
    ls = sub.add_parser("list", help="列出区名册 / list the register")
    ls.add_argument("--as-of", help="as it was on this date")
    ls.add_argument("--history", action="store_true", help="every version, renamed and merged ones too")
    add_ledger(ls)


def _columns(df, aliases: dict[str, tuple[str, ...]], path: str, required: tuple[str, ...]):
    from ..ledger.errors import LedgerError

    rename, missing = {}, []
    lower = {str(c).strip().lower(): c for c in df.columns}
    for canon, names in aliases.items():
        hit = next((lower[n.lower()] for n in names if n.lower() in lower), None)
        if hit is not None:
            rename[hit] = canon
        elif canon in required:
            missing.append(f"{canon} (或 / or {', '.join(names[1:])})")
    if missing:
        raise LedgerError(f"{path}: 缺少列 / missing column(s): {'; '.join(missing)}; "
                          f"found {', '.join(map(str, df.columns))}")
    out = df.rename(columns=rename)[[c for c in aliases if c in rename.values()]]
    blank = [i + 2 for i, v in enumerate(out["code" if "code" in out else "office"]) if not str(v).strip()]
    if blank:
        raise LedgerError(f"{path}: 第 {', '.join(map(str, blank))} 行缺少代码 / row(s) {blank} have no code")
    return out


def _import(args: argparse.Namespace) -> int:
    import datetime as dt

    import pandas as pd

    from indicators.io import sha256_file

    from ..ledger import open_ledger
    from ..ledger.store import import_districts
    from ..ledger.timeutil import parse_instant

    table = _columns(pd.read_csv(args.file, dtype=str, keep_default_na=False), ALIASES, args.file, ("code",))
    dupes = table["code"][table["code"].duplicated()].tolist()
    if dupes:
        from ..ledger.errors import LedgerError

        raise LedgerError(f"{args.file}: 区代码重复 / duplicate district code(s): {', '.join(dupes)}")
    offices = None
    if args.offices:
        ot = _columns(pd.read_csv(args.offices, dtype=str, keep_default_na=False), OFFICE_ALIASES, args.offices,
                      ("office", "district"))
        offices = {}
        for r in ot.to_dict("records"):
            offices.setdefault(r["district"], []).append((r["office"], r.get("name_zh", ""), r.get("name_en", "")))
    valid_from = parse_instant(args.valid_from).date() if args.valid_from else dt.date.today()
    with open_ledger(args.ledger) as ledger:
        n = import_districts(ledger, table, valid_from, args.recorded_by, args.file, sha256_file(args.file), offices)
    print(f"区名册：新增 {n} 个版本（{len(table) - n} 个未变）/ districts register: {n} new version(s), "
          f"{len(table) - n} unchanged — {ledger.url}")
    return OK


def _list(args: argparse.Namespace) -> int:
    from ..ledger import open_ledger
    from ..ledger.store import district_register

    with open_ledger(args.ledger, create=False) as ledger:
        reg = district_register(ledger, args.as_of, history=args.history)
    if reg.empty:
        print("区名册为空 / the districts register is empty (rolindex districts import FILE)")
        return OK
    cols = ["name_zh", "name_en", "city", "peer_group", "merged_into", "offices", "valid_from"]
    print(reg.reset_index()[["code", *cols]].fillna("").to_string(index=False))
    return OK


def run(args: argparse.Namespace) -> int:
    """Import or list the register."""
    from .ledger_common import guarded

    if args.action not in ("import", "list"):
        return USAGE
    return guarded(_import if args.action == "import" else _list, args)
