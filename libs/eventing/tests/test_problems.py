"""The one error shape, on a small app with `problems.install` and a checked route."""

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from portalflow_eventing import problems
from portalflow_eventing.checked_input import CheckedRoute


class Thing(BaseModel):
    name: str


class Missing(Exception):
    pass


def client() -> TestClient:
    app = FastAPI()
    router = APIRouter(route_class=CheckedRoute, responses=problems.responses([404, 422]))

    @router.post("/things/{thing_id}")
    async def put_thing(thing_id: str, thing: Thing) -> Thing:
        if thing_id == "gone":
            raise Missing(f"no thing {thing_id}")
        if thing_id == "bug":
            raise RuntimeError("a defect")
        return thing

    app.include_router(router)
    problems.install(app, {Missing: 404})
    return TestClient(app, raise_server_exceptions=False)


def test_domain_errors_defects_and_refusals_share_the_shape():
    things = client()
    assert things.post("/things/gone", json={"name": "a"}).json() == {
        "type": "about:blank", "title": "Not Found", "status": 404, "detail": "no thing gone"}
    defect = things.post("/things/bug", json={"name": "a"})
    assert defect.status_code == 500 and defect.headers["content-type"] == problems.MEDIA_TYPE
    assert "a defect" not in defect.text
    refused = things.post("/things/a", content=b'{"name": "\\ud800"}',
                          headers={"Content-Type": "application/json"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["loc"] == ["body", "name"]


def test_error_answers_are_documented_as_problem_details():
    operation = client().get("/openapi.json").json()["paths"]["/things/{thing_id}"]["post"]
    for status in ("404", "422"):
        assert operation["responses"][status]["content"] == {problems.MEDIA_TYPE: {
            "schema": {"$ref": "#/components/schemas/Problem"}}}
