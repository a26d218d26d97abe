"""The customer's roof drawing: GeoJSON polygons checked for size, shape and place, and area.

A drawing is refused by its size first, counted on the raw JSON before any model or geometry
work, so that an oversized one costs no more than a plausible one. The bounds keep the
customer event that carries it far below the event size limit.
"""

import json
import math
from collections.abc import Iterator
from typing import Annotated

import shapely
from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Polygon
from pydantic import Field, ValidationError
from pyproj import Geod
from shapely.geometry import shape

from portalflow_contracts.values import MAX_JSON_BYTES
from portalflow_portal.domain.errors import InvalidActionError

RoofGeometry = Annotated[Polygon | MultiPolygon, Field(discriminator="type")]
Roof = FeatureCollection[Feature[RoofGeometry, dict | None]]

ROOF = ("body", "roof")
FEATURES = (*ROOF, "features")
MAX_FEATURES, MAX_POSITIONS = 50, 2_000
MAX_PROPERTIES_BYTES = 1024
# A plausible roof: from a small shed to a large warehouse (one hectare).
MIN_AREA_M2, MAX_AREA_M2 = 1.0, 10_000.0
_WGS84 = Geod(ellps="WGS84")


def checked_roof(roof: object) -> tuple[dict, float]:
    """The roof as stored and its geodesic area in m²; InvalidActionError naming what is wrong.

    A roof is a GeoJSON FeatureCollection of one to MAX_FEATURES Polygon or MultiPolygon
    features in WGS84 longitude/latitude, MAX_POSITIONS positions at most in all; overlapping
    faces count once, and the whole measures MIN_AREA_M2 to MAX_AREA_M2.
    """
    if not isinstance(roof, dict):
        raise InvalidActionError((ROOF, "a GeoJSON FeatureCollection object is expected"))
    _check_size(roof)
    try:
        collection = Roof.model_validate(roof)
    except ValidationError as error:
        raise InvalidActionError(*(((*ROOF, *e["loc"]), e["msg"]) for e in error.errors(
            include_url=False))) from None
    if not collection.features:
        raise InvalidActionError((FEATURES, "draw at least one roof polygon"))
    geometries = [_geometry(i, feature) for i, feature in enumerate(collection.features)]
    area, _ = _WGS84.geometry_area_perimeter(
        shapely.orient_polygons(shapely.unary_union(geometries)))
    if not MIN_AREA_M2 <= abs(area) <= MAX_AREA_M2:
        raise InvalidActionError((FEATURES, (
            f"the roof measures {abs(area):,.1f} m²: a roof measures "
            f"{MIN_AREA_M2:,.0f} to {MAX_AREA_M2:,.0f} m²")))
    stored = collection.model_dump(mode="json", exclude_unset=True)
    _check_json(stored)  # as stored, numbers may take more digits than they were sent with
    return stored, abs(area)


def _check_size(roof: dict) -> None:
    """Refuse too many features or positions, large properties and non-numeric coordinates,
    looking only at the raw JSON; shapes that are not GeoJSON are left to the model."""
    features = roof.get("features")
    if not isinstance(features, list):
        return
    if len(features) > MAX_FEATURES:
        raise InvalidActionError((FEATURES, f"a roof has at most {MAX_FEATURES} polygons"))
    positions = 0
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            continue
        _check_properties(index, feature.get("properties"))
        geometry = feature.get("geometry")
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        for position in _raw_positions(coordinates):
            positions += 1
            if positions > MAX_POSITIONS:
                raise InvalidActionError((FEATURES, (
                    f"a roof has at most {MAX_POSITIONS:,} positions in all its polygons")))
            _check_position((*FEATURES, index, "geometry"), position)
    _check_json(roof)  # what the counts leave open: ids, bounding boxes, foreign members


def _check_json(roof: dict) -> None:
    try:  # Python's json reads NaN and Infinity, which no JSON document (nor PostgreSQL) has
        size = len(json.dumps(roof, allow_nan=False))
    except ValueError:
        raise InvalidActionError((ROOF, "the roof must be JSON: numbers are finite, not NaN "
                                        "or Infinity")) from None
    if size > MAX_JSON_BYTES:
        raise InvalidActionError((ROOF, (
            f"the roof takes {size:,} bytes as JSON; at most {MAX_JSON_BYTES:,} are accepted")))


def _check_properties(index: int, properties: object) -> None:
    if (size := len(json.dumps(properties))) > MAX_PROPERTIES_BYTES:
        raise InvalidActionError(((*FEATURES, index, "properties"), (
            f"a feature's properties take at most {MAX_PROPERTIES_BYTES:,} bytes as JSON; "
            f"these take {size:,}")))


def _raw_positions(coordinates: object, depth: int = 0) -> Iterator[list]:
    """The innermost lists of a coordinates array, lazily; a MultiPolygon's are four deep,
    and anything deeper is left to the model to refuse."""
    if not isinstance(coordinates, list) or depth > 4:
        return
    if coordinates and not isinstance(coordinates[0], list):
        yield coordinates
        return
    for item in coordinates:
        yield from _raw_positions(item, depth + 1)


def _check_position(loc: tuple, position: list) -> None:
    if len(position) not in (2, 3) or not all(
            type(n) is int or (type(n) is float and math.isfinite(n)) for n in position):
        raise InvalidActionError((loc, (
            f"position {position!r:.60} is not [longitude, latitude] or [longitude, latitude, "
            "altitude]: two or three coordinates, each a finite JSON number")))


def _geometry(index: int, feature: Feature) -> shapely.Geometry:
    loc = (*FEATURES, index, "geometry")
    if feature.geometry is None:
        raise InvalidActionError((loc, "each feature needs a Polygon or MultiPolygon geometry"))
    for longitude, latitude, *_ in _positions(feature.geometry):
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
            raise InvalidActionError((loc, (
                f"position [{longitude}, {latitude}] is off the globe: positions are "
                "[longitude, latitude] with longitude within -180..180 and latitude -90..90")))
    geometry = shape(feature.geometry.model_dump(mode="json"))
    if geometry.is_empty:
        raise InvalidActionError((loc, "the polygon has no positions"))
    if not geometry.is_valid:
        raise InvalidActionError((loc, "not a valid polygon: "
                                  f"{shapely.is_valid_reason(geometry)}"))
    if geometry.area == 0:
        raise InvalidActionError((loc, "the polygon has no area"))
    return geometry


def _positions(geometry: Polygon | MultiPolygon) -> Iterator[tuple]:
    polygons = geometry.coordinates if isinstance(geometry, MultiPolygon) else [
        geometry.coordinates]
    for rings in polygons:
        for ring in rings:
            yield from ring
