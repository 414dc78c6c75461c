"""deploy/k8s: the base and the production overlay, rendered and validated offline against the
Kubernetes JSON schemas that kubernetes-validate bundles (strict: unknown fields are errors)."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from tests.deploy._kustomize import build
from tests.utils.beds import REPO

K8S = REPO / "deploy" / "k8s"
TREES = {"base": K8S / "base", "production": K8S / "overlays" / "production"}
# The oldest Kubernetes release still supported by its maintainers when this was written, and
# the newest that the validator bundles: the manifests hold for both.
VERSIONS = ["1.32.0", kubernetes_validate.latest_version()]


def _by_name(resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"{r['kind']}/{r['metadata']['name']}": r for r in resources}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("tree", sorted(TREES))
def test_manifests_match_the_kubernetes_schemas(tree: str, version: str) -> None:
    resources = build(TREES[tree])
    assert resources
    for resource in resources:
        try:
            kubernetes_validate.validate(resource, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            name = f"{resource['kind']}/{resource['metadata']['name']}"
            pytest.fail(f"{tree} {name} on Kubernetes {version}: {exc.message} at {exc.path}")


def test_the_base_has_the_whole_application() -> None:
    resources = _by_name(build(TREES["base"]))
    assert {
        "ConfigMap/bedflow-config",
        "Job/bedflow-migrate",
        "Deployment/bedflow-api",
        "Service/bedflow-api",
        "Deployment/bedflow-worker",
        "Deployment/bedflow-beat",
    } <= set(resources)
    api = resources["Deployment/bedflow-api"]["spec"]["template"]["spec"]["containers"][0]
    assert api["readinessProbe"]["httpGet"]["path"] == "/api/v1/health"
    assert resources["Job/bedflow-migrate"]["spec"]["template"]["spec"]["containers"][0][
        "command"
    ] == ["bedflow", "db", "upgrade"]
    assert resources["Deployment/bedflow-beat"]["spec"]["replicas"] == 1
    assert resources["Deployment/bedflow-beat"]["spec"]["strategy"]["type"] == "Recreate"


def test_pods_run_unprivileged_and_take_secrets_from_a_secret() -> None:
    for resource in build(TREES["base"]):
        pod = resource.get("spec", {}).get("template", {}).get("spec")
        if pod is None:
            continue
        name = resource["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == 10001, name  # the Dockerfile's user
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            refs = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
            assert refs == {"bedflow-config", "bedflow-secrets"}, name
            assert "env" not in container, f"{name}: settings belong in the ConfigMap/Secret"


def test_the_overlay_pins_images_and_scales() -> None:
    resources = _by_name(build(TREES["production"]))
    assert all(
        r["metadata"].get("namespace") == "bedflow"
        for r in resources.values()
        if r["kind"] != "Namespace"
    )
    api = resources["Deployment/bedflow-api"]
    assert api["spec"]["replicas"] == 3
    assert api["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "registry.example.com/bedflow:0.1.0"
    )
    worker = resources["Deployment/bedflow-worker"]["spec"]["template"]["spec"]
    assert worker["containers"][0]["image"] == "registry.example.com/bedflow-worker:0.1.0"
    assert worker["containers"][0]["command"][:2] == ["bedflow", "worker"]  # patch merged
    assert "Ingress/bedflow" in resources
