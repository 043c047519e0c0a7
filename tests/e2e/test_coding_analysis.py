"""The coding analysis over the API, with the real stages: a claim review with notes, a
problem-list review without notes, and a documentation review without a claim."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.road import FIXTURES, fetch, start_road
from tests.integration.bundles import NOTE, claim_bundle, note_bundle
from tests.integration.harness import Pipeline

FHIR = {"Content-Type": "application/fhir+json"}
COVID = FIXTURES / "fhir" / "synthea-covid" / "covid_batch_bundle_bibi254.json"
PHI = ("Johanna", "Vandermeer", "884213", "617-555-0142", "1951-06-02", "Larch")


async def submit(client: httpx.AsyncClient, **request: Any) -> str:
    response = await client.post("/v1/reports", **request)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def test_analysis_json_for_claim_problem_list_and_documentation_reviews(
    pipeline: Pipeline,
) -> None:
    await start_road(pipeline)
    async with pipeline.client(await pipeline.api_key("clinic")) as client:
        claimed = await submit(client, json={"kind": "coding", "bundle": claim_bundle()})
        covid = await submit(client, content=COVID.read_bytes(), headers=FHIR)
        unbilled = await submit(client, json={"kind": "coding", "bundle": note_bundle(NOTE)})
        for report_id in (claimed, covid, unbilled):
            row = await pipeline.wait_for_status(report_id, timeout=180)
            assert row["status"] == "COMPLETE", row["error_message"]
        claim = (await fetch(client, f"/v1/reports/{claimed}/analysis")).json()
        problem_list = (await fetch(client, f"/v1/reports/{covid}/analysis")).json()
        documentation = (await fetch(client, f"/v1/reports/{unbilled}/analysis")).json()
        raw = (await fetch(client, f"/v1/reports/{claimed}/analysis")).text

    # Claim review: billed E11.9, C18.9 (history only), R07.9 (denied), I10.
    verdicts = {v["code"]: v["verdict"] for v in claim["verdicts"]}
    assert verdicts == {
        "E11.9": "supported",
        "C18.9": "not_supported",
        "R07.9": "not_supported",
        "I10": "supported",
    }
    assert claim["findings"]["upgrade"] == [["E11.9", "E11.65"]]
    assert set(claim["findings"]["billed_not_documented"]) == {"C18.9", "R07.9"}
    assert "Z85.038" in claim["findings"]["documented_not_billed"]
    codes = {c["code"]: c for c in claim["codes"]}
    assert codes["E11.65"]["assertion"] == "present"
    assert codes["E11.65"]["category"] == "diagnosis"
    assert codes["E11.65"]["evidence"]["text"] == "Type 2 diabetes mellitus with hyperglycemia"
    assert {"C18.9", "R07.9"} <= {e["code"] for e in claim["excluded"]}
    (encounter,) = claim["encounters"]
    assert encounter["in_data_collection_year"] is True
    assert "C18.9" not in encounter["corrected_claim"]
    revenue = claim["revenue"]
    assert revenue["review"] == "claim"
    assert revenue["age_years"] == 74  # born 1951-06-02: 74 on February 1, 2026
    assert revenue["at_risk_hccs"] == ["HCC22"]
    assert revenue["revenue_at_risk"] > 0
    assert revenue["net"] == round(revenue["revenue_gained"] - revenue["revenue_at_risk"], 2)
    for value in PHI:
        assert value not in raw

    # No notes: the Synthea claims are compared with the recorded Conditions (SNOMED CT).
    assert problem_list["claims_compared"] is True
    assert {e["basis"] for e in problem_list["encounters"] if e["billed"]} == {"problem_list"}
    assert {v["verdict"] for v in problem_list["verdicts"]} == {"supported"}
    assert any("Outside the data-collection year" in n for n in problem_list["notices"])

    # No claim: a documentation review, not a list of "documented, not billed" codes.
    assert documentation["claims_compared"] is False
    assert documentation["findings"]["documented_not_billed"] == []
    assert documentation["verdicts"] == []
    assert "E11.65" in {c["code"] for c in documentation["codes"]}
    assert any(n.startswith("Nothing was billed to compare") for n in documentation["notices"])
