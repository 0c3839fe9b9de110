"""The intake endpoints are in a valid OpenAPI document with their error bodies."""

from __future__ import annotations

from openapi_spec_validator import validate as validate_spec

EXPECTED = {
    ("post", "/intake/video-ai"),
    ("post", "/intake/reports"),
    ("get", "/intake/sources/counts"),
    ("get", "/cases/{number}/reports"),
    ("post", "/cases/{number}/merge"),
    ("post", "/cases/{number}/split"),
}


def test_the_document_is_valid_and_lists_the_intake_endpoints(client, db):
    doc = client.get("/api/v1/openapi.json").json()
    validate_spec(doc)
    found = {
        (method, path.removeprefix("/api/v1"))
        for path, ops in doc["paths"].items()
        for method in ops
    }
    assert EXPECTED <= found
    for method, path in EXPECTED:
        responses = doc["paths"]["/api/v1" + path][method]["responses"]
        assert {"401", "422"} <= set(responses), (method, path)
