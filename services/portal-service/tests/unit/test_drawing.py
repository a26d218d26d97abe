"""The roof drawing: GeoJSON polygons checked for shape and place, measured on the ellipsoid."""

import math

import pytest

from portalflow_portal.domain.drawing import MAX_FEATURES, checked_roof
from portalflow_portal.domain.errors import InvalidActionError

MADRID = (-3.7038, 40.4168)


def ring(lon: float, lat: float, dlon: float, dlat: float) -> list:
    """A closed counter-clockwise rectangle from its south-west corner."""
    return [[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat],
            [lon, lat]]


def feature(geometry: dict | None, properties: dict | None = None) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def polygon(*rings: list) -> dict:
    return {"type": "Polygon", "coordinates": list(rings)}


def roof(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def rectangle_m2(lat: float, dlon: float, dlat: float) -> float:
    """Area of a small lon/lat rectangle from the WGS84 lengths of a degree at its latitude."""
    phi = math.radians(lat + dlat / 2)
    per_degree_lat = 111132.92 - 559.82 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    per_degree_lon = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi)
    return per_degree_lat * dlat * per_degree_lon * dlon


def test_a_rectangular_roof_measures_its_geodesic_area():
    lon, lat = MADRID
    stored, area = checked_roof(roof(feature(polygon(ring(lon, lat, 0.0002, 0.0001)),
                                             {"name": "south face"})))
    expected = rectangle_m2(lat, 0.0002, 0.0001)  # about 17 m by 11 m
    assert 180 < expected < 200
    assert area == pytest.approx(expected, rel=0.01)
    assert stored["features"][0]["properties"] == {"name": "south face"}
    assert stored["features"][0]["geometry"]["coordinates"][0][0] == [lon, lat]


def test_orientation_does_not_matter_and_overlapping_faces_count_once():
    lon, lat = MADRID
    clockwise = polygon(ring(lon, lat, 0.0002, 0.0001)[::-1])
    _, once = checked_roof(roof(feature(clockwise)))
    _, twice = checked_roof(roof(feature(clockwise), feature(clockwise)))
    assert once == pytest.approx(rectangle_m2(lat, 0.0002, 0.0001), rel=0.01)
    assert twice == pytest.approx(once)


def test_multipolygons_add_up_and_holes_are_taken_out():
    lon, lat = MADRID
    west, east = ring(lon, lat, 0.0001, 0.0001), ring(lon + 0.001, lat, 0.0001, 0.0001)
    _, one = checked_roof(roof(feature(polygon(west))))
    _, both = checked_roof(roof(feature({"type": "MultiPolygon",
                                         "coordinates": [[west], [east]]})))
    assert both == pytest.approx(2 * one, rel=0.001)
    hole = ring(lon + 0.00004, lat + 0.00004, 0.00002, 0.00002)[::-1]
    _, holed = checked_roof(roof(feature(polygon(west, hole))))
    assert holed == pytest.approx(one * (1 - 0.04), rel=0.001)


FEATURES = ("body", "roof", "features")
GEOMETRY = (*FEATURES, 0, "geometry")


@pytest.mark.parametrize(("drawn", "loc", "says"), [
    ("a roof", ("body", "roof"), "a GeoJSON FeatureCollection object is expected"),
    ({"type": "Feature"}, ("body", "roof", "type"), "'FeatureCollection'"),
    (roof(), FEATURES, "draw at least one roof polygon"),
    (roof(*[feature(polygon(ring(*MADRID, 0.0001, 0.0001)))] * (MAX_FEATURES + 1)), FEATURES,
     f"at most {MAX_FEATURES} polygons"),
    (roof(feature({"type": "Point", "coordinates": list(MADRID)})), GEOMETRY,
     "expected tags: 'Polygon', 'MultiPolygon'"),
    (roof(feature(None)), GEOMETRY, "each feature needs a Polygon or MultiPolygon geometry"),
    (roof(feature(polygon(ring(*MADRID, 0.0001, 0.0001)[:-1]))), (*GEOMETRY, "Polygon",
                                                                  "coordinates"),
     "same start and end"),
    (roof(feature(polygon([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]))), GEOMETRY,
     "not a valid polygon: Self-intersection"),
    (roof(feature(polygon(ring(40.4, -3.7, 0.0001, 0.0001)), {}),
          feature(polygon(ring(40.4, 95, 0.0001, 0.0001)))), (*FEATURES, 1, "geometry"),
     "position [40.4, 95.0] is off the globe"),
    (roof(feature(polygon())), GEOMETRY, "the polygon has no positions"),
])
def test_a_drawing_that_is_not_a_roof_gets_a_422_naming_where(drawn, loc, says):
    with pytest.raises(InvalidActionError) as raised:
        checked_roof(drawn)
    assert any(problem_loc == loc and says in message
               for problem_loc, message in raised.value.problems), raised.value.problems
