"""The HTML report: rendered by the asset, linked from its metadata, and drawn by a real browser.

The browser test opens the report in headless Chromium (Debian ``chromium``,
installed with the CJK font by scripts/system_deps.sh) three times:

1. with a probe script appended: every chart has plotly's SVG with visible
   marks, its Chinese labels are in the DOM, and every Chinese character of
   the labels is drawn with a real glyph (its canvas bitmap has ink and differs
   from the missing-glyph box; private-use characters serve as a control that
   the check does see boxes);
2. as a screenshot of the whole page;
3. the screenshot loaded into a canvas: no chart area is blank.

A missing Chromium or CJK font fails (never skips) with the command that installs it.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from etl.report import CHARTS, PLOTLY_JS, make_server, render_report, report_url

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--virtual-time-budget=8000"]
INSTALL = "run scripts/system_deps.sh (Debian: apt-get install chromium fonts-noto-cjk)"
RESULT = re.compile(r'<pre id="probe-result">(.*?)</pre>', re.S)

PROBE_JS = r"""
(function () {
  function signature(ctx, ch, font) {
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, 48, 48);
    ctx.fillStyle = '#000'; ctx.font = '32px ' + font; ctx.textBaseline = 'top';
    ctx.fillText(ch, 6, 6);
    const d = ctx.getImageData(0, 0, 48, 48).data;
    const bits = []; let ink = 0;
    for (let i = 0; i < d.length; i += 4) { const dark = d[i] < 128 ? 1 : 0; ink += dark; bits.push(dark); }
    return {sig: bits.join(''), ink: ink};
  }
  function run() {
    const out = {charts: [], page_height: document.documentElement.scrollHeight};
    const cjk = new Set(); let font = null;
    for (const div of document.querySelectorAll('.plotly-graph-div')) {
      const r = div.getBoundingClientRect();
      const texts = [...div.querySelectorAll('svg text')].map(t => t.textContent).filter(t => t && t.trim());
      const marks = [...div.querySelectorAll('g.trace g.points path, g.trace path.point, g.hm image')];
      const visible = marks.filter(m => { const b = m.getBoundingClientRect(); return b.width > 0 && b.height > 0; });
      const images = [...div.querySelectorAll('g.hm image')].map(
        i => (i.getAttribute('href') || i.getAttribute('xlink:href') || '').length);
      for (const t of texts) for (const ch of t) if (/[\u3400-\u9fff]/.test(ch)) cjk.add(ch);
      const first = div.querySelector('svg text');
      if (first && !font) font = getComputedStyle(first).fontFamily;
      out.charts.push({id: div.id, x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width,
                       height: r.height, main_svgs: div.querySelectorAll('svg.main-svg').length,
                       marks: marks.length, visible_marks: visible.length, heatmap_images: images, texts: texts});
    }
    const c = document.createElement('canvas'); c.width = 48; c.height = 48;
    const ctx = c.getContext('2d', {willReadFrequently: true});
    const tofu = signature(ctx, '\u{10FFFD}', font);
    function check(chars) {
      const sigs = new Set(); const missing = [];
      for (const ch of chars) {
        const s = signature(ctx, ch, font); sigs.add(s.sig);
        if (s.ink === 0 || s.sig === tofu.sig) missing.push(ch);
      }
      return {count: chars.length, distinct: sigs.size, missing: missing};
    }
    out.glyphs = {font: font, labels: check([...cjk].slice(0, 500)),
                  control: check([...'\uE000\uE001\uE002\uE003\uE004\uE005\uE006\uE007'])};
    const pre = document.createElement('pre'); pre.id = 'probe-result';
    pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
  }
  window.addEventListener('load', () => setTimeout(run, 500));
})();
"""

SCREENSHOT_JS = r"""
(function () {
  const img = document.getElementById('shot');
  function run() {
    const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
    const ctx = c.getContext('2d', {willReadFrequently: true}); ctx.drawImage(img, 0, 0);
    function stats(x, y, w, h) {
      x = Math.max(0, Math.floor(x)); y = Math.max(0, Math.floor(y));
      w = Math.min(c.width - x, Math.floor(w)); h = Math.min(c.height - y, Math.floor(h));
      if (w <= 0 || h <= 0) return {pixels: 0, colours: 0, ink: 0};
      const d = ctx.getImageData(x, y, w, h).data; const colours = new Set(); let ink = 0;
      for (let i = 0; i < d.length; i += 4) {
        colours.add((d[i] >> 4) << 8 | (d[i + 1] >> 4) << 4 | (d[i + 2] >> 4));
        if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) ink++;
      }
      return {pixels: w * h, colours: colours.size, ink: ink / (w * h)};
    }
    const out = {width: c.width, height: c.height, page: stats(0, 0, c.width, c.height), regions: {}};
    for (const r of REGIONS) out.regions[r.id] = stats(r.x, r.y, r.width, r.height);
    const pre = document.createElement('pre'); pre.id = 'probe-result'; pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }
  if (img.complete) run(); else img.addEventListener('load', run);
})();
"""


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        pytest.fail(f"Chromium is not installed; the report's browser test needs it: {INSTALL}")
    return exe


def run_chromium(exe: str, tmp: Path, name: str, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{name}"
    proc = subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def probe_result(dom: str) -> dict:
    m = RESULT.search(dom)
    assert m, "the probe script produced no result: the page did not load or threw"
    return json.loads(html.unescape(m.group(1)))


@pytest.fixture(scope="module")
def report_html(built) -> Path:
    path = built.warehouse_dir / "report" / "index.html"
    assert path.is_file(), "the job did not write warehouse/report/index.html"
    return path


def test_report_is_small_and_works_offline(report_html):
    page = report_html.read_text(encoding="utf-8")
    for cid, _ in CHARTS:
        assert f'id="{cid}"' in page
    assert "Noto Sans CJK SC" in page
    # plotly.js is one shared file beside the page, loaded by its relative name: nothing from the network
    assert re.findall(r"<script[^>]+src=\"([^\"]+)\"", page) == [PLOTLY_JS]
    assert not re.search(r"https?://", "".join(re.findall(r"<script[^>]*src=[^>]*>", page)))
    js = report_html.parent / PLOTLY_JS
    assert js.is_file() and js.stat().st_size > 1_000_000 and b"plotly" in js.read_bytes()[:2000].lower()
    # the page itself holds only the charts' data and layout (it was 4.87 MB with plotly.js inlined)
    assert len(page.encode("utf-8")) < 200_000


def test_render_report_is_pure(db, tmp_path):
    path = render_report(db, tmp_path / "out")
    assert path == tmp_path / "out" / "index.html" and path.is_file()
    assert (tmp_path / "out" / PLOTLY_JS).is_file()
    assert not list((tmp_path / "out").glob(".*tmp*"))


def _figures(page: str) -> dict[str, dict]:
    """{div id: the figure plotly draws} from the page's Plotly.newPlot calls."""
    out = {}
    for m in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{"displaylogo"', page, re.S):
        out[m.group(1)] = {"data": json.loads(m.group(2)), "layout": json.loads(m.group(3))}
    return out


def test_charts_say_what_the_data_says(report_html, db):
    figs = _figures(report_html.read_text(encoding="utf-8"))
    assert sorted(figs) == sorted(cid for cid, _ in CHARTS)
    # a time axis: 2022-11-14 and 2024-11-10 are two years apart, not neighbours
    outlets = figs["chart-outlets"]
    assert outlets["layout"]["xaxis"]["type"] == "date"
    legend = [t["name"] for t in outlets["data"]]
    days = sorted({x for t in outlets["data"] for x in t["x"]})
    assert days[0] == "2022-11-14" and "2024-11-10" in days
    # the KPI counts the outlets the legend shows (未知 included, and said so)
    page = report_html.read_text(encoding="utf-8")
    kpi = re.search(r'<b>(\d+)</b><span>(媒体[^<]*)</span>', page)
    dated = db.execute("SELECT count(DISTINCT outlet_name) FROM marts.articles_by_outlet_day "
                       "WHERE date IS NOT NULL AND articles > 0").fetchone()[0]
    assert kpi and int(kpi.group(1)) == len(legend) == dated >= 3
    assert ("未知" in kpi.group(2)) == ("未知" in legend)
    # the tile grid: no coordinates, no ticks, one tile per county
    grid = figs["chart-district-grid"]
    assert grid["layout"]["xaxis"]["visible"] is False and grid["layout"]["yaxis"]["visible"] is False
    counties = {r[0] for r in db.execute("SELECT district_name FROM modeled.dim_district WHERE level = 'county'").fetchall()}
    tiles = grid["data"][0]
    assert {c[0] for c in tiles["customdata"]} == counties
    assert len({(x, y) for x, y in zip(tiles["x"], tiles["y"])}) == len(counties)  # no two tiles overlap
    # the district bars list counties, never a functional area beside the county that holds it
    bars = figs["chart-district-bar"]
    names = {n for t in bars["data"] for n in t["y"]}
    areas = {r[0] for r in db.execute("SELECT district_name FROM modeled.dim_district WHERE level = 'functional_area'").fetchall()}
    assert "青岛西海岸新区" in areas and not names & areas and "黄岛区" in names
    assert names <= counties | {"青岛市（全市层面）", "未知地点"}
    assert "青岛西海岸新区" in bars["layout"]["title"]["text"]  # where it went is said
    # the rows add up: every metric once (counties + the city level + unknown = all metrics)
    assert sum(x for t in bars["data"] for x in t["x"]) == db.execute("SELECT count(*) FROM modeled.fact_metrics").fetchone()[0]
    # latest day: log axes, so 1000吨 beside 29亿斤 is visible; unknown measures named as such
    latest = figs["chart-latest"]
    axes = [v for k, v in latest["layout"].items() if k.startswith("xaxis")]
    assert axes and all(a["type"] == "log" for a in axes)
    weight = next(t for t in latest["data"] if any("29亿斤" in s for s in t["text"]))
    assert any("1000吨" in s for s in weight["text"])
    labels = [y for t in latest["data"] for y in t["y"]]
    assert "（未标注）" not in page and any(y.startswith("指标未识别") for y in labels)


def test_report_asset_links_an_http_url_and_the_command(built, tmp_path):
    from assets.report import report
    from assets.resources import WarehouseResource

    wh = tmp_path / "wh"
    shutil.copytree(built.warehouse_dir / "staging", wh / "staging")
    result = dg.materialize([report], resources={"warehouse": WarehouseResource(
        seeds_dir=str(built.seeds_dir), warehouse_dir=str(wh))})
    assert result.success
    mat = result.asset_materializations_for_node(report.op.name)[0]
    link = mat.metadata["report"]
    assert isinstance(link, dg.UrlMetadataValue) and link.url == report_url() and link.url.startswith("http://")
    command = mat.metadata["serve_command"].text
    assert command.startswith(".venv/bin/python -m etl.report serve") and str((wh / "report").resolve()) in command
    assert "file://" in mat.metadata["open"].md_str and command in mat.metadata["open"].md_str
    assert Path(mat.metadata["path"].path).is_file()


def test_the_served_report_loads_over_http(report_html):
    """What the command in the metadata does: the page and its script come back over http."""
    import threading
    import urllib.request

    server = make_server(report_html.parent, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = report_url(server.server_address[1])
        with urllib.request.urlopen(base, timeout=10) as r:
            assert r.status == 200 and 'id="chart-outlets"' in r.read().decode("utf-8")
        with urllib.request.urlopen(base + PLOTLY_JS, timeout=10) as r:
            assert r.status == 200 and len(r.read()) == (report_html.parent / PLOTLY_JS).stat().st_size
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
def test_cjk_font_resolves():
    if not shutil.which("fc-match"):
        pytest.fail(f"fontconfig (fc-match) is missing: {INSTALL}")
    family = subprocess.run(["fc-match", "-f", "%{family}", "Noto Sans CJK SC:lang=zh-cn"],
                            capture_output=True, text=True).stdout
    assert "Noto Sans CJK" in family, f"fontconfig resolves Noto Sans CJK SC to {family!r}: {INSTALL}"


@pytest.mark.browser
def test_report_renders_in_headless_chromium(report_html, db, tmp_path):
    exe = chromium()
    probe = tmp_path / "probe.html"
    shutil.copy(report_html.parent / PLOTLY_JS, tmp_path / PLOTLY_JS)  # the page loads it from beside itself
    probe.write_text(report_html.read_text(encoding="utf-8").replace(
        "</body>", f"<script>{PROBE_JS}</script></body>"), encoding="utf-8")

    # 1. the DOM after plotly drew the charts
    dom = run_chromium(exe, tmp_path, "probe", "--window-size=1400,3000", "--dump-dom", probe.as_uri()).stdout
    result = probe_result(dom)
    charts = {c["id"]: c for c in result["charts"]}
    assert sorted(charts) == sorted(cid for cid, _ in CHARTS)
    for cid, chart in charts.items():
        assert chart["main_svgs"] >= 1 and chart["width"] > 500 and chart["height"] > 250, chart
        assert chart["visible_marks"] >= 1, f"{cid}: no bar, marker or heat-map cell was drawn"
        assert all(n > 1000 for n in chart["heatmap_images"]), f"{cid}: empty heat-map image"
    texts = {cid: "\n".join(c["texts"]) for cid, c in charts.items()}
    top_outlet = db.execute("SELECT o.outlet_name FROM modeled.fact_articles f JOIN modeled.dim_outlet o "
                            "USING (outlet_key) WHERE f.date_key > 0 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
                            ).fetchone()[0]
    top_keyword = db.execute("SELECT keyword FROM modeled.article_keywords GROUP BY 1 "
                             "ORDER BY count(DISTINCT article_id) DESC, 1 LIMIT 1").fetchone()[0]
    counties = [r[0] for r in db.execute("SELECT district_name FROM modeled.dim_district WHERE level = 'county'").fetchall()]
    assert top_outlet in texts["chart-outlets"] and "各媒体每日发稿量" in texts["chart-outlets"]
    assert all(c in texts["chart-district-grid"] for c in counties)
    assert "数据条数（条）" in texts["chart-district-bar"]
    assert "最新一天的主要数据" in texts["chart-latest"]
    assert top_keyword in texts["chart-keywords"]

    # every Chinese character in the charts is drawn with a real glyph, not a box
    glyphs = result["glyphs"]
    assert "Noto Sans CJK SC" in glyphs["font"]
    labels, control = glyphs["labels"], glyphs["control"]
    assert labels["count"] >= 50
    assert labels["missing"] == [], f"characters drawn as missing-glyph boxes: {''.join(labels['missing'])} ({INSTALL})"
    assert labels["distinct"] == labels["count"]
    assert len(control["missing"]) == control["count"], "control failed: private-use characters should be boxes"

    # 2. a screenshot of the whole page, 3. analysed in a canvas: no chart area is blank
    height = min(int(result["page_height"]) + 50, 8000)
    shot = tmp_path / "report.png"
    run_chromium(exe, tmp_path, "shot", f"--window-size=1400,{height}", f"--screenshot={shot}", report_html.as_uri())
    assert shot.is_file() and shot.stat().st_size > 50_000
    regions = [{k: c[k] for k in ("id", "x", "y", "width", "height")} for c in result["charts"]]
    analyse = tmp_path / "analyse.html"
    analyse.write_text(
        f'<html><body><img id="shot" src="data:image/png;base64,{base64.b64encode(shot.read_bytes()).decode()}">'
        f"<script>const REGIONS = {json.dumps(regions)};{SCREENSHOT_JS}</script></body></html>", encoding="utf-8")
    stats = probe_result(run_chromium(exe, tmp_path, "analyse", "--dump-dom", analyse.as_uri()).stdout)
    assert stats["height"] >= max(c["y"] + c["height"] for c in regions)
    assert stats["page"]["colours"] >= 50
    for cid, s in stats["regions"].items():
        assert s["colours"] >= 10 and 0.02 <= s["ink"] <= 0.9, f"{cid} looks blank in the screenshot: {s}"


def test_an_empty_warehouse_still_renders(tmp_path):
    import duckdb

    from etl.export import apply_marts
    from etl.warehouse import schema_sql

    with duckdb.connect(str(tmp_path / "empty.duckdb")) as conn:
        conn.execute(schema_sql())
        apply_marts(conn)
        page = render_report(conn, tmp_path / "report").read_text(encoding="utf-8")
    assert all(f'id="{cid}"' in page for cid, _ in CHARTS)
    assert "暂无数据" in page or json.dumps("暂无数据")[1:-1] in page  # plotly's JSON may escape non-ASCII
