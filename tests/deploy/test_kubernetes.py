"""deploy/k8s: every overlay renders, is valid Kubernetes, is hardened and matches the code."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from tests.deploy.config_reference import settings_classes, settings_of
from tests.deploy.conftest import (
    DOCUMENT_SERVICES,
    IMAGE_UID,
    OVERLAYS,
    PROCESSES,
    SERVICES,
    container_specs,
    option,
)

Rendered = dict[str, list[dict[str, Any]]]
# The newest Kubernetes the validator ships schemas for, and the oldest we promise to run on.
KUBERNETES_VERSIONS = (kubernetes_validate.utils.latest_version(), "1.30")
PRE_STOP_SECONDS = 5


def of_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_rendered_object_is_valid_kubernetes(
    rendered: Rendered, overlay: str, version: str
) -> None:
    documents = rendered[overlay]
    assert len(documents) > 20
    for document in documents:
        kubernetes_validate.validate(document, version, strict=True)


def test_validation_rejects_an_unknown_field(rendered: Rendered) -> None:
    deployment = of_kind(rendered["production"], "Deployment")["gateway"]
    broken = {**deployment, "spec": {**deployment["spec"], "replicaz": 3}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_hardened(rendered: Rendered, overlay: str) -> None:
    pods = [
        (document["metadata"]["name"], document["spec"]["template"]["spec"])
        for document in rendered[overlay]
        if document["kind"] in ("Deployment", "Job")
    ]
    assert len(pods) == len(PROCESSES) + len(SERVICES)
    for name, pod in pods:
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == IMAGE_UID, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in container_specs(pod):
            where = f"{name}/{container['name']}"
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert "add" not in context["capabilities"], where
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}, where
            assert context.get("privileged", False) is False, where
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) >= {"cpu", "memory"}, where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_process_has_deployment_service_account_autoscaler_and_budget(
    rendered: Rendered, overlay: str
) -> None:
    documents = rendered[overlay]
    deployments = of_kind(documents, "Deployment")
    services = of_kind(documents, "Service")
    accounts = of_kind(documents, "ServiceAccount")
    autoscalers = of_kind(documents, "HorizontalPodAutoscaler")
    budgets = of_kind(documents, "PodDisruptionBudget")
    assert set(deployments) == set(PROCESSES)
    for name, (target, port) in PROCESSES.items():
        pod = deployments[name]["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == name
        assert accounts[name]["automountServiceAccountToken"] is False
        (container,) = pod["containers"]
        command = container["command"]
        assert command[:3] == ["uvicorn", "--factory", target]
        assert option(command, "--port") == str(port)
        assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        assert services[name]["spec"]["ports"][0]["port"] == port
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert services[name]["spec"]["selector"].items() <= labels.items()
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert autoscalers[name]["spec"]["scaleTargetRef"]["name"] == name
        assert budgets[name]["spec"]["selector"]["matchLabels"].items() <= labels.items()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_shutdown_is_graceful_within_the_grace_period(rendered: Rendered, overlay: str) -> None:
    for name, deployment in of_kind(rendered[overlay], "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        graceful = int(option(container["command"], "--timeout-graceful-shutdown") or 0)
        assert graceful > 0, name
        assert container["lifecycle"]["preStop"]["exec"]["command"] == [
            "sleep",
            str(PRE_STOP_SECONDS),
        ]
        assert pod["terminationGracePeriodSeconds"] > PRE_STOP_SECONDS + graceful, name
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_migrates_in_a_job_with_its_database_secret(
    rendered: Rendered, overlay: str
) -> None:
    documents = rendered[overlay]
    jobs = of_kind(documents, "Job")
    deployments = of_kind(documents, "Deployment")
    assert set(jobs) == {f"{service}-migrate" for service in SERVICES}
    for service in SERVICES:
        (migrate,) = jobs[f"{service}-migrate"]["spec"]["template"]["spec"]["containers"]
        assert migrate["command"] == ["mirps", "migrate", service]
        (app,) = deployments[service]["spec"]["template"]["spec"]["containers"]
        for container in (migrate, app):
            database = {e["name"]: e for e in container["env"]}[f"{service.upper()}_DATABASE_URL"]
            assert database["valueFrom"]["secretKeyRef"] == {
                "name": f"mirps-{service}-database",
                "key": "url",
            }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_is_committed_and_settings_are_ones_the_code_reads(
    rendered: Rendered, overlay: str
) -> None:
    documents = rendered[overlay]
    assert not of_kind(documents, "Secret")
    known = {
        setting.variable
        for _, settings_class in settings_classes()
        for setting in settings_of(settings_class)
    }
    (settings,) = of_kind(documents, "ConfigMap").values()
    unknown = {key for key in settings["data"] if key not in known and not key.startswith("OTEL_")}
    assert not unknown
    assert settings["data"]["MIRPS_ENVIRONMENT"] == "production"
    assert "MIRPS_JWT_SECRET" not in settings["data"]
    for service in SERVICES:
        assert settings["data"][f"GATEWAY_{service.upper()}_URL"] == (
            f"http://{service}:{PROCESSES[service][1]}"
        )
    assert settings["data"]["PORTAL_GATEWAY_URL"] == (
        f"http://gateway:{PROCESSES['gateway'][1]}/graphql"
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_is_denied_by_default_then_opened_per_path(
    rendered: Rendered, overlay: str
) -> None:
    policies = of_kind(rendered[overlay], "NetworkPolicy")
    deny = policies["default-deny-all"]["spec"]
    assert deny["podSelector"] == {}
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny
    assert "egress" not in deny
    to_services = policies["gateway-to-services"]["spec"]
    assert to_services["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "gateway"}
    service_ports = {port for _, port in (PROCESSES[s] for s in SERVICES)}
    assert {p["port"] for p in to_services["egress"][0]["ports"]} == service_ports
    from_gateway = policies["services-from-gateway-and-ingress"]["spec"]["ingress"][0]
    assert {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}} in (
        from_gateway["from"]
    )
    portal_out = policies["portal-to-gateway"]["spec"]
    assert portal_out["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "portal"}
    assert portal_out["egress"] == [
        {
            "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}}],
            "ports": [{"protocol": "TCP", "port": PROCESSES["gateway"][1]}],
        }
    ]
    gateway_in = policies["gateway-from-portal"]["spec"]["ingress"][0]
    assert gateway_in["from"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "portal"}}}
    ]
    database = policies["services-to-postgresql"]["spec"]["egress"]
    assert database == [{"ports": [{"protocol": "TCP", "port": 5432}]}]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingress_routes_graphql_to_gateway_and_rest_prefixes_to_services(
    rendered: Rendered, overlay: str
) -> None:
    routes = {}
    for ingress in of_kind(rendered[overlay], "Ingress").values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                routes[path["path"]] = path["backend"]["service"]["name"]
    assert routes["/graphql"] == "gateway"
    assert routes["/"] == "portal"
    for service in SERVICES:
        (prefix,) = [p for p, backend in routes.items() if backend == service]
        assert prefix.startswith(f"/{service}/")
        assert "v1" in prefix
        assert "metrics" not in prefix


def test_overlays_size_replicas_and_pin_images(rendered: Rendered) -> None:
    production = rendered["production"]
    dev = rendered["dev"]
    for name in PROCESSES:
        # The autoscaler owns the replica count; a `replicas` field would reset it on apply.
        assert "replicas" not in of_kind(production, "Deployment")[name]["spec"]
        assert of_kind(production, "HorizontalPodAutoscaler")[name]["spec"]["minReplicas"] >= 3
        assert of_kind(dev, "HorizontalPodAutoscaler")[name]["spec"]["minReplicas"] == 1
    for document in production:
        if document["kind"] in ("Deployment", "Job"):
            for container in container_specs(document["spec"]["template"]["spec"]):
                tag = container["image"].rpartition(":")[2]
                assert tag not in ("", "latest", "dev"), container["image"]
    namespaces = {
        overlay: {d["metadata"].get("namespace") for d in rendered[overlay]} for overlay in OVERLAYS
    }
    assert namespaces["production"] - {None} == {"mirps"}
    assert namespaces["dev"] - {None} == {"mirps-dev"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_results_may_reach_the_services_it_measures_and_nothing_else_new(
    rendered: Rendered, overlay: str
) -> None:
    documents = rendered[overlay]
    (settings,) = of_kind(documents, "ConfigMap").values()
    upstreams = ("pledges", "practices", "events")
    for upstream in upstreams:
        assert settings["data"][f"RESULTS_{upstream.upper()}_URL"] == (
            f"http://{upstream}:{PROCESSES[upstream][1]}"
        )
    policies = of_kind(documents, "NetworkPolicy")
    egress = policies["results-to-services"]["spec"]
    assert egress["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "results"}
    (rule,) = egress["egress"]
    (selector,) = rule["to"]
    assert selector["podSelector"]["matchExpressions"][0]["values"] == list(upstreams)
    assert {p["port"] for p in rule["ports"]} == {PROCESSES[u][1] for u in upstreams}
    into_services = policies["services-from-gateway-and-ingress"]["spec"]["ingress"][0]["from"]
    assert {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "results"}}} in into_services


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_worker_reads_every_services_feed_for_the_reference_tables(
    rendered: Rendered, overlay: str
) -> None:
    from services.cli import REFERENCE_UPSTREAMS

    documents = rendered[overlay]
    (settings,) = of_kind(documents, "ConfigMap").values()
    for service, upstreams in REFERENCE_UPSTREAMS.items():
        for upstream in upstreams:
            assert settings["data"][f"{service.upper()}_{upstream.upper()}_URL"] == (
                f"http://{upstream}:{PROCESSES[upstream][1]}"
            )
    policies = of_kind(documents, "NetworkPolicy")
    egress = policies["worker-to-services"]["spec"]
    assert egress["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "worker"}
    (rule,) = egress["egress"]
    feeds = ("pledges", "practices", "events")
    assert rule["to"][0]["podSelector"]["matchExpressions"][0]["values"] == list(feeds)
    assert {p["port"] for p in rule["ports"]} == {PROCESSES[u][1] for u in feeds}
    into_services = policies["services-from-gateway-and-ingress"]["spec"]["ingress"][0]["from"]
    assert {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "worker"}}} in into_services


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_documents_go_to_s3_with_keys_from_an_optional_secret(
    rendered: Rendered, overlay: str
) -> None:
    documents = rendered[overlay]
    assert set(DOCUMENT_SERVICES) == {"pledges", "practices", "events"}
    (settings,) = of_kind(documents, "ConfigMap").values()
    deployments = of_kind(documents, "Deployment")
    for service in DOCUMENT_SERVICES:
        prefix = f"{service.upper()}_DOCUMENTS_"
        assert settings["data"][f"{prefix}BACKEND"] == "s3"
        assert settings["data"][f"{prefix}S3_BUCKET"]
        (app,) = deployments[service]["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e for e in app["env"]}
        for variable, key in (
            ("S3_ACCESS_KEY_ID", "access-key-id"),
            ("S3_SECRET_ACCESS_KEY", "secret-access-key"),
        ):
            assert env[prefix + variable]["valueFrom"]["secretKeyRef"] == {
                "name": "mirps-documents-s3",
                "key": key,
                "optional": True,
            }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_worker_reads_every_service_database_and_may_call_out(
    rendered: Rendered, overlay: str
) -> None:
    documents = rendered[overlay]
    (worker,) = of_kind(documents, "Deployment")["worker"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in worker["env"]}
    for service in SERVICES:
        assert env[f"{service.upper()}_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
            "name": f"mirps-{service}-database",
            "key": "url",
        }
    policies = of_kind(documents, "NetworkPolicy")
    database = policies["services-to-postgresql"]["spec"]["podSelector"]["matchExpressions"][0]
    assert "worker" in database["values"]
    out = policies["worker-to-webhook-targets"]["spec"]
    assert out["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "worker"}
    assert {p["port"] for p in out["egress"][0]["ports"]} == {80, 443}
