"""The part of kustomize deploy/ uses, to render the overlays in tests without a kustomize
binary: ``resources`` (files and directories), ``namespace``, ``images`` and ``patches`` with a
``target`` and an inline JSON 6902 patch (``replace``/``add``). Anything else is refused, so a new
kustomize feature in deploy/ fails here instead of being silently ignored. Its output for both
overlays was compared with ``kubectl kustomize`` (v1.37) when it was written: the same objects.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

KNOWN = {"apiVersion", "kind", "namespace", "resources", "images", "patches"}
CLUSTER_SCOPED = {"Namespace"}


def render(directory: Path) -> list[dict[str, Any]]:
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(spec) - KNOWN
    if unknown:
        raise ValueError(f"{directory}: kustomize fields this renderer does not know: {unknown}")
    objects: list[dict[str, Any]] = []
    for resource in spec.get("resources", []):
        path = (directory / resource).resolve()
        if path.is_dir():
            objects.extend(render(path))
        else:
            objects.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    objects = [copy.deepcopy(o) for o in objects]
    for patch in spec.get("patches", []):
        _apply_patch(objects, patch)
    if "namespace" in spec:
        for obj in objects:
            if obj["kind"] in CLUSTER_SCOPED:
                if obj["kind"] == "Namespace":
                    obj["metadata"]["name"] = spec["namespace"]
            else:
                obj["metadata"]["namespace"] = spec["namespace"]
    for image in spec.get("images", []):
        for obj in objects:
            for container in _containers(obj):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    new_name = image.get("newName", name)
                    new_tag = image.get("newTag", tag)
                    container["image"] = f"{new_name}:{new_tag}" if new_tag else new_name
    return objects


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec", {})
    pod = spec.get("template", {}).get("spec") or spec.get("jobTemplate", {}).get("spec", {}).get(
        "template", {}
    ).get("spec", {})
    return [*pod.get("containers", []), *pod.get("initContainers", [])]


def _apply_patch(objects: list[dict[str, Any]], patch: dict[str, Any]) -> None:
    target = patch["target"]
    operations = yaml.safe_load(patch["patch"])
    matched = [
        obj
        for obj in objects
        if obj["kind"] == target.get("kind", obj["kind"])
        and re.fullmatch(target.get("name", ".*"), obj["metadata"]["name"])
    ]
    if not matched:
        raise ValueError(f"patch target {target} matches no object")
    for obj in matched:
        for operation in operations:
            _json_patch(obj, operation)


def _json_patch(obj: dict[str, Any], operation: dict[str, Any]) -> None:
    if operation["op"] not in ("replace", "add"):
        raise ValueError(f"unsupported JSON patch op {operation['op']}")
    *parents, last = [
        p.replace("~1", "/").replace("~0", "~") for p in operation["path"][1:].split("/")
    ]
    node: Any = obj
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if operation["op"] == "replace" and (
        (isinstance(node, dict) and last not in node)
        or (isinstance(node, list) and int(last) >= len(node))
    ):
        raise ValueError(f"replace of a missing path {operation['path']}")
    if isinstance(node, list):
        node[int(last)] = operation["value"]
    else:
        node[last] = operation["value"]
