"""docker-compose.yml and deploy/k8s cannot be run here (no Docker engine, no cluster), so they are
validated: they parse, name real settings, run every service, and autoscale the real queues."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from clinrelay.cli.ops import SERVICES
from services.analyzer.settings import AnalyzerSettings
from services.gateway.settings import GatewaySettings
from services.ingestor.settings import IngestorSettings
from services.notifier.settings import NotifierSettings
from services.renderer.settings import RendererSettings
from shared.bus.topology import STAGES, Topology

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
NON_SETTING_KEYS = {"RABBITMQ_MANAGEMENT_URL"}


def setting_names() -> set[str]:
    classes = (
        GatewaySettings,
        NotifierSettings,
        IngestorSettings,
        AnalyzerSettings,
        RendererSettings,
    )
    fields = {name for cls in classes for name in cls.model_fields}
    return {f"CLINRELAY_{name.upper()}" for name in fields}


def k8s_documents() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        docs.extend(d for d in yaml.safe_load_all((K8S / resource).read_text()) if d)
    return docs


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in k8s_documents() if d["kind"] == kind}


def test_every_service_has_a_deployment_running_it() -> None:
    deployments = of_kind("Deployment")
    assert set(deployments) == set(SERVICES)
    for name, deployment in deployments.items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert container["args"] == ["serve", name]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_config_names_only_real_settings() -> None:
    config = of_kind("ConfigMap")["clinrelay"]["data"]
    secret = of_kind("Secret")["clinrelay"]["stringData"]
    unknown = (set(config) | set(secret)) - setting_names() - NON_SETTING_KEYS
    assert unknown == set()


def test_stage_health_port_matches_the_configured_one() -> None:
    port = int(of_kind("ConfigMap")["clinrelay"]["data"]["CLINRELAY_HEALTH_PORT"])
    grace = float(of_kind("ConfigMap")["clinrelay"]["data"]["CLINRELAY_SHUTDOWN_GRACE_S"])
    for stage in STAGES:
        spec = of_kind("Deployment")[stage]["spec"]["template"]["spec"]
        [container] = spec["containers"]
        assert container["ports"] == [{"name": "health", "containerPort": port}]
        assert spec["terminationGracePeriodSeconds"] > grace


def test_keda_scales_every_stage_on_its_real_work_queue() -> None:
    namespace = of_kind("ConfigMap")["clinrelay"]["data"]["CLINRELAY_BUS_NAMESPACE"]
    topology = Topology(namespace, 5, (1000,))
    scaled = of_kind("ScaledObject")
    assert set(scaled) == set(STAGES)
    for stage, scaled_object in scaled.items():
        [trigger] = scaled_object["spec"]["triggers"]
        assert trigger["type"] == "rabbitmq"
        assert trigger["metadata"]["queueName"] == topology.work_queue(stage)
        # over HTTP the scaler counts unacked messages too, so busy pods are not scaled away
        assert trigger["metadata"]["protocol"] == "http"
        assert scaled_object["spec"]["minReplicaCount"] >= 1
        assert scaled_object["spec"]["scaleTargetRef"]["name"] == stage


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def test_compose_runs_infrastructure_migration_and_every_service(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"rabbitmq", "postgres", "migrate", *SERVICES} <= set(services)
    assert services["migrate"]["command"] == ["migrate"]
    for name in SERVICES:
        assert services[name]["command"] == ["serve", name]
        unknown = set(services[name]["environment"]) - setting_names()
        assert unknown == set()
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


def test_image_entrypoint_is_the_cli() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["clinrelay"]' in dockerfile
    assert "USER 10001" in dockerfile


@pytest.mark.parametrize(
    "settings_cls",
    [GatewaySettings, NotifierSettings, IngestorSettings, AnalyzerSettings, RendererSettings],
)
def test_every_service_accepts_the_deployed_values(
    settings_cls: type[GatewaySettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = {
        **of_kind("ConfigMap")["clinrelay"]["data"],
        **of_kind("Secret")["clinrelay"]["stringData"],
    }
    for name, value in deployed.items():
        monkeypatch.setenv(name, value)
    settings = settings_cls()  # raises on a value the service would refuse at start-up
    assert settings.bus_namespace == deployed["CLINRELAY_BUS_NAMESPACE"]
