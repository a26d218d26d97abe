"""Helpers of the opportunity-type API tests: a small flow, lookups by name, 422 checks."""

import httpx
from flows import ok

TYPES = "/v1/opportunity-types"
STATES = [{"name": "Captación", "icon": "file-text", "colour": "#1E88E5",
           "substates": [{"name": "Documentación"}, {"name": "Revisión"}]},
          {"name": "Oferta", "substates": [{"name": "Oferta enviada"}]}]


def create(admin: httpx.Client, name: str = "Autoconsumo", states=None) -> dict:
    """Create an opportunity type, by default with STATES; return its definition."""
    return ok(admin.post(TYPES, json={"name": name, "states": states or STATES}), 201)


def layout(definition: dict) -> list:
    """(state name, [substate names]) in flow order."""
    return [(s["name"], [sub["name"] for sub in s["substates"]]) for s in definition["states"]]


def named(definition: dict, name: str) -> dict:
    """The state or substate called `name`."""
    return next(item for s in definition["states"] for item in (s, *s["substates"])
                if item["name"] == name)


def refused(response: httpx.Response, status: int, loc: list, *said: str) -> None:
    """Assert one error at `body.<loc>` whose message says each of `said`."""
    assert response.status_code == status, response.text
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", *loc], error
    assert all(text in error["msg"] for text in said), error["msg"]
