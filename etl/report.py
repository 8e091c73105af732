"""A static HTML report of the warehouse: charts people look at instead of tables they read.

:func:`render_report` reads the ``marts`` views (and a few modeled tables)
through any DuckDB connection, read-only is enough, and writes
``index.html`` (~100 KB: the charts' data and layout) and, beside it,
``plotly.min.js`` (plotly.js, shipped with the plotly package, written once
per plotly version). The page loads the script by its relative name, so
the folder opens from disk or over http, in a browser without network; copy
both files together.

Opening it from the Dagster UI: browsers refuse ``file://`` links on an
http page, so the ``exports/report`` asset links ``http://127.0.0.1:8765/``,
served by one command (:func:`serve`)::

    .venv/bin/python -m etl.report serve            # WAREHOUSE_DIR/report, opens the browser

Charts (each a ``<div id="chart-…">``, see :data:`CHARTS`):

- articles per outlet per day on a time axis (stacked bars; the legend's
  outlets are the KPI's);
- the ten county-level units as a schematic tile grid (no coordinates):
  data points and articles mentioning each, functional areas and streets
  counted in their county;
- the same counties' data points by kind of unit (bars), with the
  city-level and unknown ones apart;
- the largest quantities of the latest day with data, one panel per kind of
  unit, on a log axis (1000吨 and 29亿斤 both visible);
- keyword trends: the most frequent keywords per month (heat map).

Chinese labels need a CJK font where the page is rendered: the layout asks
for Noto Sans CJK SC first (Debian ``fonts-noto-cjk``, installed by
``scripts/system_deps.sh``), then the usual macOS/Windows CJK fonts.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import math
import os
import shlex
import sys
from datetime import datetime, timedelta, timezone
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import plotly
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

PLOTLY_JS = "plotly.min.js"  # written beside index.html, loaded by its relative name
SERVE_HOST, SERVE_PORT = "127.0.0.1", 8765

FONT_FAMILY = ('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
               '"Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif')

# (div id, title) in page order; tests/test_report.py checks every one rendered.
CHARTS = [
    ("chart-outlets", "各媒体每日发稿量"),
    ("chart-district-grid", "各区市示意图"),
    ("chart-district-bar", "各区市数据量（按单位类别）"),
    ("chart-latest", "最新一天的主要数据"),
    ("chart-keywords", "关键词趋势"),
]

# A schematic tile grid of Qingdao's ten county-level units, one square each, placed roughly as
# they lie (north up): (column, row), row 0 at the top. Neighbourhood, not geometry: there are
# no coordinates and no axes. Keyed by NBS code.
COUNTY_TILES: dict[str, tuple[int, int]] = {
    "370283": (1, 0),  # 平度市
    "370285": (2, 0),  # 莱西市
    "370281": (0, 1),  # 胶州市
    "370214": (1, 1),  # 城阳区
    "370215": (2, 1),  # 即墨区
    "370211": (0, 2),  # 黄岛区 (西海岸新区)
    "370203": (1, 2),  # 市北区
    "370213": (2, 2),  # 李沧区
    "370212": (3, 2),  # 崂山区
    "370202": (1, 3),  # 市南区
}
UNRECOGNISED_MEASURE = "指标未识别"

# Chinese labels of fact_metrics.unit_kind.
KIND_LABELS = {"count": "数量", "money": "金额", "percent": "比例", "area": "面积", "weight": "重量",
               "length": "长度", "duration": "时长", "volume": "体积", "other": "其他"}


def kind_label(kind: str | None) -> str:
    return KIND_LABELS.get(kind or "other", kind or "其他")

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f"]
UNKNOWN_MONTH = "日期不详"


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 18}},
        font={"family": FONT_FAMILY, "size": 13, "color": "#222"},
        height=height,
        margin={"l": 70, "r": 30, "t": 60, "b": 50},
        paper_bgcolor="white",
        plot_bgcolor="#f7f7f9",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
    )
    return fig


def _no_data(fig: go.Figure) -> go.Figure:
    fig.add_annotation(text="暂无数据", showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                       font={"size": 20, "color": "#888"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


# ------------------------------------------------------------------ charts

DAY_MS = 86_400_000


def _outlet_days(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(day, outlet, articles) of every dated article: what the outlets chart draws."""
    return conn.execute(
        """SELECT strftime(date, '%Y-%m-%d') AS day, outlet_name, articles::BIGINT
           FROM marts.articles_by_outlet_day WHERE date IS NOT NULL AND articles > 0
           ORDER BY date, outlet_name""").fetchall()


def chart_outlets(rows: list[tuple[str, str, int]]) -> list[str]:
    """The outlets the chart's legend shows, largest first (the KPI counts the same list)."""
    totals: dict[str, int] = {}
    for _, outlet, n in rows:
        totals[outlet] = totals.get(outlet, 0) + n
    return sorted(totals, key=lambda o: (-totals[o], o))


def outlets_chart(conn: duckdb.DuckDBPyConnection) -> go.Figure:
    rows = _outlet_days(conn)
    undated = conn.execute("SELECT count(*) FROM modeled.fact_articles WHERE date_key = -1").fetchone()[0]
    fig = go.Figure()
    days = sorted({r[0] for r in rows})
    # a time axis: days apart by their real distance. Bars are at least 1/120 of the span wide so a
    # day stays visible on a two-year axis; the hover names the exact day.
    width = DAY_MS
    if len(days) > 1:
        span = (datetime.fromisoformat(days[-1]) - datetime.fromisoformat(days[0])).total_seconds() * 1000
        width = max(DAY_MS, span / 120)
    for i, outlet in enumerate(chart_outlets(rows)):
        per_day = {d: a for d, o, a in rows if o == outlet}
        fig.add_bar(name=outlet, x=days, y=[per_day.get(d, 0) for d in days], width=width,
                    marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate=f"{outlet}<br>%{{x|%Y-%m-%d}}: %{{y}} 篇<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="date", title_text="新闻日期（时间轴）", tickformat="%Y-%m-%d")
    if days:
        pad = timedelta(milliseconds=width)
        fig.update_xaxes(range=[(datetime.fromisoformat(days[0]) - pad).isoformat(),
                                (datetime.fromisoformat(days[-1]) + pad).isoformat()])
    fig.update_yaxes(title_text="文章数（篇）", rangemode="tozero")
    title = dict(CHARTS)["chart-outlets"]
    if undated:
        title += f"<br><sup>另有 {undated} 篇日期不详的文章未计入</sup>"
    _layout(fig, title, 430)
    return _no_data(fig) if not rows else fig


def _county_rollup(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(admin_code, name, metrics, articles) for every county-level unit, rolled up: a county's
    streets, communities and functional areas count in it (the marts views' roll-up)."""
    return conn.execute(
        """WITH m AS (SELECT district_key, sum(metrics) AS metrics FROM marts.metrics_by_district_month
                      WHERE level = 'county' GROUP BY 1),
                a AS (SELECT district_key, sum(articles_mentioning) AS articles FROM marts.articles_by_district_month
                      WHERE level = 'county' GROUP BY 1)
           SELECT d.admin_code, d.district_name, coalesce(m.metrics, 0)::BIGINT, coalesce(a.articles, 0)::BIGINT
           FROM modeled.dim_district d LEFT JOIN m USING (district_key) LEFT JOIN a USING (district_key)
           WHERE d.level = 'county' ORDER BY d.admin_code""").fetchall()


def functional_areas(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(functional area, the county it is counted in; 青岛市 when it spans counties)."""
    return conn.execute(
        """SELECT f.district_name, coalesce(f.county_name, p.district_name, '青岛市')
           FROM modeled.dim_district f LEFT JOIN modeled.dim_district p ON p.district_key = f.parent_district_key
           WHERE f.level = 'functional_area' ORDER BY f.district_key""").fetchall()


def _areas_note(conn: duckdb.DuckDBPyConnection) -> str:
    by_county: dict[str, list[str]] = {}
    for area, county in functional_areas(conn):
        by_county.setdefault(county, []).append(area)
    return "；".join(f"{'、'.join(a)} → {c}" for c, a in by_county.items())


def district_grid_chart(conn: duckdb.DuckDBPyConnection) -> go.Figure:
    """One square tile per county, laid out like the city; colour = data points, no axes."""
    rows = [r for r in _county_rollup(conn) if r[0] in COUNTY_TILES]
    fig = go.Figure()
    top = max([r[2] for r in rows] + [1])
    if rows:
        fig.add_scatter(
            x=[COUNTY_TILES[r[0]][0] for r in rows],
            y=[-COUNTY_TILES[r[0]][1] for r in rows],
            mode="markers+text",
            text=[f"<b>{r[1]}</b><br>数据 {r[2]} 条<br>文章 {r[3]} 篇" for r in rows],
            textposition="middle center",
            textfont={"size": 13, "color": ["white" if r[2] > 0.55 * top else "#111" for r in rows]},
            marker={"symbol": "square", "size": 96, "color": [r[2] for r in rows], "colorscale": "Blues",
                    "cmin": 0, "cmax": top, "showscale": True,
                    "colorbar": {"title": {"text": "数据条数"}}, "line": {"color": "#345", "width": 1}},
            customdata=[[r[1], r[2], r[3]] for r in rows],
            hovertemplate="%{customdata[0]}<br>数据 %{customdata[1]} 条<br>提及该区市的文章 %{customdata[2]} 篇<extra></extra>",
            showlegend=False,
        )
    fig.update_xaxes(visible=False, range=[-0.6, 3.6], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-3.6, 0.6], fixedrange=True)
    note = _areas_note(conn)
    _layout(fig, dict(CHARTS)["chart-district-grid"]
            + "<br><sup>每格一个区市，按大致方位排列（示意，非地图）；颜色 = 数据条数，含下辖街道、社区及功能区"
            + (f"<br>功能区计入所属区市：{note}" if note else "") + "</sup>", 660)
    fig.update_layout(margin={"t": 110}, plot_bgcolor="white")
    return fig if rows else _no_data(fig)


CITY_LEVEL = "青岛市（全市层面）"
UNKNOWN_PLACE = "未知地点"


def district_bar_chart(conn: duckdb.DuckDBPyConnection) -> go.Figure:
    """Counties only (a functional area counts in its county, never beside it), then the data
    attributed to the city as a whole and to no known place."""
    rows = conn.execute(
        """SELECT district_name, unit_kind, sum(metrics)::BIGINT AS metrics
           FROM marts.metrics_by_district_month WHERE level = 'county' GROUP BY ALL
           UNION ALL
           SELECT ?, unit_kind, sum(n)::BIGINT FROM (
               SELECT unit_kind, metrics_direct AS n FROM marts.metrics_by_district_month WHERE level = 'city'
               UNION ALL  -- functional areas of no single county (their parent is the city)
               SELECT m.unit_kind, m.metrics FROM marts.metrics_by_district_month m
               JOIN modeled.dim_district d USING (district_key)
               WHERE m.level = 'functional_area' AND d.county_name IS NULL) GROUP BY ALL
           UNION ALL
           SELECT ?, unit_kind, sum(metrics)::BIGINT
           FROM marts.metrics_by_district_month WHERE level = 'unknown' GROUP BY ALL""",
        [CITY_LEVEL, UNKNOWN_PLACE]).fetchall()
    rows = [r for r in rows if r[2] > 0]
    fig = go.Figure()
    totals: dict[str, int] = {}
    for name, _, n in rows:
        totals[name] = totals.get(name, 0) + n
    apart = [n for n in (UNKNOWN_PLACE, CITY_LEVEL) if n in totals]  # drawn at the bottom, after the counties
    counties = sorted((k for k in totals if k not in apart), key=lambda k: (totals[k], k))
    names = apart + counties  # largest county at the top of a horizontal bar chart
    kinds = sorted({r[1] for r in rows})
    for i, kind in enumerate(kinds):
        per = {name: n for name, k, n in rows if k == kind}
        fig.add_bar(name=kind_label(kind), y=names, x=[per.get(n, 0) for n in names], orientation="h",
                    marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate=f"%{{y}}<br>{kind_label(kind)}: %{{x}} 条<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="数据条数（条）")
    fig.update_yaxes(type="category", automargin=True)
    note = _areas_note(conn)
    _layout(fig, dict(CHARTS)["chart-district-bar"]
            + "<br><sup>只列区市：下辖街道、社区及功能区计入所属区市，不与之并列；"
            + f"“{CITY_LEVEL}”为只归属全市或跨区市的数据"
            + (f"<br>功能区归属：{note}" if note else "") + "</sup>", max(460, 170 + 34 * len(names)))
    fig.update_layout(margin={"t": 110, "b": 100}, legend={"y": -0.12, "yanchor": "top", "x": 0, "xanchor": "left"})
    return fig if rows else _no_data(fig)


def latest_day_chart(conn: duckdb.DuckDBPyConnection, per_kind: int = 5) -> go.Figure:
    latest = conn.execute("SELECT max(date_key) FROM modeled.fact_metrics WHERE date_key > 0").fetchone()[0]
    rows = [] if latest is None else conn.execute(
        """SELECT unit_kind, base_unit, surface, measure, qualifier, value_base, title, district_name FROM (
               SELECT *, row_number() OVER (PARTITION BY unit_kind ORDER BY value_base DESC, metric_id) AS rn
               FROM marts.metrics_wide WHERE date_key = ? AND value_base > 0)
           WHERE rn <= ? ORDER BY unit_kind, value_base DESC""", [latest, per_kind]).fetchall()
    kinds = sorted({r[0] for r in rows})
    title = dict(CHARTS)["chart-latest"]
    if latest is not None:
        title += f"（{str(latest)[:4]}-{str(latest)[4:6]}-{str(latest)[6:]}）"
    if not kinds:
        return _no_data(_layout(go.Figure(), title, 300))

    def subtitle(kind: str) -> str:
        units = {r[1] for r in rows if r[0] == kind}
        return f"{kind_label(kind)}（{units.pop()}）" if len(units) == 1 else kind_label(kind)

    fig = make_subplots(rows=len(kinds), cols=1, vertical_spacing=0.3 / len(kinds) + 0.02,
                        subplot_titles=[subtitle(k) for k in kinds])
    unrecognised = 0
    for i, kind in enumerate(kinds, start=1):
        mine = [r for r in rows if r[0] == kind][::-1]  # largest on top
        labels, seen = [], {}
        for r in mine:
            label = r[3] or UNRECOGNISED_MEASURE
            unrecognised += r[3] is None
            seen[label] = seen.get(label, 0) + 1
            labels.append(label if seen[label] == 1 else f"{label}（{seen[label]}）")
        fig.add_bar(row=i, col=1, y=labels, x=[r[5] for r in mine], orientation="h",
                    marker_color=PALETTE[(i - 1) % len(PALETTE)], showlegend=False,
                    text=[f"{r[2]}" + (f"（{r[4]}）" if r[4] else "") for r in mine],
                    textposition="outside", cliponaxis=False,
                    customdata=[[r[6], r[7]] for r in mine],
                    hovertemplate="%{y}: %{text}<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>")
        low, high = min(r[5] for r in mine), max(r[5] for r in mine)
        # a log axis: 1000吨 and 29亿斤 side by side both show; room on the right for the printed value
        fig.update_xaxes(type="log", range=[math.log10(low) - 0.5, math.log10(high) + 1.2],
                         showgrid=True, dtick=1, exponentformat="power", row=i, col=1)
        fig.update_yaxes(type="category", automargin=True, row=i, col=1)
    sub = "每类单位取数值最大的几条；对数坐标，条形长度为换算到基本单位后的数值，条旁为原文"
    if unrecognised:
        sub += f"；{unrecognised} 条未能识别指标名，标为“{UNRECOGNISED_MEASURE}”"
    fig = _layout(fig, title + f"<br><sup>{sub}</sup>", 180 + 170 * len(kinds))
    fig.update_layout(margin={"t": 90})
    return fig


def _month_index(ym: str) -> int:
    return int(ym[:4]) * 12 + int(ym[5:7])


def keywords_chart(conn: duckdb.DuckDBPyConnection, top: int = 15) -> go.Figure:
    rows = conn.execute(
        """SELECT coalesce(strftime(make_date(d.year, d.month, 1), '%Y-%m'), ?) AS ym, k.keyword,
                  count(DISTINCT k.article_id) AS articles
           FROM modeled.article_keywords k JOIN modeled.fact_articles f USING (article_id)
           JOIN modeled.dim_date d USING (date_key) GROUP BY ALL""", [UNKNOWN_MONTH]).fetchall()
    totals: dict[str, int] = {}
    for _, kw, n in rows:
        totals[kw] = totals.get(kw, 0) + n
    keywords = sorted(totals, key=lambda k: (-totals[k], k))[:top]
    months = []
    for m in sorted({r[0] for r in rows if r[0] != UNKNOWN_MONTH}):
        if months and _month_index(m) - _month_index(months[-1]) > 1:
            months.append(f"…{_month_index(m) - _month_index(months[-1]) - 1} 个月无数据…")  # a time gap, shown
        months.append(m)
    if any(r[0] == UNKNOWN_MONTH for r in rows):
        months.append(UNKNOWN_MONTH)
    cell = {(m, k): n for m, k, n in rows}
    fig = go.Figure()
    if keywords:
        fig.add_heatmap(x=months, y=keywords[::-1], z=[[None if m.startswith("…") else cell.get((m, k), 0) for m in months] for k in keywords[::-1]],
                        colorscale="YlOrRd", colorbar={"title": {"text": "文章数"}},
                        text=[[str(cell.get((m, k), "")) for m in months] for k in keywords[::-1]],
                        texttemplate="%{text}", xgap=2, ygap=2,
                        hovertemplate="%{y} · %{x}: %{z} 篇<extra></extra>")
    fig.update_xaxes(type="category", title_text="月份", side="bottom")
    fig.update_yaxes(type="category", automargin=True)
    _layout(fig, dict(CHARTS)["chart-keywords"] + f"<br><sup>出现次数最多的 {len(keywords)} 个关键词，每格为当月含该关键词的文章数</sup>",
            max(420, 120 + 28 * len(keywords)))
    return fig if keywords else _no_data(fig)


# ------------------------------------------------------------------ page

def _kpis(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    q = lambda sql: conn.execute(sql).fetchone()  # noqa: E731
    articles, undated = q("SELECT count(*), count(*) FILTER (WHERE date_key = -1) FROM modeled.fact_articles")
    metrics = q("SELECT count(*) FROM modeled.fact_metrics")[0]
    outlets = chart_outlets(_outlet_days(conn))  # what the outlets chart's legend shows
    places = q("SELECT count(DISTINCT district_key) FROM modeled.article_districts")[0]
    first, last = q("SELECT min(news_date), max(news_date) FROM modeled.fact_articles")
    span = f"{first} – {last}" if first else "—"
    return [("文章", f"{articles}"), ("日期不详", f"{undated}"), ("数据", f"{metrics}"),
            ("媒体（含“未知”）" if "未知" in outlets else "媒体", f"{len(outlets)}"), ("地点", f"{places}"),
            ("时间范围", span)]


PAGE_CSS = """
body { font-family: %(font)s; margin: 0; background: #eef1f5; color: #222; }
header { background: #123a63; color: white; padding: 22px 36px; }
header h1 { margin: 0 0 6px 0; font-size: 26px; }
header p { margin: 0; opacity: .85; font-size: 14px; }
.kpis { display: flex; flex-wrap: wrap; gap: 14px; padding: 18px 36px 0 36px; }
.kpi { background: white; border-radius: 8px; padding: 10px 18px; min-width: 110px; box-shadow: 0 1px 3px rgba(0,0,0,.1); }
.kpi b { display: block; font-size: 22px; }
.kpi span { font-size: 13px; color: #555; }
main { padding: 8px 36px 36px 36px; }
section.chart { background: white; border-radius: 8px; margin-top: 18px; padding: 6px; box-shadow: 0 1px 3px rgba(0,0,0,.1); }
footer { font-size: 12px; color: #666; padding: 0 36px 30px 36px; }
"""


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_plotly_js(out_dir: Path) -> Path:
    """``out_dir/plotly.min.js`` from the installed plotly package (rewritten only when it differs)."""
    path = Path(out_dir) / PLOTLY_JS
    data = get_plotlyjs().encode("utf-8")
    if not path.is_file() or hashlib.sha256(path.read_bytes()).digest() != hashlib.sha256(data).digest():
        _write_atomic(path, data)
    return path


def render_report(conn: duckdb.DuckDBPyConnection, out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` and ``out_dir/plotly.min.js`` (each atomically, the script first)
    from the warehouse behind ``conn``; return the page's path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = {
        "chart-outlets": outlets_chart(conn),
        "chart-district-grid": district_grid_chart(conn),
        "chart-district-bar": district_bar_chart(conn),
        "chart-latest": latest_day_chart(conn),
        "chart-keywords": keywords_chart(conn),
    }
    kpis = "".join(f'<div class="kpi"><b>{html.escape(v)}</b><span>{html.escape(k)}</span></div>'
                   for k, v in _kpis(conn))
    built = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    config = {"displaylogo": False, "responsive": True}
    for fig in figures.values():
        fig.update_layout(template="none")  # our own layout: no 9 KB theme copied into every chart
    sections = "\n".join(
        f'<section class="chart">{figures[cid].to_html(full_html=False, include_plotlyjs=False, div_id=cid, config=config)}</section>'
        for cid, _ in CHARTS)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>青岛本地新闻数据仓库 · 报告</title>
<style>{PAGE_CSS % {"font": FONT_FAMILY}}</style>
<script type="text/javascript" src="{PLOTLY_JS}"></script>
</head>
<body>
<header><h1>青岛本地新闻数据仓库 · 报告</h1>
<p>由 warehouse.duckdb 的 marts 视图生成 · {built}</p></header>
<div class="kpis">{kpis}</div>
<main>
{sections}
</main>
<footer>数据条数按地点归属汇总：社区 → 街道 → 区市 → 青岛市，功能区计入其所属区市。
图表由 Plotly {plotly.__version__} 生成（{PLOTLY_JS} 与本页同目录，离线可用）；数据与字段说明见 docs/analyst-guide.md 与 docs/data-dictionary.md。</footer>
</body>
</html>
"""
    write_plotly_js(out_dir)  # first: the page never names a script that is not there
    final = out_dir / "index.html"
    _write_atomic(final, page.encode("utf-8"))
    return final


# ------------------------------------------------------------------ serving it (the Dagster UI cannot open file://)

def report_url(port: int = SERVE_PORT) -> str:
    return f"http://{SERVE_HOST}:{port}/"


def serve_command(report_dir: Path, port: int = SERVE_PORT) -> str:
    """The one command that serves ``report_dir`` at :func:`report_url` (run in the project folder)."""
    cmd = ".venv/bin/python -m etl.report serve"
    if Path(report_dir).resolve() != (Path(__file__).resolve().parents[1] / "warehouse" / "report"):
        cmd += f" --dir {shlex.quote(str(Path(report_dir).resolve()))}"
    return cmd + (f" --port {port}" if port != SERVE_PORT else "")


def make_server(report_dir: Path, port: int = SERVE_PORT) -> ThreadingHTTPServer:
    """An http server of ``report_dir`` on 127.0.0.1 only (``port`` 0: any free port)."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(report_dir))
    return ThreadingHTTPServer((SERVE_HOST, port), handler)


def serve(report_dir: Path, port: int = SERVE_PORT, open_browser: bool = True) -> None:
    """Serve the report until Ctrl-C: browsers open http links from the Dagster UI, never file:// ones."""
    report_dir = Path(report_dir)
    if not (report_dir / "index.html").is_file():
        raise SystemExit(f"no report at {report_dir / 'index.html'}: run ./scripts/run.sh (or materialize exports/report) first")
    server = make_server(report_dir, port)
    url = report_url(server.server_address[1])
    print(f"serving {report_dir} at {url} (Ctrl-C stops)", flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl.report", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    srv = sub.add_parser("serve", help=f"serve the report at {report_url()} (the link in the Dagster UI)")
    srv.add_argument("--dir", help="the report folder (default: $WAREHOUSE_DIR/report, else warehouse/report)")
    srv.add_argument("--port", type=int, default=SERVE_PORT)
    srv.add_argument("--no-browser", action="store_true", help="do not open a browser")
    args = parser.parse_args(argv)
    if args.dir:
        report_dir = Path(args.dir)
    else:
        from etl.config import current

        report_dir = current().warehouse_dir / "report"
    serve(report_dir, args.port, open_browser=not args.no_browser)
    return 0


if __name__ == "__main__":
    sys.exit(main())
