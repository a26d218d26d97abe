"""Bad input gets a 4xx in the one problem-details shape, naming what was wrong; never a 500."""

import json
from uuid import uuid4

import httpx
import jwt
import pytest
from flows import configure_flow, ok, open_with_access

from portalflow_devstack.testing import eventually

PROBLEM = "application/problem+json"
PORTAL = "/v1/portal/opportunities"


def problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    return body


def refused_at(response: httpx.Response, status: int = 422) -> list[list]:
    """The `loc` of each value refused."""
    errors = problem(response, status)["errors"]
    assert all(set(error) == {"loc", "msg", "type"} for error in errors), errors
    return [error["loc"] for error in errors]


def raw_json(text: str) -> dict:
    """Keyword arguments sending `text` as the JSON body exactly as written (escapes too)."""
    return {"content": text.encode(), "headers": {"Content-Type": "application/json"}}


@pytest.fixture(scope="module")
def opened(services):
    admin = services.admin()
    flow = configure_flow(admin)
    opportunity_id, token, offers = open_with_access(admin, flow, "Documentación")
    customer = services.customer(token)
    eventually(lambda: customer.get(f"{PORTAL}/{opportunity_id}").status_code == 200)
    return admin, customer, opportunity_id


def test_every_error_has_the_problem_shape_and_quotes_no_input(services, opened):
    admin, customer, _ = opened
    assert problem(admin.get("/v1/nothing-here"), 404)["detail"] == "Not Found"
    assert "bearer token" in problem(httpx.get(f"{services.config.url}/v1/opportunity-types"),
                                     401)["detail"]
    huge = "x" * 400_000  # within the body limit: refused by validation, not by size
    refused = admin.post("/v1/opportunity-types", json={"name": huge, "states": huge})
    assert refused_at(refused) == [["body", "name"], ["body", "states"]]
    assert len(refused.content) < 2_000  # the input is not echoed back


@pytest.mark.parametrize("text, said", [("\\u0000", "NUL"), ("\\ud800", "surrogate"),
                                        ("a\\udfffb", "surrogate")])
def test_nul_and_lone_surrogates_in_json_are_refused_where_they_are(opened, text, said):
    admin, customer, opportunity_id = opened
    created = admin.post("/v1/opportunity-types", **raw_json(
        f'{{"name": "ok", "states": [{{"name": "S{text}", "substates": [{{"name": "s"}}]}}]}}'))
    assert refused_at(created) == [["body", "states", 0, "name"]]
    assert said in created.json()["errors"][0]["msg"]

    nested = admin.post("/v1/opportunities", **raw_json(f'{{"title": "t", "x{text}": 1}}'))
    assert refused_at(nested) == [["body", "x" + json.loads(f'"{text}"')]]  # the key

    field = customer.put(f"{PORTAL}/{opportunity_id}/fields/{uuid4()}",
                         **raw_json(f'{{"value": {{"deep": ["ok", "{text}"]}}}}'))
    assert refused_at(field) == [["body", "value", "deep", 1]]
    drawing = customer.put(f"{PORTAL}/{opportunity_id}/drawing", **raw_json(
        f'{{"roof": {{"type": "FeatureCollection", "features": [{{"type": "Feature", '
        f'"properties": {{"name": "{text}"}}, "geometry": null}}]}}}}'))
    assert refused_at(drawing) == [["body", "roof", "features", 0, "properties", "name"]]


def test_nul_in_path_query_and_form_fields_is_refused_naming_them(opened):
    admin, customer, opportunity_id = opened
    assert refused_at(admin.get("/v1/opportunities/abc%00def")) == [
        ["path", "opportunity_id"]]
    assert refused_at(customer.get(f"{PORTAL}/x%00y")) == [["path", "opportunity_id"]]
    assert refused_at(admin.get("/v1/opportunity-types", params={"q": "a\x00b"})) == [
        ["query", "q"]]
    upload = admin.post("/v1/documents", data={"opportunity_id": "o\x00"},
                        files={"file": ("a.pdf", b"%PDF-1.7\n", "application/pdf")})
    assert refused_at(upload) == [["body", "opportunity_id"]]
    # Written by hand: HTTP clients percent-encode a NUL in a file name.
    boundary = uuid4().hex
    named = customer.post(
        f"{PORTAL}/{opportunity_id}/contracts/{uuid4()}/signed",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="a\x00.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n'
                 f"\r\n--{boundary}--\r\n").encode())
    assert refused_at(named) == [["body", "file"]]


@pytest.mark.parametrize("header", ["es;q=abc", "es;q=", "es;q=1.5", "es;q=0.1234", "e s"])
def test_a_bad_accept_language_is_a_400_naming_the_header(opened, header):
    _, customer, opportunity_id = opened
    for path in ("", "/complete"):
        method = customer.get if not path else customer.post
        refused = method(f"{PORTAL}/{opportunity_id}{path}", headers={"Accept-Language": header})
        assert "Accept-Language" in problem(refused, 400)["detail"]
    fine = customer.get(f"{PORTAL}/{opportunity_id}",
                        headers={"Accept-Language": "it;q=0, es-ES;q=0.5,,en;q=1.000"})
    assert fine.status_code == 200


@pytest.mark.parametrize("claims, named", [
    ({"org": 7}, "org"), ({"org": ["a"]}, "org"), ({"org": {"id": "a"}}, "org"),
    ({"org": ""}, "org"), ({"org": "  "}, "org"), ({"org": "a\x00"}, "org"),
    ({"sub": 1}, "sub"), ({"sub": ""}, "sub"),
    ({"permissions": "opportunities:read"}, "permissions"),
    ({"permissions": [1, {}]}, "permissions")])
def test_a_signed_token_with_a_claim_of_the_wrong_type_is_a_401_naming_it(services, claims,
                                                                            named):
    from portalflow_config.config import Settings

    settings = Settings(database_url="unused")
    token = jwt.encode({"sub": "tester", "org": f"org-{uuid4().hex[:8]}", "exp": 2**33,
                        "aud": settings.jwt_audience, "permissions": ["opportunity-states:read"],
                        **claims}, settings.jwt_secret, algorithm="HS256")
    refused = httpx.get(f"{services.config.url}/v1/opportunity-types",
                        headers={"Authorization": f"Bearer {token}"})
    body = problem(refused, 401)
    assert f"the {named} claim must be" in body["detail"]
    assert refused.headers["www-authenticate"] == "Bearer"


def test_integers_beyond_postgresql_and_numbers_losing_digits_are_refused(opened):
    admin, customer, opportunity_id = opened
    accepted = customer.post(f"{PORTAL}/{opportunity_id}/conditions/{uuid4()}/accept",
                             json={"version": 99999999999})
    assert refused_at(accepted) == [["body", "version"]]
    assert "If-Match" in problem(admin.put("/v1/portal-settings", json={
        "locales": ["es"], "default_locale": "es"}, headers={"If-Match": '"99999999999"'}),
        400)["detail"]

    power = ok(admin.post("/v1/dynamic-fields", json={
        "key": f"power-{uuid4().hex[:6]}", "label": {"es": "Potencia"}, "type": "number"}),
        201)["field_id"]
    fields = f"/v1/opportunities/{opportunity_id}/fields/{power}"
    long_decimal = admin.put(fields, **raw_json('{"value": 3.14159265358979323846}'))
    assert refused_at(long_decimal) == [["body", "value"]]
    assert "more significant digits than a number keeps" in long_decimal.json()["errors"][0]["msg"]
    as_text = admin.put(fields, json={"value": "3.14159265358979323846"})
    assert "15 significant digits" in problem(as_text, 422)["errors"][0]["msg"]
    assert refused_at(admin.put(fields, **raw_json('{"value": NaN}'))) == [["body", "value"]]
    assert refused_at(admin.put(fields, **raw_json('{"value": 1e400}'))) == [["body", "value"]]

    big = 123456789012345678901234567890
    kept = ok(admin.put(fields, **raw_json(f'{{"value": {big}}}')))
    assert kept["fields"][power] == big
    assert ok(admin.get(f"/v1/opportunities/{opportunity_id}"))["fields"][power] == big
