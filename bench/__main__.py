"""``make bench`` (``python -m bench``): the quick benchmarks of the road, in one run;
``python -m bench ratios``: every issue-15 speed goal as a ratio to its floor, in one run.

Each prints a Markdown table; docs/benchmarks.md gives each one's full command and the figures
measured. The long ones (bench.e2e, bench.fanout, bench.gateway with wrk, bench.phi.*) run alone.
"""

from __future__ import annotations

import asyncio
import sys

from bench import metrics_overhead, transport


def main() -> None:
    if sys.argv[1:2] == ["ratios"]:
        from bench.ratios import main as ratios

        ratios(sys.argv[2:])
        return
    print("## Per-stage transport overhead (bench.transport --reports 200 --repeat 1)\n")
    asyncio.run(transport.main(200, 1))
    print("\n## Metrics and tracing overhead (bench.metrics_overhead --repeat 1)\n")
    asyncio.run(metrics_overhead.main(200, 200, 1))


if __name__ == "__main__":
    main()
