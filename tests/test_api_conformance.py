"""The API answers what its OpenAPI document says: schemathesis generates requests for every
operation from the document, as a signed-up workspace that has an object of every kind (the seed of
test_isolation.py), and each answer must be no 5xx, a documented status code and content type, and
a body that conforms to the documented schema.

Path parameters and the ids in bodies are drawn from the workspace's real ids as well as from what
schemathesis generates, so that reads and writes of real objects are tried, not only their 404s.
Operations run reads first, then writes, then DELETEs, so that the objects live as long as
possible; the owner's own member and API key are never offered (removing them would leave the rest
answering 401/403). Hypothesis runs derandomized (a fixed seed), EXAMPLES per operation, without
shrinking (a failure reports the first failing request, with a curl to reproduce it).

Two operations never answer 2xx to generated input, and that is expected: ``POST
/inbound/orders`` needs a signature made with the workspace's inbound secret (401), and ``POST
/loyalty/backfill`` a range of at most five years, which two random datetimes hardly make (422).

One database: it runs on SQLite only, to keep the suite's time (a minute or two). What it finds is
mostly decided before any SQL runs (schemas, status codes); what only PostgreSQL refuses (a NUL in
text) is tested where the API guards against it (tests/test_bad_input.py).
"""

from __future__ import annotations

import itertools
import re
import traceback

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.formats import unregister_string_format

from tests.test_isolation import PARAMETER_KINDS, new_objects, seed

pytestmark = pytest.mark.one_database

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 40  # per operation
# The ids a JSON body names, by kind (as PARAMETER_KINDS for the path's).
BODY_KINDS = {"customer_id": "customers", "merged_id": "customers", "reward_id": "rewards"}
RECEIVER = "http://127.0.0.1:9/conformance"  # nothing listens: a delivery fails at once
METHOD_ORDER = {"get": 0, "post": 1, "put": 1, "patch": 1, "delete": 2}
# What can switch a feature off runs late: a disabled endpoint's deliveries cannot be redelivered
# (409), so its PATCH runs after the other writes; a module's routes answer 404 once it is off, so
# its PUT runs last of all, after the DELETEs.
LATE = {("PATCH", "/api/v1/webhooks/{endpoint_id}"): 1.5, ("PUT", "/api/v1/modules/{name}"): 3}
# Spreadsheets an upload can import, first among the files tried, then any bytes.
SHEETS = (b"name,phone\nConformance,\n", "product,amount,purchased_at\n茶,12.50,2026-01-01T00:00:00Z\n".encode())


@pytest.fixture(scope="module", autouse=True)
def formats_as_the_api_reads_them():
    """``format: decimal`` (saas.api.openapi) as numbers with two places, and files that are
    spreadsheets as often as not; schemathesis's own formats are back afterwards."""
    schemathesis.openapi.format("decimal", st.decimals(min_value="0.01", max_value=10**6, places=2).map(str))
    schemathesis.openapi.format("binary", st.one_of(st.sampled_from(SHEETS), st.binary()))
    yield
    unregister_string_format("binary")
    unregister_string_format("decimal")


def seeded_workspace(sign_up):
    """A workspace with an object of every kind, a deleted customer to restore among them, and
    the loyalty and birthdays modules on."""
    workspace = sign_up()
    objects = {workspace.tenant["slug"]: new_objects()}
    seed(workspace, objects, 1)
    assert workspace.put("/api/v1/modules/birthdays", json={"enabled": True}).status_code == 200
    mine = objects[workspace.tenant["slug"]]
    mine["modules"].append("birthdays")
    mine["members"] = mine["members"][:-1]  # the owner, last: never offered
    gone = workspace.customer()["id"]
    assert workspace.delete(f"/api/v1/customers/{gone}").status_code == 204
    mine["customers"].append(gone)
    return workspace, mine


def ordered(schema):
    """The document's operations: reads, writes, then the DELETEs, a child before its parent (an
    override before its customer); LATE where it says."""
    operations = [result.ok() for result in schema.get_all_operations()]

    def order(op):
        if (op.method.upper(), op.path) in LATE:
            return (LATE[op.method.upper(), op.path], 0)
        return (METHOD_ORDER[op.method.lower()], -op.path.count("/") if op.method.lower() == "delete" else 0)

    return sorted(operations, key=order)


def real_ids(case, mine, data) -> None:
    """Replace each path parameter and id in a JSON body, most of the time, by a real id of its
    kind (a delivery with its own endpoint)."""
    if isinstance(case.body, dict):
        for name, kind in BODY_KINDS.items():
            if name in case.body and mine[kind] and data.draw(st.integers(0, 3), label=f"real {name}"):
                case.body[name] = data.draw(st.sampled_from(mine[kind]), label=name)
        if "url" in case.body and data.draw(st.booleans(), label="a receiver's url"):
            case.body["url"] = RECEIVER
    for name in re.findall(r"{(\w+)}", case.path):
        if name == "endpoint_id" and "delivery_id" in case.path:
            continue
        choices = mine[PARAMETER_KINDS[name]]
        if choices and data.draw(st.integers(0, 3), label=f"real {name}"):
            case.path_parameters[name] = data.draw(st.sampled_from(choices), label=name)
    if "delivery_id" in case.path and case.path_parameters["delivery_id"] in mine["endpoint_of"]:
        case.path_parameters["endpoint_id"] = mine["endpoint_of"][case.path_parameters["delivery_id"]]


def run_operation(operation, app, workspace, mine, keys) -> str | None:
    """Run ``operation``'s examples (``keys`` numbers their Idempotency-Keys); the failure as
    text, or None."""
    headers = {"Authorization": f"Bearer {workspace.key}"}

    @given(case=operation.as_strategy(), data=st.data())
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def check(case, data):
        real_ids(case, mine, data)
        if case.headers and "Idempotency-Key" in case.headers:  # a key of its own: not a retry of another
            case.headers["Idempotency-Key"] = f"conformance-{next(keys)}"
        case.call_and_validate(headers=headers, checks=CHECKS, app=app)

    try:
        check()
    except (Exception, FailureGroup) as error:  # every operation's failures are reported at the end
        return f"{operation.method.upper()} {operation.path}: {render(error)}"
    return None


def render(error: BaseException) -> str:
    """The failure with schemathesis's explanation (the schema, the value, a curl to reproduce)."""
    return "".join(traceback.format_exception_only(error)) + "".join(
        f"  {note}\n" for note in getattr(error, "__notes__", ()))


def test_every_operation_answers_as_the_document_says(app, sign_up):
    workspace, mine = seeded_workspace(sign_up)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    keys = itertools.count()
    failures = [failure for operation in ordered(schema)
                if (failure := run_operation(operation, app, workspace, mine, keys)) is not None]
    assert not failures, "\n\n".join(failures)

