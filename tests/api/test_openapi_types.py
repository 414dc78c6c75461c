"""The OpenAPI document types every field of jobs, simulations, studies and results: the
dashboard generates its client from it, and an untyped object there is a hole in it."""

from __future__ import annotations

from typing import Any

from bedflow.cfd import FlowDomain, FlowResult
from bedflow.pipeline import FlowDomainRecord, FlowRecord
from tests.utils.api import Api

ROOTS = (
    "JobPublic",
    "JobsPublic",
    "JobCreate",
    "SimulationPublic",
    "SimulationsPublic",
    "StudyCreate",
    "StudyDetail",
    "StudiesPublic",
    "ResultPublic",
    "ResultsPublic",
    "ResultsComparison",
)


def _untyped(node: Any, where: str, components: dict[str, Any], seen: set[str]) -> list[str]:
    """Where ``node`` (and the schemas it refers to) holds an object of unknown fields."""
    found: list[str] = []
    if isinstance(node, list):
        for i, item in enumerate(node):
            found += _untyped(item, f"{where}[{i}]", components, seen)
        return found
    if not isinstance(node, dict):
        return found
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            found += _untyped(components[name], name, components, seen)
        return found
    if (
        node.get("additionalProperties") is True
        or node == {}
        or (
            node.get("type") == "object"
            and not ({"properties", "additionalProperties", "patternProperties"} & set(node))
        )
    ):
        found.append(where)
    for key, value in node.items():
        if key not in ("examples", "default"):
            found += _untyped(value, f"{where}/{key}", components, seen)
    return found


def test_job_simulation_study_and_result_schemas_are_fully_typed(api: Api) -> None:
    components = api.client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    seen: set[str] = set(ROOTS)
    untyped = [u for root in ROOTS for u in _untyped(components[root], root, components, seen)]
    assert untyped == []


def test_result_public_carries_every_figure_of_a_flow_result(api: Api) -> None:
    components = api.client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    fields = set(components["ResultPublic"]["properties"])
    derived = {"ratio_to_correlations", "region"}
    assert set(FlowResult.__dataclass_fields__) | derived | {"provenance"} <= fields
    correlations = components["Correlations"]["properties"]
    assert set(correlations) == {"ergun", "carman_kozeny", "eisfeld_schnitzlein"}
    uncertainty = components["ResultPublic"]["properties"]["uncertainty"]
    assert "unknown" in uncertainty["description"]  # null: not measured, not zero


def test_the_domain_record_has_every_key_a_solver_writes() -> None:
    """``FlowDomain`` (the solvers' TypedDict) and its record must not drift apart: a key
    the record lacked would be dropped when stored."""
    assert set(FlowDomain.__annotations__) == set(FlowDomainRecord.model_fields)
    assert set(FlowResult.__dataclass_fields__) <= set(FlowRecord.model_fields)
