"""The few figures a report's ``result`` carries, so an API client sees the outcome at a glance."""

from __future__ import annotations

from typing import Any

from shared.events.cer import CerAnalysis
from shared.events.coding import CodingAnalysis
from shared.events.device import DeviceAnalysis


def analysis_summary(analysis: CodingAnalysis | CerAnalysis | DeviceAnalysis) -> dict[str, Any]:
    """Counts (and, for coding, the estimated revenue difference) of one analysis."""
    if isinstance(analysis, CodingAnalysis):
        summary: dict[str, Any] = {
            "encounters": len(analysis.encounters),
            "suggested_codes": sum(len(e.suggestions) for e in analysis.encounters),
            "documented_not_billed": sum(
                len(e.comparison.documented_not_billed) for e in analysis.encounters
            ),
            "billed_not_documented": sum(
                len(e.comparison.billed_not_documented) for e in analysis.encounters
            ),
            "specificity_upgrades": sum(
                len(e.comparison.specificity_upgrades) for e in analysis.encounters
            ),
        }
        summary["claims_compared"] = any(e.comparison.has_claim for e in analysis.encounters)
        risk = analysis.risk_adjustment
        if risk is not None:
            summary["estimated_annual_revenue_delta"] = round(risk.annual_revenue_delta, 2)
            summary["estimated_revenue_gained"] = round(risk.revenue_gained, 2)
            summary["estimated_revenue_at_risk"] = round(risk.revenue_at_risk, 2)
        return summary
    if isinstance(analysis, DeviceAnalysis):
        return {
            "scope": analysis.request.scope.value,
            "subject": analysis.subject_label,
            "nil_report": analysis.nil,
            "reports_analysed": analysis.totals.analysed,
            "reports_in_interval": analysis.totals.interval_analysed,
            "deaths": analysis.totals.deaths,
            "injuries": analysis.totals.injuries,
            "malfunctions": analysis.totals.malfunctions,
            "trend_alerts": len(analysis.trends.alerts),
            "new_trend_alerts": sum(1 for alert in analysis.trends.alerts if alert.new),
        }
    return {
        "ndc": analysis.request.ndc,
        "scope": analysis.request.scope.value,
        "subject": analysis.subject_label,
        "nil_report": analysis.nil,
        "reports_analysed": analysis.totals.analysed,
        "reports_in_interval": analysis.totals.interval_analysed,
        "serious_reports": analysis.totals.serious,
        "distinct_events": analysis.totals.distinct_events,
        "signals": len(analysis.signals),
        "new_signals": list(analysis.signal_changes.new),
        "disappeared_signals": list(analysis.signal_changes.disappeared),
        "trend_alerts": len(analysis.trends.alerts),
        "new_trend_alerts": sum(1 for alert in analysis.trends.alerts if alert.new),
    }
