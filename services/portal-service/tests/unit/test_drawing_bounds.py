"""A drawing is bounded to a plausible roof, refused by its size before any geometry work."""

import asyncio
import math
import threading

import pytest

from portalflow_contracts.values import MAX_JSON_BYTES
from portalflow_portal.application.actions import checked_roof as checked_off_loop
from portalflow_portal.domain import drawing
from portalflow_portal.domain.drawing import (
    MAX_AREA_M2,
    MAX_POSITIONS,
    MAX_PROPERTIES_BYTES,
    checked_roof,
)
from portalflow_portal.domain.errors import InvalidActionError

MADRID = (-3.7038, 40.4168)
FEATURES = ("body", "roof", "features")


def square(lon: float, lat: float, side: float) -> list:
    return [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side],
            [lon, lat]]


def roof_of(*rings: list, properties: dict | None = None) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": properties,
         "geometry": {"type": "Polygon", "coordinates": [ring]}} for ring in rings]}


def refusal(drawn: object) -> list[tuple[tuple, str]]:
    with pytest.raises(InvalidActionError) as raised:
        checked_roof(drawn)
    return list(raised.value.problems)


def test_a_million_point_roof_is_refused_by_counting_before_the_model_sees_it(monkeypatch):
    monkeypatch.setattr(drawing, "Roof", None)  # any model or geometry work would fail
    huge = roof_of([[MADRID[0] + i * 1e-9, MADRID[1]] for i in range(1_000_000)])
    [(loc, message)] = refusal(huge)
    assert loc == FEATURES and f"at most {MAX_POSITIONS:,} positions" in message


def test_positions_are_counted_over_every_feature_and_ring():
    ring = square(*MADRID, 0.0001)[:-1] * 100 + [square(*MADRID, 0.0001)[0]]
    many = roof_of(*[ring] * (MAX_POSITIONS // len(ring) + 1))
    assert "positions in all its polygons" in refusal(many)[0][1]


def test_large_feature_properties_are_refused_naming_the_feature():
    drawn = roof_of(square(*MADRID, 0.0001), square(*MADRID, 0.0001), properties={"face": 1})
    drawn["features"][1]["properties"] = {"note": "x" * 1_200_000}
    [(loc, message)] = refusal(drawn)
    assert loc == (*FEATURES, 1, "properties")
    assert f"at most {MAX_PROPERTIES_BYTES:,} bytes" in message


@pytest.mark.parametrize("position", [
    [MADRID[0], math.nan], [math.inf, MADRID[1]], [MADRID[0], -math.inf], [MADRID[0], "40.4"],
    [True, MADRID[1]], [MADRID[0], None], [MADRID[0]], [*MADRID, 600, *[0] * 1000]])
def test_positions_are_two_or_three_finite_json_numbers(position):
    ring = square(*MADRID, 0.0001)
    ring[1] = position
    [(loc, message)] = refusal(roof_of(ring))
    assert loc == (*FEATURES, 0, "geometry") and "each a finite JSON number" in message


@pytest.mark.parametrize("member", [{"bbox": [-3.8, 40.4, math.inf, 40.5]},
                                    {"properties": {"slope": math.nan}}])
def test_every_number_of_the_roof_is_finite(member):
    drawn = roof_of(square(*MADRID, 0.0001))
    (drawn if "bbox" in member else drawn["features"][0]).update(member)
    [(loc, message)] = refusal(drawn)
    assert loc == ("body", "roof") and "not NaN or Infinity" in message


def test_a_roof_larger_than_an_event_may_carry_is_refused():
    drawn = roof_of(square(*MADRID, 0.0001))
    drawn["features"][0]["id"] = "x" * MAX_JSON_BYTES
    [(loc, message)] = refusal(drawn)
    assert loc == ("body", "roof") and f"at most {MAX_JSON_BYTES:,} are accepted" in message


@pytest.mark.parametrize(("side", "says"), [
    (0.000001, "a roof measures 1 to 10,000 m²"),  # about 10 cm by 11 cm
    (0.01, "a roof measures 1 to 10,000 m²"),  # about 850 m by 1.1 km
])
def test_a_roof_has_a_plausible_area(side, says):
    [(loc, message)] = refusal(roof_of(square(*MADRID, side)))
    assert loc == FEATURES and says in message


def test_a_warehouse_roof_within_the_bounds_is_accepted():
    _, area = checked_roof(roof_of(square(*MADRID, 0.0009)))  # about 77 m by 100 m
    assert 5_000 < area < MAX_AREA_M2


class _Blocking(dict):
    """A roof whose check waits until another coroutine of the event loop has run."""

    def __init__(self, roof: dict, other_ran: threading.Event) -> None:
        super().__init__(roof)
        self.other_ran = other_ran

    def get(self, key, default=None):
        self.other_ran.wait(timeout=5)  # on the event loop's thread this waits in vain
        return super().get(key, default)


async def test_the_check_runs_off_the_event_loop_so_other_requests_go_on():
    order, other_ran = [], threading.Event()

    async def check() -> None:
        await checked_off_loop(_Blocking(roof_of(square(*MADRID, 0.0001)), other_ran))
        order.append("roof checked")

    async def other_request() -> None:
        await asyncio.sleep(0)
        order.append("other answered")
        other_ran.set()

    await asyncio.gather(check(), other_request())
    assert order == ["other answered", "roof checked"]
