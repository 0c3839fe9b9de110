"""Generated requests against the whole OpenAPI document (schemathesis + hypothesis).

Every operation of ``/api/v1/openapi.json`` gets ``examples`` generated requests, sent through
Django's test client as one user; each answer must be below 500, have a documented status and,
where the document gives a JSON schema for that status, match it. The CI runs a bounded, seeded
pass (cityops/tests/test_api_fuzz.py); ``manage.py api_fuzz`` runs a longer one for a release
(on a copy of the data: the generated moves really happen).

schemathesis is a development dependency: imported here only when a run starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

PREFIX = "/api/v1"
# Not fuzzed here: multipart uploads (the photo checks have their own tests), the device
# telemetry and video-AI webhooks (their own authentication and fuzz-style tests) and feeds.
SKIPPED_SUFFIXES = ("/evidence", "/telemetry", "/intake/video-ai")
SKIPPED_PREFIXES = ("/api/v1/signs/feeds/",)


@dataclass
class FuzzResult:
    requests: int = 0
    operations: int = 0
    failures: list[str] = field(default_factory=list)


def _send(client, generated, ids: dict[str, str]):
    path = generated.operation.path
    for name, value in {**generated.path_parameters, **ids}.items():
        path = path.replace(f"{{{name}}}", str(value))
    method = generated.method.upper()
    if method == "GET":
        return client.get(path, generated.query or {})
    body = generated.body if isinstance(generated.body, dict | list) else {}
    send = getattr(client, method.lower())
    return send(path, json.dumps(body), content_type="application/json")


def _validator(spec: dict, path: str, method: str, status: int):
    from jsonschema import Draft202012Validator

    response = spec["paths"][path][method]["responses"].get(str(status), {})
    schema = (response.get("content") or {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    return Draft202012Validator({**schema, "components": spec.get("components", {})})


def _checker(operation, *, spec: dict, client, ids: dict, result: FuzzResult):
    """The check of one generated request to ``operation``."""
    method = operation.method.lower()
    documented = spec["paths"][operation.path][method]["responses"]

    def check(generated) -> None:
        response = _send(client, generated, ids)
        result.requests += 1
        status = response.status_code
        where = f"{operation.method.upper()} {operation.path} -> {status}"
        if status >= 500:
            raise AssertionError(f"{where}: server error for {generated.query} {generated.body}")
        if str(status) not in documented:
            raise AssertionError(f"{where}: status not documented")
        validator = _validator(spec, operation.path, method, status)
        if validator is not None and response.get("Content-Type", "").startswith(
            "application/json"
        ):
            errors = sorted(validator.iter_errors(response.json()), key=str)
            if errors:
                raise AssertionError(
                    f"{where}: answer does not match its schema: {errors[0].message}"
                )

    return check


def fuzz(
    spec: dict,
    client,
    *,
    examples: int,
    seed: int = 0,
    ids: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> FuzzResult:
    """Throw ``examples`` generated requests at every operation of ``spec``."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as fixed_seed

    schema = schemathesis.openapi.from_dict(spec)
    result = FuzzResult()
    ids = ids or {}
    for found in schema.get_all_operations():
        operation = found.ok()
        if operation.path.endswith(SKIPPED_SUFFIXES) or operation.path.startswith(SKIPPED_PREFIXES):
            continue
        result.operations += 1
        if progress is not None:
            progress(f"{operation.method.upper()} {operation.path}")
        check = _checker(operation, spec=spec, client=client, ids=ids, result=result)
        runner = fixed_seed(seed)(
            settings(
                max_examples=examples,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )(given(generated=operation.as_strategy())(check))
        )
        try:
            runner()
        except Exception as exc:  # noqa: BLE001 - one operation's failures never stop the run
            # hypothesis raises an ExceptionGroup when it finds several distinct failures.
            found = getattr(exc, "exceptions", None) or [exc]
            result.failures.extend(
                f"{operation.method.upper()} {operation.path}: "
                + (str(e).splitlines() or [type(e).__name__])[0]
                for e in found
            )
    return result
