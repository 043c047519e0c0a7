"""Every object in deploy/k8s validates offline against the Kubernetes schemas
(kubernetes-validate's bundled ones) and KEDA's own CRD schemas (tests/fixtures/crds, Apache-2.0);
the Prometheus Operator resources are checked for the fields their controller needs; scraping
reaches every service's /metrics."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from shared.bus.topology import STAGES
from tests.unit.deploy.kustomize import render
from tests.unit.deploy.test_manifests import K8S, k8s_documents, of_kind

KUBERNETES_VERSION = "1.31.0"
CUSTOM = {
    "keda.sh/v1alpha1": {"ScaledObject", "TriggerAuthentication"},
    "monitoring.coreos.com/v1": {"ServiceMonitor", "PodMonitor", "PrometheusRule"},
}
ALTERNATIVES = K8S / "alternatives"
CRDS = Path(__file__).resolve().parents[2] / "fixtures" / "crds"


def _closed(schema: dict[str, Any]) -> dict[str, Any]:
    """The CRD's schema with unknown fields refused: the API server would prune them silently,
    so a misspelt field would be lost without a word."""
    schema = dict(schema)
    if (
        "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        schema["additionalProperties"] = False
    for key in ("properties", "patternProperties"):
        if key in schema:
            schema[key] = {name: _closed(sub) for name, sub in schema[key].items()}
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            schema[key] = _closed(schema[key])
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            schema[key] = [_closed(sub) for sub in schema[key]]
    return schema


def _crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    schemas = {}
    for path in CRDS.glob("*.yaml"):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schema = _closed(version["schema"]["openAPIV3Schema"])
            schemas[(f"{group}/{version['name']}", kind)] = schema
    return schemas


CRD_SCHEMAS = _crd_schemas()


def _documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _name(document: dict[str, Any]) -> str:
    return f"{document['kind']}/{document['metadata']['name']}"


@pytest.mark.parametrize(
    "document",
    [*k8s_documents(), *_documents(ALTERNATIVES / "hpa-external.yaml")],
    ids=_name,
)
def test_each_object_is_valid_for_its_api(document: dict[str, Any]) -> None:
    api = document["apiVersion"]
    if (api, document["kind"]) in CRD_SCHEMAS:
        jsonschema.validate(document, CRD_SCHEMAS[(api, document["kind"])])
        return
    if api in CUSTOM:
        assert document["kind"] in CUSTOM[api]
        assert isinstance(document["spec"], dict)
        return
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_keda_objects_are_checked_against_kedas_schema() -> None:
    assert {kind for _, kind in CRD_SCHEMAS} == {"ScaledObject", "TriggerAuthentication"}
    scaled = of_kind("ScaledObject")["renderer"]
    broken = {**scaled, "spec": {**scaled["spec"], "maxReplicaCount": "ten"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, CRD_SCHEMAS[("keda.sh/v1alpha1", "ScaledObject")])
    misspelt = {**scaled, "spec": {**scaled["spec"], "maxReplicas": 10}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(misspelt, CRD_SCHEMAS[("keda.sh/v1alpha1", "ScaledObject")])


def test_a_broken_object_is_refused() -> None:
    deployment = dict(of_kind("Deployment")["gateway"])
    deployment["spec"] = {**deployment["spec"], "replicas": "two"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_every_pod_is_scraped_on_a_port_it_serves() -> None:
    for name, deployment in of_kind("Deployment").items():
        template = deployment["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/path"] == "/metrics"
        [container] = template["spec"]["containers"]
        ports = {p["containerPort"]: p["name"] for p in container["ports"]}
        assert int(annotations["prometheus.io/port"]) in ports, name
        assert "resources" in container, name
        assert container["readinessProbe"]["httpGet"]["port"] in ports.values()


def test_the_monitors_select_the_services_and_stage_pods_by_their_ports() -> None:
    monitor = of_kind("ServiceMonitor")["clinrelay"]
    [endpoint] = monitor["spec"]["endpoints"]
    selected = monitor["spec"]["selector"]["matchLabels"]
    services = of_kind("Service")
    assert set(services) == {"gateway", "notifier"}
    for service in services.values():
        assert selected.items() <= service["metadata"]["labels"].items()
        assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    pods = of_kind("PodMonitor")["clinrelay-stages"]
    [expression] = pods["spec"]["selector"]["matchExpressions"]
    assert set(expression["values"]) == set(STAGES)
    [pod_endpoint] = pods["spec"]["podMetricsEndpoints"]
    for stage in STAGES:
        [container] = of_kind("Deployment")[stage]["spec"]["template"]["spec"]["containers"]
        assert pod_endpoint["port"] in {p["name"] for p in container["ports"]}


def test_the_hpa_alternative_scales_each_stage_on_its_exported_queue_depth() -> None:
    hpas = {d["metadata"]["name"]: d for d in _documents(ALTERNATIVES / "hpa-external.yaml")}
    assert set(hpas) == set(STAGES)
    keda = of_kind("ScaledObject")
    for stage, hpa in hpas.items():
        [metric] = hpa["spec"]["metrics"]
        assert metric["external"]["metric"]["name"] == "clinrelay_queue_messages"
        assert metric["external"]["metric"]["selector"]["matchLabels"] == {"stage": stage}
        assert hpa["spec"]["maxReplicas"] == keda[stage]["spec"]["maxReplicaCount"]
    adapter = yaml.safe_load((ALTERNATIVES / "prometheus-adapter-rules.yaml").read_text())
    [rule] = adapter["rules"]["external"]
    assert "max by (stage)" in rule["metricsQuery"]


def test_the_ingress_sends_http_to_the_gateway_and_sockets_to_the_notifier() -> None:
    config = of_kind("ConfigMap")["clinrelay"]["data"]
    ingress = of_kind("Ingress")["clinrelay"]
    backends = {
        rule["host"]: rule["http"]["paths"][0]["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
    }
    http_host = config["CLINRELAY_PUBLIC_BASE_URL"].split("://")[1]
    ws_host = config["CLINRELAY_PUBLIC_WS_URL"].split("://")[1]
    assert backends == {http_host: "gateway", ws_host: "notifier"}
    annotations = ingress["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600


def test_compose_checks_the_health_of_every_service() -> None:
    compose = yaml.safe_load((K8S.parents[1] / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        if name == "migrate":
            continue  # a one-shot job: compose waits for it to complete instead
        assert "healthcheck" in service, name


OVERLAYS = K8S.parent / "overlays"


def _overlay_objects() -> list[tuple[str, dict[str, Any]]]:
    return [(o, d) for o in ("dev", "prod") for d in render(OVERLAYS / o)]


@pytest.mark.parametrize(
    ("overlay", "document"), _overlay_objects(), ids=lambda v: v if isinstance(v, str) else _name(v)
)
def test_each_overlay_object_is_valid_for_its_api(overlay: str, document: dict[str, Any]) -> None:
    test_each_object_is_valid_for_its_api(document)
    if document["kind"] != "Namespace":
        assert document["metadata"]["namespace"] == f"clinrelay{'-dev' if overlay == 'dev' else ''}"


def test_the_overlays_differ_where_they_should() -> None:
    for overlay, tag, gateways in (("dev", "dev", 1), ("prod", "0.1.0", 3)):
        objects = render(OVERLAYS / overlay)
        deployments = {d["metadata"]["name"]: d for d in objects if d["kind"] == "Deployment"}
        assert deployments["gateway"]["spec"]["replicas"] == gateways
        for deployment in deployments.values():
            [container] = deployment["spec"]["template"]["spec"]["containers"]
            assert container["image"] == f"registry.example.com/clinrelay:{tag}"
        assert len(objects) == len(k8s_documents())  # nothing dropped on the way


def test_the_image_installs_from_the_hash_pinned_lock_and_runs_as_non_root() -> None:
    root = K8S.parents[1]
    dockerfile = (root / "Dockerfile").read_text()
    stages = [line for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert len(stages) >= 2  # build and runtime
    assert "--require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "COPY --from=build" in dockerfile
    runtime = dockerfile[dockerfile.index(stages[-1]) :]
    assert "USER 10001" in runtime
    assert "pip install" not in runtime  # nothing resolved at the last stage
    lock = (root / "requirements.lock").read_text()
    pinned = {
        line.split("==")[0].lower().replace("_", "-")
        for line in lock.splitlines()
        if "==" in line and not line.startswith("#")
    }
    assert lock.count("--hash=sha256:") == len(pinned)
    dependencies = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    for requirement in dependencies:
        name = re.split(r"[<>=!\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        assert name.replace(".", "-") in {p.replace(".", "-") for p in pinned}, name
