"""The customer's roof drawing: GeoJSON polygons checked for shape and place, and their area."""

from collections.abc import Iterator
from typing import Annotated

import shapely
from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Polygon
from pydantic import Field, ValidationError
from pyproj import Geod
from shapely.geometry import shape

from portalflow_portal.domain.errors import InvalidActionError

RoofGeometry = Annotated[Polygon | MultiPolygon, Field(discriminator="type")]
Roof = FeatureCollection[Feature[RoofGeometry, dict | None]]

ROOF = ("body", "roof")
MAX_FEATURES, MAX_POSITIONS = 100, 10_000
_WGS84 = Geod(ellps="WGS84")


def checked_roof(roof: object) -> tuple[dict, float]:
    """The roof as stored and its geodesic area in m²; InvalidActionError naming what is wrong.

    A roof is a GeoJSON FeatureCollection of one or more Polygon or MultiPolygon features in
    WGS84 longitude/latitude; overlapping faces count once.
    """
    if not isinstance(roof, dict):
        raise InvalidActionError((ROOF, "a GeoJSON FeatureCollection object is expected"))
    try:
        collection = Roof.model_validate(roof)
    except ValidationError as error:
        raise InvalidActionError(*(((*ROOF, *e["loc"]), e["msg"]) for e in error.errors(
            include_url=False))) from None
    if not collection.features:
        raise InvalidActionError(((*ROOF, "features"), "draw at least one roof polygon"))
    if len(collection.features) > MAX_FEATURES:
        raise InvalidActionError(((*ROOF, "features"),
                                  f"a roof has at most {MAX_FEATURES} polygons"))
    if sum(len(list(_positions(f.geometry))) for f in collection.features) > MAX_POSITIONS:
        raise InvalidActionError(((*ROOF, "features"),
                                  f"a roof has at most {MAX_POSITIONS:,} positions"))
    geometries = [_geometry(i, feature) for i, feature in enumerate(collection.features)]
    area, _ = _WGS84.geometry_area_perimeter(
        shapely.orient_polygons(shapely.unary_union(geometries)))
    return collection.model_dump(mode="json", exclude_unset=True), abs(area)


def _geometry(index: int, feature: Feature) -> shapely.Geometry:
    loc = (*ROOF, "features", index, "geometry")
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


def _positions(geometry: Polygon | MultiPolygon | None) -> Iterator[tuple]:
    if geometry is None:
        return
    polygons = geometry.coordinates if isinstance(geometry, MultiPolygon) else [
        geometry.coordinates]
    for rings in polygons:
        for ring in rings:
            yield from ring
