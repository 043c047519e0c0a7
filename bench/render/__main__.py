"""PDF render time of the standard reports against a minimal HTML → PDF call of the same content.

    .venv/bin/python -m bench.render [--renders 40] [--pool-renders 24] [--workers 2]

Scenarios, all in this one process and run, interleaved so machine load hits each alike:

- ``coding``: ``render_coding_pdf`` of the standard coding report (one outpatient encounter, seven
  suggested codes with evidence, four exclusions, claim findings, CMS-HCC estimate, appendix);
- ``coding, short``: the same without the CMS-HCC section and with one exclusion (a visit whose
  analysis has no risk estimate);
- ``cer``: ``render_cer_pdf`` of the standard drug-safety report (three SVG charts, 25 reactions);
- ``cer, no charts``: the same CER HTML and stylesheet with the three ``<svg>`` removed;
- ``… baseline``: the minimal call — the same document's text and tables with the SVGs, classes
  and inline styles stripped, through ``weasyprint.HTML(string=…).write_pdf()`` with only the page
  size, margins and font (so it lays out about as many pages).

The ratio to the baseline shows what the templates, stylesheet and charts cost over WeasyPrint
itself. Throughput is measured separately through :class:`RenderPool` with ``--workers`` processes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

from weasyprint import HTML

from services.renderer.meta import ReportMeta
from services.renderer.pdf import PdfDocument, html_to_pdf
from services.renderer.pool import RenderPool
from services.renderer.reports import (
    cer_report_html,
    coding_report_html,
    render_cer_pdf,
    render_coding_pdf,
)
from services.renderer.samples import sample_cer_analysis, sample_coding_analysis

_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_PRESENTATION = re.compile(r'\s(?:class|style)="[^"]*"')
# Same page size, margins, font and size as the report, so both lay out about as many pages.
_MINIMAL_STYLE = (
    "<style>@page { size: A4; margin: 19mm 16mm 18mm 16mm } "
    'html { font-family: "DejaVu Sans"; font-size: 8.6pt }</style>'
)


def minimal_html(html: str) -> str:
    """The same document without charts, classes or inline styles: one five-rule style only."""
    return _PRESENTATION.sub("", _SVG.sub("", html)).replace("</head>", _MINIMAL_STYLE + "</head>")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run_interleaved(
    scenarios: dict[str, Callable[[], object]], renders: int
) -> dict[str, list[tuple[float, float]]]:
    """(wall s, CPU s) per render of each scenario, scenarios taking turns."""
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in scenarios}
    for render in scenarios.values():  # warm-up: fonts, stylesheet, imports
        render()
    for _ in range(renders):
        for name, render in scenarios.items():
            wall, cpu = time.perf_counter(), time.process_time()
            render()
            timings[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return timings


def render_ratio(timings: dict[str, list[tuple[float, float]]]) -> float:
    """The coding report's median wall time over the minimal call's, from one interleaved run."""
    return _median_wall(timings["coding"]) / _median_wall(timings["coding baseline"])


def chart_share(timings: dict[str, list[tuple[float, float]]]) -> float:
    """The share of the CER's median render time its three charts take."""
    return 1 - _median_wall(timings["cer, no charts"]) / _median_wall(timings["cer"])


def _median_wall(values: list[tuple[float, float]]) -> float:
    return statistics.median(wall for wall, _ in values)


def scenarios_of(meta: ReportMeta) -> dict[str, Callable[[], object]]:
    """The render scenarios (see the module docstring), ready to run interleaved."""
    coding, cer = sample_coding_analysis(), sample_cer_analysis()
    cer_doc = cer_report_html(cer, meta)
    cer_no_charts = PdfDocument(_SVG.sub("", cer_doc.html), cer_doc.title, cer_doc.created_at)
    coding_minimal = minimal_html(coding_report_html(coding, meta).html)
    cer_minimal = minimal_html(cer_doc.html)
    return {
        "coding": lambda: render_coding_pdf(coding, meta),
        "coding baseline": lambda: HTML(string=coding_minimal).write_pdf(),
        "cer": lambda: render_cer_pdf(cer, meta),
        "cer, no charts": lambda: html_to_pdf(cer_no_charts),
        "cer baseline": lambda: HTML(string=cer_minimal).write_pdf(),
    }


async def pool_throughput(workers: int, renders: int, meta: ReportMeta) -> dict[str, float]:
    coding, cer = sample_coding_analysis(), sample_cer_analysis()
    results = {}
    async with RenderPool(workers, timeout_s=60.0) as pool:
        started = time.perf_counter()
        await asyncio.gather(*(pool.render_coding(coding, meta) for _ in range(renders)))
        results["coding"] = renders / (time.perf_counter() - started)
        started = time.perf_counter()
        await asyncio.gather(*(pool.render_cer(cer, meta) for _ in range(renders)))
        results["cer"] = renders / (time.perf_counter() - started)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=40)
    parser.add_argument("--pool-renders", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    meta = ReportMeta(report_id=uuid4(), tenant_id=uuid4(), generated_at=datetime.now(UTC))
    coding, cer = sample_coding_analysis(), sample_cer_analysis()
    encounter = coding.encounters[0]
    short = coding.model_copy(
        update={
            "risk_adjustment": None,
            "encounters": (encounter.model_copy(update={"excluded": encounter.excluded[:1]}),),
        }
    )
    coding_doc = coding_report_html(coding, meta)
    cer_doc = cer_report_html(cer, meta)
    cer_no_charts = PdfDocument(_SVG.sub("", cer_doc.html), cer_doc.title, cer_doc.created_at)
    coding_minimal, cer_minimal = minimal_html(coding_doc.html), minimal_html(cer_doc.html)
    pages = {
        "coding": render_coding_pdf(coding, meta).pages,
        "coding baseline": len(HTML(string=coding_minimal).render().pages),
        "coding, short": render_coding_pdf(short, meta).pages,
        "cer": render_cer_pdf(cer, meta).pages,
        "cer baseline": len(HTML(string=cer_minimal).render().pages),
    }
    scenarios: dict[str, Callable[[], object]] = {
        "coding": lambda: render_coding_pdf(coding, meta),
        "coding baseline": lambda: HTML(string=coding_minimal).write_pdf(),
        "coding, short": lambda: render_coding_pdf(short, meta),
        "cer": lambda: render_cer_pdf(cer, meta),
        "cer, no charts": lambda: html_to_pdf(cer_no_charts),
        "cer baseline": lambda: HTML(string=cer_minimal).write_pdf(),
    }
    timings = run_interleaved(scenarios, args.renders)
    throughput = asyncio.run(pool_throughput(args.workers, args.pool_renders, meta))

    print(f"load average before pool run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        "pages: "
        + ", ".join(f"{name} {count}" for name, count in pages.items())
        + f"; renders per scenario: {args.renders}"
    )
    print("| scenario | p50 ms | p95 ms | CPU p50 ms | ratio to baseline (p50) |")
    print("|---|---|---|---|---|")
    for name, values in timings.items():
        wall = [w for w, _ in values]
        cpu = [c for _, c in values]
        base = timings["coding baseline" if name.startswith("coding") else "cer baseline"]
        ratio_text = (
            "–"
            if name == "coding, short"  # different content: no baseline of its own
            else f"{statistics.median(wall) / statistics.median(w for w, _ in base):.2f}×"
        )
        print(
            f"| {name} | {statistics.median(wall) * 1000:.0f} | {percentile(wall, 0.95) * 1000:.0f}"
            f" | {statistics.median(cpu) * 1000:.0f} | {ratio_text} |"
        )
    print(f"render_ratio (coding / coding baseline, p50): {render_ratio(timings):.3f}")
    print(f"cer charts: {chart_share(timings):.1%} of the CER's render time (1 - no charts / cer)")
    for name in ("coding", "cer"):
        sequential = 1 / statistics.mean(w for w, _ in timings[name])
        print(
            f"{name}: {sequential:.2f} PDFs/s in one process, "
            f"{throughput[name]:.2f} PDFs/s through RenderPool({args.workers})"
        )


if __name__ == "__main__":
    main()
