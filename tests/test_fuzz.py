"""Both OpenAPI documents fuzzed against the running services: no 5xx, no undocumented status."""

from dataclasses import dataclass

import pytest
import schemathesis
from flows import configure_flow, open_with_access
from hypothesis import HealthCheck, given, settings, strategies
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from portalflow_devstack.testing import eventually

CHECKS = [not_a_server_error, status_code_conformance]
# Few examples per operation, so that both APIs together stay within a minute or so.
BOUNDED = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))


@dataclass(frozen=True)
class Known:
    """Real ids and tokens, so that generated requests reach past authentication and lookup."""

    admin: dict[str, str]
    customer: dict[str, str]
    ids: dict[str, str]


@pytest.fixture  # its own org and customer: fuzzing may revoke the access
def known(services) -> Known:
    admin = services.admin()
    flow = configure_flow(admin)
    opportunity_id, token, _ = open_with_access(admin, flow, "Documentación")
    customer = services.customer(token)
    eventually(lambda: customer.get(f"/v1/portal/opportunities/{opportunity_id}"
                                    ).status_code == 200)
    return Known(admin={"Authorization": admin.headers["Authorization"]},
                 customer={"Authorization": f"Bearer {token}"},
                 ids={"opportunity_id": opportunity_id,
                      "opportunity_type_id": flow.opportunity_type_id,
                      "substate_id": flow.substates["Documentación"]})


def with_known_ids(case, known: Known) -> None:
    """Every other case names real ids; the rest keep the generated ones."""
    for name, value in known.ids.items():
        if name in (case.path_parameters or {}) and hash(str(case.path_parameters)) % 2:
            case.path_parameters[name] = value


def fuzz(url: str, headers: dict[str, str], known: Known, skip: set[str] = frozenset()) -> int:
    """Fuzz every operation of the OpenAPI document at `url`; the number of cases sent."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.definition.raw.get("operationId") in skip:
            continue
        cases = strategies.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                                  operation.as_strategy(GenerationMode.NEGATIVE))

        @BOUNDED
        @given(case=cases)
        def check(case) -> None:
            nonlocal sent
            with_known_ids(case, known)
            sent += 1
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=10)

        check()
    return sent


def test_the_admin_api_answers_only_documented_statuses(services, known):
    assert fuzz(services.config.url, known.admin, known) > 100


def test_the_customer_api_answers_only_documented_statuses(services, known):
    # The event stream stays open while access lasts: test_portal_view tests its refusals.
    assert fuzz(services.portal.url, known.customer, known, skip={"stream_portal_view"}) > 50
