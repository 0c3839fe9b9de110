"""The OpenAPI document of the case API: valid, complete, and true to what the server answers.

A schemathesis smoke run throws generated requests at the read endpoints and the JSON moves and
asserts the server never answers 5xx, that 2xx bodies match the documented schema and that
every refusal is the documented ``{"code", "message"}`` body.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

from cases.tests.api_client import as_user, error, ok
from cases.tests.conftest import T0, photo

PREFIX = "/api/v1"
EXPECTED = {
    ("get", "/cases"),
    ("post", "/cases"),
    ("get", "/cases/{number}"),
    ("get", "/cases/{number}/timeline"),
    ("post", "/cases/{number}/verify"),
    ("post", "/cases/{number}/reverify"),
    ("post", "/cases/{number}/refuse"),
    ("post", "/cases/{number}/file"),
    ("post", "/cases/{number}/void"),
    ("post", "/cases/{number}/dispatch"),
    ("post", "/cases/{number}/upgrade"),
    ("post", "/cases/{number}/suspend"),
    ("post", "/cases/{number}/resume"),
    ("post", "/cases/{number}/start-check"),
    ("post", "/cases/{number}/check-pass"),
    ("post", "/cases/{number}/check-fail"),
    ("post", "/cases/{number}/close"),
    ("post", "/cases/{number}/evidence"),
    ("get", "/tasks"),
    ("post", "/tasks/{task_id}/accept"),
    ("post", "/tasks/{task_id}/return"),
    ("post", "/tasks/{task_id}/extension"),
    ("post", "/tasks/{task_id}/extension/approve"),
    ("post", "/tasks/{task_id}/extension/reject"),
    ("post", "/tasks/{task_id}/reroute"),
    ("post", "/tasks/{task_id}/settle"),
    ("post", "/tasks/{task_id}/dispose"),
}
WRITE_ERRORS = {"401", "403", "404", "409", "422"}
READ_ERRORS = {"401", "404", "422"}


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def spec(client, db) -> dict:
    return ok(client.get(f"{PREFIX}/openapi.json"))


def case_operations(spec: dict) -> dict[tuple[str, str], dict]:
    return {
        (method, path.removeprefix(PREFIX)): op
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if "cases" in op.get("tags", [])
    }


def response_validator(spec: dict, path: str, method: str, status: int) -> Draft202012Validator:
    """A JSON Schema validator for one documented response (refs resolve in the document)."""
    content = spec["paths"][PREFIX + path][method]["responses"][str(status)]["content"]
    return Draft202012Validator({**content["application/json"]["schema"], **spec})


def test_the_document_is_valid_openapi(spec):
    validate_spec(spec)


def test_every_case_endpoint_is_documented(spec):
    ops = case_operations(spec)
    assert set(ops) == EXPECTED
    for (method, path), op in ops.items():
        where = f"{method.upper()} {path}"
        assert op["tags"] == ["cases"], where
        assert op["summary"] and op["description"], where
        codes = set(op["responses"])
        success = (
            "201"
            if (method, path) in {("post", "/cases"), ("post", "/cases/{number}/evidence")}
            else "200"
        )
        assert success in codes, where
        assert "$ref" in json.dumps(op["responses"][success]["content"]), where
        # A report through intake answers 200 with the open case it joined (duplicate, repeat).
        joined = {"200"} if (method, path) == ("post", "/cases") else set()
        expected = (READ_ERRORS if method == "get" else WRITE_ERRORS) | joined
        assert codes - {success} == expected, where
        codes -= joined
        for code in codes - {success}:
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, where
        if method == "post" and path != "/cases/{number}/evidence":
            assert "application/json" in op["requestBody"]["content"], where
    upload = ops[("post", "/cases/{number}/evidence")]["requestBody"]["content"]
    assert set(upload["multipart/form-data"]["schema"]["required"]) == {"photos", "kind"}


def test_real_answers_match_the_documented_schemas(spec, flow, staff):
    case, task = flow.accepted()
    roads = as_user(staff["roads_disposer"])
    ok(roads.upload(case.number, kind="after", task=task.pk, photos=[photo()]), 201)
    desk = as_user(staff["city_dispatcher"])
    answers = [
        ("/cases", "get", desk.get("/cases"), 200),
        ("/cases/{number}", "get", desk.get(f"/cases/{case.number}"), 200),
        ("/cases/{number}/timeline", "get", desk.get(f"/cases/{case.number}/timeline"), 200),
        ("/tasks", "get", roads.get("/tasks"), 200),
        ("/tasks/{task_id}/dispose", "post", roads.post(f"/tasks/{task.pk}/dispose"), 200),
        ("/cases/{number}/close", "post", desk.post(f"/cases/{case.number}/close"), 403),
        ("/cases/{number}", "get", desk.get("/cases/NB0"), 404),
        ("/cases/{number}/void", "post", desk.post(f"/cases/{case.number}/void", {}), 422),
    ]
    for path, method, response, status in answers:
        assert response.status_code == status, (path, response.content)
        response_validator(spec, path, method, status).validate(response.json())


def test_nul_characters_are_refused_not_stored(flow, staff):
    case = flow.reported()
    desk = as_user(staff["shift_leader"])
    error(desk.get("/cases", {"q": "a\x00b"}), 422, "invalid")
    error(desk.post(f"/cases/{case.number}/void", {"reason": "dup\x00"}), 422, "invalid")
    error(desk.get("/cases/NB\x00"), 422, "invalid")
    assert case.events.count() == 1


# --- schemathesis smoke ----------------------------------------------------------------------

SMOKE_EXAMPLES = 15


def _send(client, generated, ids: dict[str, str]):
    """Send a generated request through the Django test client (inside the test transaction)."""
    path = generated.operation.path
    for name, value in {**generated.path_parameters, **ids}.items():
        path = path.replace(f"{{{name}}}", str(value))
    if generated.method.upper() == "GET":
        return client.get(path, generated.query or {})
    body = generated.body if isinstance(generated.body, dict | list) else {}
    return client.post(path, json.dumps(body), content_type="application/json")


def test_schemathesis_smoke_finds_no_server_error(spec, flow, staff):
    schemathesis = pytest.importorskip("schemathesis")
    case, task = flow.accepted()
    schema = schemathesis.openapi.from_dict(spec)
    client = as_user(staff["admin"]).client
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if "cases" in (result.ok().definition.raw.get("tags") or [])
        and not result.ok().path.endswith("/evidence")
    ]
    assert len(operations) == len(EXPECTED) - 1
    for operation in operations:
        _smoke(operation, spec=spec, client=client, ids={"number": case.number, "task_id": task.pk})


def _smoke(operation, *, spec: dict, client, ids: dict) -> None:
    @settings(
        max_examples=SMOKE_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(generated=operation.as_strategy())
    def check(generated):
        # Aim at a real case and task so the moves get past the 404 (random ids all are).
        response = _send(client, generated, ids)
        where = f"{operation.method.upper()} {operation.path} -> {response.status_code}"
        assert response.status_code < 500, (where, generated.query, generated.body)
        documented = spec["paths"][operation.path][operation.method.lower()]["responses"]
        assert str(response.status_code) in documented, where
        path = operation.path.removeprefix(PREFIX)
        validator = response_validator(spec, path, operation.method.lower(), response.status_code)
        validator.validate(response.json())

    check()
