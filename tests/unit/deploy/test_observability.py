"""The alert rules and the Grafana dashboard speak about metrics the code exports, parse as
PromQL, and the alerts fire when they should (promtool, Debian's build, where installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import Counter, Gauge, Histogram

from shared.metrics import registry

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "deploy" / "k8s" / "prometheus-rules.yaml"
DASHBOARD = ROOT / "deploy" / "grafana" / "clinrelay.json"
RULE_TESTS = Path(__file__).parent / "rules" / "alerts_test.yaml"
METRIC = re.compile(r"\bclinrelay_[a-z0-9_]+\b")


def exported() -> set[str]:
    """Every sample name /metrics can show, as Prometheus sees it."""
    names: set[str] = set()
    for metric in vars(registry).values():
        name = getattr(metric, "_name", None)
        if isinstance(metric, Counter):
            names.add(f"{name}_total")
        elif isinstance(metric, Histogram):
            names.update(f"{name}_{suffix}" for suffix in ("bucket", "sum", "count"))
        elif isinstance(metric, Gauge):
            names.add(str(name))
    return names


def rule_groups() -> dict[str, Any]:
    document = yaml.safe_load(RULES.read_text())
    assert document["kind"] == "PrometheusRule"
    spec: dict[str, Any] = document["spec"]
    return spec


def alert_expressions() -> dict[str, str]:
    return {
        rule["alert"]: rule["expr"] for group in rule_groups()["groups"] for rule in group["rules"]
    }


def dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def promtool() -> str:
    found = shutil.which("promtool") or shutil.which("promtool", path=str(ROOT / ".venv" / "bin"))
    if found is None:
        pytest.skip("promtool is not installed (scripts/promtool puts Debian's into .venv/bin)")
    return found


def test_the_required_alerts_are_there_with_their_thresholds() -> None:
    alerts = alert_expressions()
    assert "clinrelay_queue_messages) > 100" in alerts["ClinrelayQueueBacklog"]
    assert "histogram_quantile(0.95" in alerts["ClinrelayStageSlow"]
    assert alerts["ClinrelayStageSlow"].strip().endswith("> 60")
    assert alerts["ClinrelayReportFailureRate"].strip().endswith("> 0.05")
    assert "clinrelay_queue_consumers) == 0" in alerts["ClinrelayStageNoConsumer"]
    assert "clinrelay_outbox_rows_waiting" in alerts["ClinrelayOutboxBacklogGrowing"]
    assert "clinrelay_stage_messages_parked_total" in alerts["ClinrelayDeadLetters"]
    for group in rule_groups()["groups"]:
        for rule in group["rules"]:
            anchor = rule["alert"].lower()
            assert rule["annotations"]["runbook"] == f"docs/operations.md#{anchor}"
            assert f"### {rule['alert']}" in (ROOT / "docs" / "operations.md").read_text()


@pytest.mark.parametrize("source", ["alerts", "dashboard"])
def test_every_expression_names_metrics_the_code_exports(source: str) -> None:
    expressions = (
        list(alert_expressions().values()) if source == "alerts" else dashboard_expressions()
    )
    assert expressions
    known = exported()
    for expression in expressions:
        named = set(METRIC.findall(expression))
        assert named, expression
        assert named <= known, f"{sorted(named - known)} in {expression!r}"


def test_the_rules_parse_and_the_alerts_fire_when_they_should(tmp_path: Path) -> None:
    tool = promtool()
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rule_groups()))
    shutil.copy(RULE_TESTS, tmp_path / "alerts_test.yaml")
    checked = subprocess.run(
        [tool, "check", "rules", "rules.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        [tool, "test", "rules", "alerts_test.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    tool = promtool()
    recording = [
        {"record": f"clinrelay:dashboard_{i}", "expr": expression}
        for i, expression in enumerate(dashboard_expressions())
    ]
    path = tmp_path / "dashboard_rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": recording}]}))
    checked = subprocess.run(
        [tool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
