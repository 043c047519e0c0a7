"""Build the device/event (MAUDE) records the openFDA fixture server serves.

    .venv/bin/python -m bench.device.make_maude_fixture ../shared/data/openfda-maude

Writes two files into ``clinrelay/openfda_fixture/data/``:

- ``device_event_maude_samples.json``: the real records of FDA/openfda's MAUDE test data (CC0):
  ``wide_sample.json`` as it is, and the four raw MAUDE rows of ``foidev.txt`` + ``patient.txt``
  converted to openFDA's device/event shape (fields renamed per ``maude_mapping.json``, dates
  to YYYYMMDD, outcome codes to openFDA's words). Their event type is not in those files and is
  left out; their narratives are not copied.
- ``device_event_synthetic.json``: records generated from FDA's device/event schema for three
  fictional devices of fictional manufacturers (every name ends in "(SYNTHETIC)", every report
  number starts with "SYNTHETIC-"), 2021–2024, with one planted spike of occlusions in
  September 2024. Problems are FDA device and patient problem terms. Seeded: the output is the
  same on every run.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from services.ingestor.openfda.device_projection import OUTCOME_CODES

OUT = Path(__file__).parents[2] / "clinrelay/openfda_fixture/data"
DEVICES = (
    {
        "product_code": "FRN",
        "brand": "SYNTHOFLOW 300 INFUSION PUMP (SYNTHETIC)",
        "generic": "INFUSION PUMP",
        "manufacturer": "EXAMPLE MEDICAL SYSTEMS INC. (SYNTHETIC)",
        "device_name": "Pump, Infusion",
        "device_class": "2",
        "specialty": "General Hospital",
        "per_month": 4.0,
        "problems": (
            ("Occlusion Within Device", 4),
            ("Infusion or Flow Problem", 4),
            ("Device Alarm System", 3),
            ("Battery Problem", 2),
            ("Adverse Event Without Identified Device or Use Problem", 2),
            ("Use of Device Problem", 1),
        ),
    },
    {
        "product_code": "LZG",
        "brand": "SYNTHOPUMP X2 (SYNTHETIC)",
        "generic": "INSULIN INFUSION PUMP",
        "manufacturer": "SAMPLE DIABETES DEVICES LLC (SYNTHETIC)",
        "device_name": "Pump, Infusion, Insulin",
        "device_class": "2",
        "specialty": "General Hospital",
        "per_month": 3.0,
        "problems": (
            ("Insufficient Information", 3),
            ("Device Displays Incorrect Message", 2),
            ("Break", 2),
            ("Material Integrity Problem", 1),
            ("Battery Problem", 1),
        ),
    },
    {
        "product_code": "JPA",
        "brand": "SYNTHOCLOT METER (SYNTHETIC)",
        "generic": "PROTHROMBIN TIME TEST",
        "manufacturer": "EXAMPLE MEDICAL SYSTEMS INC. (SYNTHETIC)",
        "device_name": "Test, Time, Prothrombin",
        "device_class": "2",
        "specialty": "Hematology",
        "per_month": 1.0,
        "problems": (
            ("Incorrect, Inadequate or Imprecise Result or Readings", 4),
            ("Low Test Results", 1),
        ),
    },
)
PATIENT_PROBLEMS = (
    ("No Known Impact Or Consequence To Patient", 6),
    ("No Clinical Signs, Symptoms or Conditions", 4),
    ("Hyperglycemia", 1),
    ("Hypoglycemia", 1),
    ("Insufficient Information", 2),
    ("Pain", 1),
    ("Bleeding", 1),
)
EVENT_TYPES = (("Malfunction", 14), ("Injury", 4), ("Death", 1), ("Other", 1))
SOURCES = (("Manufacturer report", 8), ("User Facility report", 1), ("Voluntary report", 1))
OCCUPATIONS = ("HEALTH PROFESSIONAL", "NURSE", "PHYSICIAN", "PATIENT", "BIOMEDICAL ENGINEER")
SPIKE = ("FRN", date(2024, 9, 1), "Occlusion Within Device", 14)


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _poisson(rng: random.Random, mean: float) -> int:
    import math

    threshold, k, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        k += 1
        product *= rng.random()
    return k


def _record(
    rng: random.Random, key: int, device: dict[str, Any], received: date, problem: str | None
) -> dict[str, Any]:
    event = _pick(rng, EVENT_TYPES)
    problems = [problem or _pick(rng, device["problems"])]
    if rng.random() < 0.3:
        problems.append(_pick(rng, device["problems"]))
    patient_problem = _pick(rng, PATIENT_PROBLEMS)
    outcome = {"Death": "1, Death", "Injury": "1, Required Intervention"}.get(event, "1, Other")
    event_day = received - timedelta(days=rng.randint(3, 40))
    return {
        "mdr_report_key": str(key),
        "report_number": f"SYNTHETIC-{received.year}-{key:07d}",
        "event_key": str(key + 500_000),
        "date_received": received.strftime("%Y%m%d"),
        "date_of_event": event_day.strftime("%Y%m%d"),
        "date_report": event_day.strftime("%Y%m%d"),
        "event_type": event,
        "adverse_event_flag": "Y" if event in {"Death", "Injury"} else "N",
        "product_problem_flag": "Y",
        "product_problems": sorted(set(problems)),
        "report_source_code": _pick(rng, SOURCES),
        "reporter_occupation_code": rng.choice(OCCUPATIONS),
        "health_professional": "Y",
        "source_type": ["Health Professional"],
        "type_of_report": ["Initial submission"],
        "manufacturer_name": device["manufacturer"],
        "number_devices_in_event": "1",
        "number_patients_in_event": "1",
        "single_use_flag": "N",
        "reprocessed_and_reused_flag": "N",
        "previous_use_code": "I",
        "mdr_text": [
            {
                "mdr_text_key": str(key + 900_000),
                "text_type_code": "Description of Event or Problem",
                "patient_sequence_number": "1",
                "date_report": event_day.strftime("%Y%m%d"),
                "text": "SYNTHETIC RECORD GENERATED FOR CLINRELAY TESTS; NOT A REAL REPORT.",
            }
        ],
        "device": [
            {
                "device_sequence_number": "1",
                "device_event_key": str(key + 700_000),
                "date_received": received.strftime("%Y%m%d"),
                "brand_name": device["brand"],
                "generic_name": device["generic"],
                "manufacturer_d_name": device["manufacturer"],
                "manufacturer_d_country": "US",
                "model_number": "SYN-1",
                "device_report_product_code": device["product_code"],
                "device_operator": rng.choice(("HEALTH PROFESSIONAL", "LAY USER/PATIENT")),
                "device_availability": "No",
                "implant_flag": "N",
                "openfda": {
                    "device_name": device["device_name"],
                    "device_class": device["device_class"],
                    "medical_specialty_description": device["specialty"],
                    "regulation_number": ["880.5725"],
                },
            }
        ],
        "patient": [
            {
                "patient_sequence_number": "1",
                "date_received": received.strftime("%Y%m%d"),
                "sequence_number_outcome": [outcome],
                "patient_problems": [patient_problem],
                "patient_age": f"{rng.randint(19, 88)} YR",
                "patient_sex": rng.choice(("Female", "Male")),
            }
        ],
    }


def synthetic_records(seed: int = 14) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    records, key = [], 9_000_001
    for device in DEVICES:
        for month in range(48):
            year, index = divmod(month, 12)
            first = date(2021 + year, index + 1, 1)
            count = _poisson(rng, device["per_month"])  # type: ignore[arg-type]  # DEVICES is untyped
            spike = device["product_code"] == SPIKE[0] and first == SPIKE[1]
            for number in range(count + (SPIKE[3] if spike else 0)):
                received = first + timedelta(days=rng.randint(0, 27))
                problem = SPIKE[2] if spike and number >= count else None
                records.append(_record(rng, key, device, received, problem))
                key += 1
    return records


def _rows(path: Path) -> list[dict[str, str]]:
    lines = path.read_text("utf-8").splitlines()
    header = lines[0].split("|")
    return [dict(zip(header, line.split("|"), strict=False)) for line in lines[1:] if line]


def _yyyymmdd(text: str) -> str:
    month, day, year = text.split("/")
    return f"{year}{month}{day}"


def real_records(maude: Path) -> list[dict[str, Any]]:
    wide = json.loads((maude / "wide_sample.json").read_text("utf-8"))
    patients = {row["mdr_report_key"]: row for row in _rows(maude / "patient.txt")}
    records = [wide]
    for row in _rows(maude / "foidev.txt"):
        key = row["mdr_report_key"]
        if key == wide["mdr_report_key"]:
            continue
        patient = patients.get(key, {})
        codes = [
            c
            for c in patient.get("sequence_number_outcome", "").replace(".", " ").split()
            if c in OUTCOME_CODES
        ]
        received = _yyyymmdd(row["date_received"])
        records.append(
            {
                "mdr_report_key": key,
                "date_received": received,
                "device": [
                    {
                        "device_sequence_number": row["device_sequence_number"],
                        "date_received": received,
                        "brand_name": row["brand_name"].strip('"'),
                        "generic_name": row["generic_name"],
                        "manufacturer_d_name": row["manufacturer_d_name"],
                        "manufacturer_d_city": row["manufacturer_d_city"],
                        "manufacturer_d_country": row["manufacturer_d_country"],
                        "model_number": row["model_number"],
                        "catalog_number": row["catalog_number"],
                        "lot_number": row["lot_number"],
                        "device_operator": "HEALTH PROFESSIONAL",
                        "device_report_product_code": row["device_report_product_code"],
                    }
                ],
                "patient": [
                    {
                        "patient_sequence_number": patient.get("patient_sequence_number", "1"),
                        "date_received": received,
                        "sequence_number_outcome": [
                            f"{n}, {OUTCOME_CODES[c]}" for n, c in enumerate(codes, start=1)
                        ],
                    }
                ],
            }
        )
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("maude", type=Path, help="the openfda-maude data folder")
    args = parser.parse_args()
    real = real_records(args.maude)
    synthetic = synthetic_records()
    (OUT / "device_event_maude_samples.json").write_text(json.dumps(real, indent=1) + "\n")
    (OUT / "device_event_synthetic.json").write_text(json.dumps(synthetic) + "\n")
    print(f"{len(real)} real records, {len(synthetic)} synthetic records")


if __name__ == "__main__":
    main()
