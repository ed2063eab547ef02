"""Report templates: autoescaping of every template, deployment overrides and branding.yaml."""

from __future__ import annotations

import base64
from html.parser import HTMLParser

import pytest

from evaluation.report import html as report_html
from evaluation.report import templating
from evaluation.report.templating import SHIPPED, TemplateConfigError

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>{{ 7*7 }}{% if 1 %}=HYPERLINK("http://e.vil","x")'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(2)&gt;"
#: the smallest valid PNG (1×1, grey)
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==")


class Tags(HTMLParser):
    """Every start tag and its attributes, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


class Hostile:
    """Stands for every value a template reads: each attribute, item, call and element is hostile text."""

    def __str__(self) -> str:
        return HOSTILE

    def __getattr__(self, name: str) -> Hostile:
        if name.startswith("__"):
            raise AttributeError(name)
        return Hostile()

    def __getitem__(self, key: object) -> Hostile:
        return Hostile()

    def __iter__(self):
        return iter([Hostile(), Hostile()])

    def __call__(self, *args: object) -> Hostile:
        return Hostile()


def shipped_templates() -> list[str]:
    return sorted(p.name for p in SHIPPED.iterdir() if p.suffix == ".html" and p.name != "macros.html")


@pytest.mark.parametrize("name", shipped_templates())
def test_every_template_escapes_hostile_text(name):
    import jinja2.meta

    env = templating.environment()
    source = (SHIPPED / name).read_text(encoding="utf-8")
    names = jinja2.meta.find_undeclared_variables(env.parse(source))
    names |= {"title", "lang", "html_lang", "script", "font_css", "body", "branding"}
    out = env.get_template(name).render(**{n: Hostile() for n in names})
    assert HOSTILE not in out and "<script>alert" not in out and "<img src=x" not in out
    assert "{{ 7*7 }}" in out or "7*7" not in out  # template syntax in data is text, never evaluated
    assert "49" not in out.replace("#1f", "")
    if name not in ("banner.html",):  # the banner shows no data
        assert ESCAPED in out, name
    tags = Tags()
    tags.feed(out)
    assert not [a for _, attrs in tags.seen for a, _ in attrs if a.startswith("on")]  # no event handler got in
    assert [t for t, _ in tags.seen if t == "img"] == [t for t, _ in tags.seen if t == "img" and name in (
        "figure.html", "issuer.html", "cover.html", "base.html", "report.html", "index.html", "page.html",
        "landing.html", "rollup.html", "rollup_index.html")]  # pages extending base.html: the bureau's logo


def test_section_functions_escape_hostile_text():
    summary = {"name_zh": HOSTILE, "name_en": HOSTILE, "year": 2024, "index": 50.0, "grade_zh": HOSTILE,
               "grade_en": HOSTILE, "rank": 1, "n_ranked": 3, "index_change": None, "prev_year": None,
               "prev_index": None, "rank_change": None, "indicators_present": 1, "indicators_total": 2,
               "coverage": .5, "weighted_coverage": .5, "index_missing_reason": {"zh": HOSTILE, "en": HOSTILE},
               "district": HOSTILE}
    outs = [report_html.headline_html(summary, (HOSTILE, HOSTILE)),
            report_html.strengths_html({"strengths": [HOSTILE], "weaknesses": []}),
            report_html.figure_html(PNG, HOSTILE, caption=HOSTILE),
            report_html.document(HOSTILE, "<p>trusted</p>")]
    for out in outs:
        assert "<script>alert" not in out and "<img src=x" not in out and ESCAPED in out
    assert "<p>trusted</p>" in outs[-1]


def test_a_deployment_folder_replaces_templates_by_name_and_brands_the_pages(tmp_path, monkeypatch):
    deploy = tmp_path / "bureau"
    deploy.mkdir()
    (deploy / "banner.html").write_text('<div class="mine">{{ lang }} 样例</div>', encoding="utf-8")
    (deploy / "logo.png").write_bytes(PNG)
    (deploy / "branding.yaml").write_text(
        'issuer: {zh: "某市司法局<b>", en: Municipal Justice Bureau}\nlogo: logo.png\n'
        'colors: {accent: "#aa0000", ink: "#123"}\ncover: true\n', encoding="utf-8")
    monkeypatch.setenv(templating.ENV_VAR, str(deploy))
    assert report_html.banner_html(True, "zh") == '<div class="mine">zh 样例</div>'
    page = report_html.document("标题", "<p>x</p>", template="report.html")
    assert '<header class="rol-issuer">' in page and "某市司法局&lt;b&gt; / Municipal Justice Bureau" in page
    assert "--accent: #aa0000; --ink: #123;" in page
    assert page.count("data:image/png;base64," + base64.b64encode(PNG).decode()) == 2  # header and cover
    assert '<section class="rol-cover">' in page
    # shipped templates serve what the folder does not replace
    assert "rol-figure" in report_html.figure_html(PNG, "alt")
    monkeypatch.delenv(templating.ENV_VAR)
    assert "合成数据 / synthetic data" in report_html.banner_html(True, "zh")
    assert "<header" not in report_html.document("t", "")


def test_using_puts_a_folder_first_and_restores_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(templating.ENV_VAR, raising=False)
    (tmp_path / "banner.html").write_text("mine", encoding="utf-8")
    with templating.using([tmp_path]):
        assert report_html.banner_html(True) == "mine"
    assert templating.ENV_VAR not in __import__("os").environ
    assert report_html.banner_html(True) != "mine"
    fp = templating.template_fingerprint()
    assert templating.template_fingerprint([tmp_path]) != fp


def test_bad_branding_and_folders_are_errors_listing_every_problem(tmp_path, monkeypatch):
    (tmp_path / "branding.yaml").write_text(
        'issuer: 某局\nlogo: logo.svg\ncolors: {accent: "red;}</style><script>", paper: "#fff"}\n'
        'cover: yes please\ncolour: "#fff"\n', encoding="utf-8")
    with pytest.raises(TemplateConfigError, match=r"(?s)branding.yaml:.*unknown key 'colour'.*issuer: .*"
                                                  r"expected \{zh: text, en: text\}.*only PNG or JPEG.*"
                                                  r"colors.accent: .*expected #rgb or #rrggbb.*"
                                                  r"colors.paper: .*unknown colour.*cover: .*true or false"):
        templating.branding([tmp_path])
    with pytest.raises(TemplateConfigError, match="模板文件夹不存在 / template folder"):
        templating.branding([tmp_path / "nope"])
    monkeypatch.setenv(templating.ENV_VAR, str(tmp_path / "gone"))
    with pytest.raises(TemplateConfigError, match=r"gone \(from --templates or ROLINDEX_TEMPLATES\)"):
        report_html.banner_html(True)


def test_report_sections_built_in_python_before_are_templates_now():
    """The uncertainty sections, section headings and the bonus/veto section are templates (covered above)."""
    assert {"uncertainty_district.html", "uncertainty_year.html", "heading.html", "section.html",
            "rollup.html", "rollup_index.html"} <= set(shipped_templates())
    from evaluation.report import uncertainty

    source = (SHIPPED.parent / "uncertainty.py").read_text(encoding="utf-8")
    assert "<h2>" not in source and "<p" not in source and "esc(" not in source  # no markup in Python strings
    assert uncertainty.district_html(None, None, "x", 2024) == ""  # no analysis: nothing
