"""The command table: each command in its own module, ``--help`` without heavy imports, shared exit codes."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.cli import build_parser, main
from evaluation.commands import COMMANDS
from evaluation.commands.report import LANGS

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("papermill", "nbformat", "nbclient", "matplotlib", "scipy.optimize", "openpyxl", "distributed",
         "sqlalchemy", "pypdf")


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code`` (which prints nothing else)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    script = ("import sys, json, contextlib, io\n" + code
              + "\nsys.stdout = sys.__stdout__\nprint(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT,
                         check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_every_command_module_follows_the_contract():
    for name, command in COMMANDS.items():
        module = importlib.import_module(command.module)
        assert module.HELP == command.help, name
        assert callable(module.add_arguments) and callable(module.run), name
        zh, _, en = command.help.partition(" / ")
        assert zh and en and not zh.isascii(), f"{name}: HELP must be bilingual, Chinese first"


def test_help_imports_no_command_module_and_nothing_heavy():
    loaded = _modules_after(
        "from evaluation.cli import main\n"
        "sys.stdout = io.StringIO()\n"
        "with contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
    )
    assert not [m for m in loaded if m in HEAVY or m.startswith(tuple(h + "." for h in HEAVY))]
    assert "pandas" not in loaded and "indicators" not in loaded
    assert not [c.module for c in COMMANDS.values() if c.module in loaded]


def test_a_command_imports_only_its_own_module():
    loaded = _modules_after(
        "from evaluation.cli import main\n"
        "sys.stdout = io.StringIO()\n"
        "main(['validate', 'data/submissions/seed_districts.csv'])\n"
    )
    assert "evaluation.commands.validate" in loaded
    assert not [c.module for n, c in COMMANDS.items() if n != "validate" and c.module in loaded]
    assert not [m for m in loaded if m in HEAVY or m.startswith(tuple(h + "." for h in HEAVY))]
    # validating needs the framework and the submission, not the scoring pipeline and its methods
    assert not {"indicators.pipeline", "indicators.steps", "indicators.methodology", "scipy"} & loaded


def test_import_indicators_is_light_and_its_names_load_on_use():
    loaded = _modules_after("import indicators")
    assert "pandas" not in loaded and "yaml" not in loaded and "indicators.framework" not in loaded
    loaded = _modules_after("from indicators import build_index, load_framework, Step, IndexResult\n"
                            "import indicators\n"
                            "assert indicators.Step.__module__ == 'indicators.registry'\n"
                            "assert set(indicators.__all__) <= set(dir(indicators))\n")
    assert {"pandas", "indicators.pipeline", "indicators.framework"} <= loaded
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        import indicators

        indicators.nope  # noqa: B018


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name, command in COMMANDS.items():
        assert name in out and command.help.split(" / ")[1].split()[0] in out


def test_full_parser_knows_every_command_option():
    args = build_parser().parse_args(["report", "--year", "2024", "--lang", "en"])
    assert args.command == "report" and args.year == [2024] and args.lang == "en"


def test_report_languages_are_the_report_modules():
    from evaluation.report.content import LANGS as CONTENT_LANGS

    assert LANGS == CONTENT_LANGS


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["scroe", "x.csv"])
    assert exc.value.code == 2
    assert "invalid choice: 'scroe'" in capsys.readouterr().err


def test_library_error_is_a_message_and_exit_1(tmp_path, capsys):
    missing = tmp_path / "nothing.csv"
    assert main(["validate", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nothing.csv" in err


def test_python_dash_m_evaluation_runs_the_cli():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "evaluation", "--help"], capture_output=True, text=True,
                         env=env, cwd=ROOT)
    assert out.returncode == 0 and "uncertainty" in out.stdout


SEED = str(ROOT / "data" / "submissions" / "seed_districts.csv")


def test_score_for_an_absent_year_names_the_years_present(tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert main(["score", SEED, "--year", "2030", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no figures for 2030" in err and "years present: " in err
    present = err.split("years present: ")[1].strip().split(", ")
    assert present and all(y.isdigit() and y != "2030" for y in present)
    assert not out.exists()  # nothing written for a request that cannot be met


def test_mistyped_methodology_names_the_nearest_file(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["score", SEED, "-m", "baselin"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "no methodology 'baselin' in data/methodologies (did you mean 'baseline'?)" in err


def test_a_closed_pipe_ends_quietly():
    """``rolindex score ... | head -1``: no BrokenPipeError traceback; exit 1 (output was cut short)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    code = ("import sys\n"
            "class Closed:\n"
            "    def write(self, s): raise BrokenPipeError(32, 'Broken pipe')\n"
            "    def flush(self): pass\n"
            "    def fileno(self): return sys.__stdout__.fileno()\n"
            "sys.stdout = Closed()\n"
            "from evaluation.cli import main\n"
            f"rc = main(['score', {SEED!r}, '--out', sys.argv[1]])\n"
            "sys.stdout = sys.__stdout__\n"
            "raise SystemExit(rc)\n")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-c", code, str(Path(tmp) / "s.csv")], capture_output=True,
                             text=True, env=env, cwd=ROOT)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr and "BrokenPipeError" not in out.stderr


def test_progress_bar_only_on_a_terminal(monkeypatch):
    import io

    from evaluation.batch import engine

    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    plain = engine._progress(3, 1, True)  # a log file gets no \r updates, one line at the end
    for counts in ({"ok": 1, "failed": 0, "skipped": 1}, {"ok": 1, "failed": 1, "skipped": 1}):
        plain.set_postfix(counts, refresh=False)
        plain.update(1)
    assert log.getvalue() == ""
    plain.close()
    line = log.getvalue()
    assert "\r" not in line and line.count("\n") == 1
    assert line.startswith("reports: 3/3 in ") and line.endswith("ok=1, failed=1, skipped=1\n")

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    bar = engine._progress(3, 1, True)
    try:
        assert type(bar).__name__ == "tqdm" and bar.total == 3 and bar.n == 1
    finally:
        bar.close()
    assert engine._progress(3, 0, False) is None
