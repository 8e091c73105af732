"""A static HTML report of the warehouse: charts people look at instead of tables they read.

:func:`render_report` reads the ``marts`` views (and a few modeled tables)
through any DuckDB connection, read-only is enough, and writes one
self-contained ``index.html``: plotly.js is inlined once, so the page opens
from disk, in a browser without network, or as a Dagster metadata link.

Charts (each a ``<div id="chart-…">``, see :data:`CHARTS`):

- articles per outlet per day (stacked bars);
- metrics by district on a schematic map of Qingdao's ten county-level units
  (bubbles at approximate centroids) and as bars, both rolled up through the
  district hierarchy;
- the largest quantities of the latest day with data, one panel per kind of unit;
- keyword trends: the most frequent keywords per month (heat map).

Chinese labels need a CJK font where the page is rendered: the layout asks
for Noto Sans CJK SC first (Debian ``fonts-noto-cjk``, installed by
``scripts/system_deps.sh``), then the usual macOS/Windows CJK fonts.
"""

from __future__ import annotations

import html
import os
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

FONT_FAMILY = ('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
               '"Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif')

# (div id, title) in page order; tests/test_report.py checks every one rendered.
CHARTS = [
    ("chart-outlets", "各媒体每日发稿量"),
    ("chart-district-map", "各区市数据量示意图"),
    ("chart-district-bar", "各区市数据量（含下辖街道、社区、功能区）"),
    ("chart-latest", "最新一天的主要数据"),
    ("chart-keywords", "关键词趋势"),
]

# Schematic positions (longitude, latitude) of Qingdao's county-level units:
# approximate centroids read off public maps, with the four small urban
# districts on the peninsula pulled apart so their bubbles do not overlap.
# They lay the chart out like the city; they are not geodata. Keyed by NBS code.
COUNTY_POSITIONS: dict[str, tuple[float, float]] = {
    "370202": (120.36, 35.99),  # 市南区
    "370203": (120.27, 36.11),  # 市北区
    "370211": (119.98, 35.88),  # 黄岛区 (西海岸新区)
    "370212": (120.62, 36.14),  # 崂山区
    "370213": (120.43, 36.22),  # 李沧区
    "370214": (120.33, 36.33),  # 城阳区
    "370215": (120.55, 36.46),  # 即墨区
    "370281": (119.97, 36.28),  # 胶州市
    "370283": (119.93, 36.76),  # 平度市
    "370285": (120.50, 36.88),  # 莱西市
}

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

def outlets_chart(conn: duckdb.DuckDBPyConnection) -> go.Figure:
    rows = conn.execute(
        """SELECT strftime(date, '%Y-%m-%d') AS day, outlet_name, articles
           FROM marts.articles_by_outlet_day WHERE date IS NOT NULL AND articles > 0
           ORDER BY date, outlet_name""").fetchall()
    undated = conn.execute("SELECT count(*) FROM modeled.fact_articles WHERE date_key = -1").fetchone()[0]
    fig = go.Figure()
    days = sorted({r[0] for r in rows})
    totals: dict[str, int] = {}
    for _, outlet, n in rows:
        totals[outlet] = totals.get(outlet, 0) + n
    outlets = sorted(totals, key=lambda o: (-totals[o], o))
    for i, outlet in enumerate(outlets):
        per_day = {d: a for d, o, a in rows if o == outlet}
        fig.add_bar(name=outlet, x=days, y=[per_day.get(d, 0) for d in days],
                    marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate=f"{outlet}<br>%{{x}}: %{{y}} 篇<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category", title_text="新闻日期")
    fig.update_yaxes(title_text="文章数（篇）", rangemode="tozero")
    title = dict(CHARTS)["chart-outlets"]
    if undated:
        title += f"<br><sup>另有 {undated} 篇日期不详的文章未计入</sup>"
    _layout(fig, title, 430)
    return _no_data(fig) if not rows else fig


def _county_rollup(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(admin_code, name, metrics, articles) for every county-level unit, rolled up."""
    return conn.execute(
        """WITH m AS (SELECT district_key, sum(metrics) AS metrics FROM marts.metrics_by_district_month
                      WHERE level = 'county' GROUP BY 1),
                a AS (SELECT district_key, sum(articles_mentioning) AS articles FROM marts.articles_by_district_month
                      WHERE level = 'county' GROUP BY 1)
           SELECT d.admin_code, d.district_name, coalesce(m.metrics, 0)::BIGINT, coalesce(a.articles, 0)::BIGINT
           FROM modeled.dim_district d LEFT JOIN m USING (district_key) LEFT JOIN a USING (district_key)
           WHERE d.level = 'county' ORDER BY d.admin_code""").fetchall()


def district_map_chart(conn: duckdb.DuckDBPyConnection) -> go.Figure:
    rows = [r for r in _county_rollup(conn) if r[0] in COUNTY_POSITIONS]
    fig = go.Figure()
    if rows:
        biggest = max(r[2] for r in rows) or 1
        fig.add_scatter(
            x=[COUNTY_POSITIONS[r[0]][0] for r in rows],
            y=[COUNTY_POSITIONS[r[0]][1] for r in rows],
            mode="markers+text",
            text=[f"{r[1]}<br>{r[2]} 条" for r in rows],
            textposition="middle center",
            textfont={"size": 12, "color": "#111"},
            marker={"size": [18 + 62 * (r[2] / biggest) ** 0.5 for r in rows],
                    "color": [r[3] for r in rows], "colorscale": "Blues", "cmin": 0,
                    "showscale": True, "colorbar": {"title": {"text": "提及文章数"}},
                    "line": {"color": "#345", "width": 1}, "opacity": 0.85},
            customdata=[[r[1], r[2], r[3]] for r in rows],
            hovertemplate="%{customdata[0]}<br>数据 %{customdata[1]} 条<br>提及文章 %{customdata[2]} 篇<extra></extra>",
            showlegend=False,
        )
    fig.update_xaxes(title_text="经度（示意）", range=[119.65, 120.85], showgrid=False, zeroline=False,
                     constrain="domain")
    fig.update_yaxes(title_text="纬度（示意）", range=[35.7, 37.05], showgrid=False, zeroline=False,
                     scaleanchor="x", scaleratio=1.24, constrain="domain")
    _layout(fig, dict(CHARTS)["chart-district-map"]
            + "<br><sup>气泡大小 = 数据条数（含下辖街道、社区、功能区），颜色 = 提及该区市的文章数；位置为近似中心</sup>", 620)
    return fig if rows else _no_data(fig)


def district_bar_chart(conn: duckdb.DuckDBPyConnection) -> go.Figure:
    rows = conn.execute(
        """SELECT district_name, unit_kind, sum(metrics)::BIGINT AS metrics
           FROM marts.metrics_by_district_month WHERE level IN ('county', 'functional_area')
           GROUP BY ALL
           UNION ALL
           SELECT '青岛市（全市层面）', unit_kind, sum(metrics_direct)::BIGINT
           FROM marts.metrics_by_district_month WHERE level = 'city' GROUP BY ALL HAVING sum(metrics_direct) > 0
           UNION ALL
           SELECT '未知地点', unit_kind, sum(metrics)::BIGINT
           FROM marts.metrics_by_district_month WHERE level = 'unknown' GROUP BY ALL""").fetchall()
    fig = go.Figure()
    totals: dict[str, int] = {}
    for name, _, n in rows:
        totals[name] = totals.get(name, 0) + n
    names = sorted(totals, key=lambda k: (totals[k], k))  # largest at the top of a horizontal bar chart
    kinds = sorted({r[1] for r in rows})
    for i, kind in enumerate(kinds):
        per = {name: n for name, k, n in rows if k == kind}
        fig.add_bar(name=kind_label(kind), y=names, x=[per.get(n, 0) for n in names], orientation="h",
                    marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate=f"%{{y}}<br>{kind_label(kind)}: %{{x}} 条<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="数据条数（条）")
    fig.update_yaxes(type="category", automargin=True)
    _layout(fig, dict(CHARTS)["chart-district-bar"], max(380, 90 + 34 * len(names)))
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

    fig = make_subplots(rows=len(kinds), cols=1, vertical_spacing=0.25 / len(kinds) + 0.02,
                        subplot_titles=[subtitle(k) for k in kinds])
    for i, kind in enumerate(kinds, start=1):
        mine = [r for r in rows if r[0] == kind][::-1]  # largest on top
        labels, seen = [], {}
        for r in mine:
            label = r[3] or "（未标注）"
            seen[label] = seen.get(label, 0) + 1
            labels.append(label if seen[label] == 1 else f"{label}（{seen[label]}）")
        fig.add_bar(row=i, col=1, y=labels, x=[r[5] for r in mine], orientation="h",
                    marker_color=PALETTE[(i - 1) % len(PALETTE)], showlegend=False,
                    text=[f"{r[2]}" + (f"（{r[4]}）" if r[4] else "") for r in mine],
                    textposition="outside", cliponaxis=False,
                    customdata=[[r[6], r[7]] for r in mine],
                    hovertemplate="%{y}: %{text}<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>")
        top = max(r[5] for r in mine)
        fig.update_xaxes(range=[0, top * 1.3], showticklabels=False, showgrid=False, row=i, col=1)
        fig.update_yaxes(type="category", automargin=True, row=i, col=1)
    fig = _layout(fig, title + "<br><sup>每类单位取数值最大的几条；条形长度为换算到基本单位后的数值</sup>",
                  160 + 150 * len(kinds))
    fig.update_layout(margin={"t": 90})
    return fig


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
    months = sorted({r[0] for r in rows if r[0] != UNKNOWN_MONTH})
    if any(r[0] == UNKNOWN_MONTH for r in rows):
        months.append(UNKNOWN_MONTH)
    cell = {(m, k): n for m, k, n in rows}
    fig = go.Figure()
    if keywords:
        fig.add_heatmap(x=months, y=keywords[::-1], z=[[cell.get((m, k), 0) for m in months] for k in keywords[::-1]],
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
    outlets = q("SELECT count(DISTINCT outlet_key) FROM modeled.fact_articles WHERE outlet_key <> -1")[0]
    places = q("SELECT count(DISTINCT district_key) FROM modeled.article_districts")[0]
    first, last = q("SELECT min(news_date), max(news_date) FROM modeled.fact_articles")
    span = f"{first} – {last}" if first else "—"
    return [("文章", f"{articles}"), ("日期不详", f"{undated}"), ("数据", f"{metrics}"),
            ("媒体", f"{outlets}"), ("地点", f"{places}"), ("时间范围", span)]


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


def render_report(conn: duckdb.DuckDBPyConnection, out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` (atomically) from the warehouse behind ``conn``; return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = {
        "chart-outlets": outlets_chart(conn),
        "chart-district-map": district_map_chart(conn),
        "chart-district-bar": district_bar_chart(conn),
        "chart-latest": latest_day_chart(conn),
        "chart-keywords": keywords_chart(conn),
    }
    kpis = "".join(f'<div class="kpi"><b>{html.escape(v)}</b><span>{html.escape(k)}</span></div>'
                   for k, v in _kpis(conn))
    built = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    config = {"displaylogo": False, "responsive": True}
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
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<header><h1>青岛本地新闻数据仓库 · 报告</h1>
<p>由 warehouse.duckdb 的 marts 视图生成 · {built}</p></header>
<div class="kpis">{kpis}</div>
<main>
{sections}
</main>
<footer>数据条数按地点归属汇总：社区 → 街道 → 区市 → 青岛市，功能区计入其所属区市。
图表由 Plotly 生成；数据与字段说明见 docs/analyst-guide.md 与 docs/data-dictionary.md。</footer>
</body>
</html>
"""
    final = out_dir / "index.html"
    tmp = out_dir / f".index.html.tmp-{os.getpid()}"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, final)
    return final
