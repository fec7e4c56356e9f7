"""Turn public map data into the compact outlines portal/maps.py draws: one JSON file per map in portal/data/maps/,
an SVG path per region keyed by the region tree's codes (alpha-2 for countries, ISO 3166-2 for provinces and
states). Run once when the data changes; the result is committed, the inputs are not. Which npm packages hold the
inputs, their licences and the command that fetches them: portal/data/maps/README.md.

    python scripts/build_maps.py --world …/countries-50m.json --us …/states-albers-10m.json \
        --admin1 …/data/build.json --out portal/data/maps

Borders that two regions share are simplified once (as TopoJSON does), so neighbours never gap or overlap; the
regions merged into one (Taiwan's counties, Hong Kong's districts) lose the borders between them. Projections
are equal-area, as a choropleth wants: Equal Earth for the world (Antarctica left out), Albers for China, and
us-atlas's own Albers USA (Alaska and Hawaii as insets). Needs the standard library and pycountry only."""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from pathlib import Path

import pycountry

Point = tuple[int, int]
GRID = 10  # outlines are stored in tenths of the map's unit, as integers: small regions keep their shape


# Projections: (longitude, latitude) in degrees -> (x, y) with y growing southwards, in arbitrary units.
def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    a1, a2, a3, a4 = 1.340264, -0.081106, 0.000893, 0.003796
    theta = math.asin(math.sqrt(3) / 2 * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = (
        2
        * math.sqrt(3)
        * math.radians(lon)
        * math.cos(theta)
        / (3 * (9 * a4 * t6 * t2 + 7 * a3 * t6 + 3 * a2 * t2 + a1))
    )
    y = theta * (a1 + a2 * t2 + t6 * (a3 + a4 * t2))
    return x, -y


def albers(lon0: float, lat1: float, lat2: float, lat0: float):
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    n = (math.sin(phi1) + math.sin(phi2)) / 2
    c = math.cos(phi1) ** 2 + 2 * n * math.sin(phi1)
    rho0 = math.sqrt(c - 2 * n * math.sin(math.radians(lat0))) / n

    def project(lon: float, lat: float) -> tuple[float, float]:
        rho = math.sqrt(c - 2 * n * math.sin(math.radians(lat))) / n
        theta = n * math.radians(lon - lon0)
        return rho * math.sin(theta), -(rho0 - rho * math.cos(theta))

    return project


# Reading the inputs: each feature's rings of (x, y) points, in degrees or (us-atlas) already projected.
def topojson_features(path: Path, name: str) -> list[tuple[dict, list[list[tuple[float, float]]]]]:
    topology = json.loads(path.read_text())
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc if not points else arc[1:])
        return points

    features = []
    for geometry in topology["objects"][name]["geometries"]:
        if geometry["type"] not in ("Polygon", "MultiPolygon"):
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [ring(r) for polygon in polygons for r in polygon]
        features.append(({"id": geometry.get("id"), **geometry.get("properties", {})}, rings))
    return features


def geojson_rings(geometry: dict) -> list[list[tuple[float, float]]]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [[(p[0], p[1]) for p in ring] for polygon in polygons for ring in polygon]


# Topology: cut rings into arcs at the points where neighbours part, so a shared border is one arc.
def _open(ring: list[Point]) -> list[Point]:
    points = [p for i, p in enumerate(ring) if i == 0 or p != ring[i - 1]]
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    return points


def build_arcs(rings: list[list[Point]]) -> tuple[list[list[Point]], list[list[int]]]:
    """The unique arcs of `rings` and each ring as arc indexes (~i for arc i reversed)."""
    seen: dict[Point, frozenset[Point]] = {}
    junctions: set[Point] = set()
    for ring in rings:
        for i, point in enumerate(ring):
            neighbours = frozenset((ring[i - 1], ring[(i + 1) % len(ring)]))
            if seen.setdefault(point, neighbours) != neighbours:
                junctions.add(point)
    arcs: list[list[Point]] = []
    index: dict[tuple[Point, ...], int] = {}

    def arc_id(points: list[Point]) -> int:
        key = tuple(points)
        if key in index:
            return index[key]
        if key[::-1] in index:
            return ~index[key[::-1]]
        index[key] = len(arcs)
        arcs.append(points)
        return index[key]

    as_arcs = []
    for ring in rings:
        cuts = [i for i, p in enumerate(ring) if p in junctions]
        if not cuts:  # a ring no other shares a part of: one closed arc, started at its least point
            start = ring.index(min(ring))
            rotated = ring[start:] + ring[:start]
            if rotated[1:] > rotated[:0:-1]:  # and the same way round as the same ring of another feature
                rotated = [rotated[0], *rotated[:0:-1]]
                as_arcs.append([~arc_id([*rotated, rotated[0]])])
            else:
                as_arcs.append([arc_id([*rotated, rotated[0]])])
            continue
        rotated = ring[cuts[0] :] + ring[: cuts[0]]
        cut_at = [i - cuts[0] for i in cuts] + [len(ring)]
        rotated.append(rotated[0])
        as_arcs.append([arc_id(rotated[a : b + 1]) for a, b in zip(cut_at, cut_at[1:], strict=False)])
    return arcs, as_arcs


def merge(rings: list[list[int]]) -> list[list[int]]:
    """The outline of rings that make one region: arcs walked both ways inside it are inner borders, dropped."""
    used: dict[int, int] = defaultdict(int)
    for ring in rings:
        for arc in ring:
            used[arc if arc >= 0 else ~arc] += 1
    if all(count == 1 for count in used.values()):
        return rings
    kept = [arc for ring in rings for arc in ring if used[arc if arc >= 0 else ~arc] == 1]
    return [kept] if kept else []  # chained again when the path is written, by the arcs' ends


def _distance(p: Point, a: Point, b: Point) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return math.hypot(x - x1, y - y1)
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - x1 - t * dx, y - y1 - t * dy)


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas–Peucker with both ends kept; a closed arc keeps at least a triangle."""
    if points[0] == points[-1] and len(points) > 3:
        far = max(range(len(points)), key=lambda i: math.dist(points[0], points[i]))
        first, second = simplify(points[: far + 1], tolerance), simplify(points[far:], tolerance)
        if len(first) + len(second) < 5:
            middle = max(range(1, far), key=lambda i: _distance(points[i], points[0], points[far]), default=None)
            if middle is not None:
                first = [points[0], points[middle], points[far]]
        return first + second[1:]
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        best, at = 0.0, None
        for i in range(a + 1, b):
            d = _distance(points[i], points[a], points[b])
            if d > best:
                best, at = d, i
        if at is not None and best > tolerance:
            keep[at] = True
            stack += [(a, at), (at, b)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _area(points: list[Point]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True))) / 2


def path(rings: list[list[int]], arcs: list[list[Point]], min_area: float) -> str:
    """SVG path data, relative moves in whole grid units; islands under `min_area` left out, except a region's
    largest (so a small country is still drawn)."""
    chains = []
    for ring in rings:
        pieces = [arcs[a] if a >= 0 else arcs[~a][::-1] for a in ring]
        while pieces:  # chain the pieces by their ends (a merged outline may hold several rings)
            chain = list(pieces.pop(0))
            while chain[0] != chain[-1]:
                following = next((p for p in pieces if p[0] == chain[-1]), None)
                if following is None:
                    break
                pieces.remove(following)
                chain.extend(following[1:])
            chains.append(_open(chain))
    chains = [c for c in chains if len(c) >= 3]
    if not chains:
        return ""
    largest = max(chains, key=_area)
    out = []
    x = y = 0
    for chain in chains:
        if chain is not largest and _area(chain) < min_area:
            continue
        (x1, y1), rest = chain[0], chain[1:]
        steps = [f"m{x1 - x} {y1 - y}"]
        x, y = x1, y1
        for px, py in rest:
            steps.append(f"{px - x} {py - y}")
            x, y = px, py
        out.append(steps[0] + "l" + " ".join(steps[1:]) + "z")
        x, y = x1, y1  # "z" goes back to the ring's start
    return _tidy("".join(out))


def _tidy(d: str) -> str:
    """'l3 -4' → 'l3-4': a minus sign separates numbers by itself."""
    return d.replace(" -", "-")


def build(
    features: list[tuple[str, list[list[tuple[float, float]]]]], project, width: int, tolerance: float, min_area: float
) -> dict:
    """The map of `features` (code, rings in degrees or projected units): fitted to `width`, outlines simplified
    by `tolerance` and islands under `min_area` (both in map units, squared for the area)."""
    projected = [(code, [[project(*p) for p in ring] for ring in rings]) for code, rings in features]
    xs = [x for _, rings in projected for ring in rings for x, _ in ring]
    ys = [y for _, rings in projected for ring in rings for _, y in ring]
    scale = width / (max(xs) - min(xs))
    height = math.ceil((max(ys) - min(ys)) * scale)
    left, top = min(xs), min(ys)
    grid_rings: list[list[Point]] = []
    owner: list[str] = []
    for code, rings in projected:
        for ring in rings:
            points = _open([(round((x - left) * scale * GRID), round((y - top) * scale * GRID)) for x, y in ring])
            if len(points) >= 3:
                grid_rings.append(points)
                owner.append(code)
    arcs, as_arcs = build_arcs(grid_rings)
    simplified = [simplify(arc, tolerance * GRID) for arc in arcs]
    by_code: dict[str, list[list[int]]] = defaultdict(list)
    for code, ring in zip(owner, as_arcs, strict=True):
        by_code[code].append(ring)
    regions = {}
    for code in sorted(by_code):
        rings = merge(by_code[code])
        # A region so small that its simplified borders meet in a line (Liechtenstein) keeps them as they were.
        d = path(rings, simplified, min_area * GRID * GRID) or path(rings, arcs, min_area * GRID * GRID)
        if d:
            regions[code] = d
    return {"width": width, "height": height, "grid": GRID, "regions": regions}


def _clipped(ring: list[tuple[float, float]], edge: float, keep_west: bool) -> list[tuple[float, float]]:
    """Sutherland–Hodgman against the meridian `edge`: the part of `ring` west (or east) of it."""

    def inside(p: tuple[float, float]) -> bool:
        return p[0] <= edge if keep_west else p[0] >= edge

    out: list[tuple[float, float]] = []
    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        if inside(b):
            if not inside(a):
                out.append((edge, a[1] + (b[1] - a[1]) * (edge - a[0]) / (b[0] - a[0])))
            out.append(b)
        elif inside(a):
            out.append((edge, a[1] + (b[1] - a[1]) * (edge - a[0]) / (b[0] - a[0])))
    return out


def split_at_antimeridian(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """world-atlas stitches rings across the antimeridian (Russia's Chukotka, Fiji): on a flat map such a ring is
    cut in two, each part drawn at its own edge of the map."""
    unwrapped = [ring[0]]
    for lon, lat in ring[1:]:
        previous = unwrapped[-1][0]
        lon += 360 * round((previous - lon) / 360)
        unwrapped.append((lon, lat))
    low, high = min(p[0] for p in unwrapped), max(p[0] for p in unwrapped)
    if low >= -180 and high <= 180:
        return [ring]
    edge = 180 if high > 180 else -180
    shift = -360 if edge == 180 else 360
    near = _clipped(unwrapped, edge, keep_west=edge == 180)
    far = [(lon + shift, lat) for lon, lat in _clipped(unwrapped, edge, keep_west=edge != 180)]
    return [part for part in (near, far) if len(part) >= 3]


def world(source: Path) -> dict:
    codes = {c.numeric: c.alpha_2 for c in pycountry.countries}
    # Areas Natural Earth draws apart that ISO 3166 (and so the region tree) counts in a country.
    within = {"Somaliland": "SO", "N. Cyprus": "CY"}
    features = []
    for properties, rings in topojson_features(source, "countries"):
        code = codes.get(properties.get("id")) or within.get(properties["name"])
        if code == "AQ":
            continue  # Antarctica: no partners, and half the map's height
        rings = [part for ring in rings for part in split_at_antimeridian(ring)]
        features.append((code or "", rings))  # "" for land without a code of its own (Kosovo): drawn, not shaded
    return build(features, equal_earth, 1000, tolerance=0.3, min_area=1.0)


def china(source: Path) -> dict:
    # Hong Kong, Macao and Taiwan are subdivisions of CN in the region tree; the Paracel Islands are Hainan's.
    whole = {"HKG": "CN-HK", "MAC": "CN-MO", "TWN": "CN-TW"}
    features = []
    for feature in json.loads(source.read_text())["features"]:
        properties = feature["properties"]
        country = properties["adm0_a3"]
        if country == "CHN":
            code = properties["iso_3166_2"]
            code = "CN-HI" if code == "CN-X01~" else code
        elif country in whole:
            code = whole[country]
        else:
            continue
        features.append((code, geojson_rings(feature["geometry"])))
    return build(features, albers(105, 25, 47, 0), 800, tolerance=0.35, min_area=0.6)


def united_states(source: Path) -> dict:
    codes = {s.name: s.code for s in pycountry.subdivisions.get(country_code="US")}
    features = [(codes[properties["name"]], rings) for properties, rings in topojson_features(source, "states")]
    return build(features, lambda x, y: (x, y), 975, tolerance=0.3, min_area=0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world", type=Path, required=True, help="world-atlas's countries-50m.json")
    parser.add_argument("--us", type=Path, required=True, help="us-atlas's states-albers-10m.json")
    parser.add_argument("--admin1", type=Path, required=True, help="Natural Earth admin-1 GeoJSON (10m)")
    parser.add_argument("--out", type=Path, default=Path("portal/data/maps"))
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    for name, drawn in (
        ("world", world(arguments.world)),
        ("CN", china(arguments.admin1)),
        ("US", united_states(arguments.us)),
    ):
        target = arguments.out / f"{name.lower()}.json"
        target.write_text(json.dumps(drawn, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n")
        size = sum(len(d) for d in drawn["regions"].values())
        print(f"{target}: {len(drawn['regions'])} regions, {drawn['width']}×{drawn['height']}, {size:,} bytes of paths")


if __name__ == "__main__":
    main()
