"""A small kustomize for the tests: renders deploy/k8s the way `kubectl kustomize` does, for
the features those files use (resources, namespace, labels, images, replicas, strategic-merge
patches of named containers). kubectl cannot be installed here; a feature outside this subset
fails loudly rather than being skipped."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]
KNOWN = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "replicas", "patches"}


def _docs(path: Path) -> list[Resource]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def _merge(base: Any, patch: Any) -> Any:
    """Strategic merge: maps merge key by key, lists of named maps merge by name."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(patch, list) and all("name" in p for p in patch):
        out_list = list(base)
        for item in patch:
            index = next((i for i, b in enumerate(base) if b.get("name") == item["name"]), None)
            if index is None:
                out_list.append(item)
            else:
                out_list[index] = _merge(base[index], item)
        return out_list
    return patch


def _containers(resource: Resource) -> list[dict[str, Any]]:
    spec = resource.get("spec", {}).get("template", {}).get("spec", {})
    return [*spec.get("initContainers", []), *spec.get("containers", [])]


def build(folder: Path) -> list[Resource]:
    """The resources of the kustomization in ``folder``, transformed."""
    kust = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    unknown = set(kust) - KNOWN
    assert not unknown, f"{folder}: kustomize features the test renderer lacks: {unknown}"
    out: list[Resource] = []
    for entry in kust.get("resources", []):
        path = (folder / entry).resolve()
        out.extend(build(path) if path.is_dir() else _docs(path))
    out = [copy.deepcopy(r) for r in out]
    for patch_entry in kust.get("patches", []):
        for patch in _docs(folder / patch_entry["path"]):
            target = [
                i
                for i, r in enumerate(out)
                if r["kind"] == patch["kind"] and r["metadata"]["name"] == patch["metadata"]["name"]
            ]
            assert len(target) == 1, f"patch {patch_entry['path']} matches {len(target)} resources"
            out[target[0]] = _merge(out[target[0]], patch)
    for resource in out:
        if "namespace" in kust and resource["kind"] != "Namespace":
            resource["metadata"]["namespace"] = kust["namespace"]
        for label in kust.get("labels", []):
            resource["metadata"].setdefault("labels", {}).update(label["pairs"])
        for image in kust.get("images", []):
            for container in _containers(resource):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    container["image"] = (
                        f"{image.get('newName', name)}:{image.get('newTag', tag or 'latest')}"
                    )
        for replicas in kust.get("replicas", []):
            if resource["metadata"]["name"] == replicas["name"] and "replicas" in resource.get(
                "spec", {}
            ):
                resource["spec"]["replicas"] = replicas["count"]
    return out
