"""Shortest walks from the compiled graph equal brute-force visibility shortest paths.

The oracle joins *every* vertex of the walkable space and every query point to every other it
can see (no reflex-corner or bitangent pruning, no nearest-k cut) and runs networkx Dijkstra.
"""

from __future__ import annotations

import dataclasses
import math
import random

import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from routing.table import BlockedGrid, CornerTable, leg_path, legs
from routing.visibility import all_pairs, grown, point_links, visibility_graph
from stores.floorplan.compile import navigable_space
from stores.floorplan.parse import parse_plan


def random_plan(seed: int) -> dict:
    rng = random.Random(seed)
    width, depth = rng.uniform(15, 30), rng.uniform(12, 25)
    features = [
        {"type": "Feature", "properties": {"kind": "outline"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [width, 0], [width, depth], [0, depth], [0, 0]]]}}
    ]  # fmt: skip
    for i in range(rng.randint(3, 9)):
        w, h = rng.uniform(0.8, 6), rng.uniform(0.8, 6)
        x, y = rng.uniform(1.5, width - w - 1.5), rng.uniform(2.5, depth - h - 1.5)
        angle = rng.choice([0, 0, 15, 30, 45])
        poly = shapely.affinity.rotate(shapely.box(x, y, x + w, y + h), angle)
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "fixture", "id": f"f{i}"},
                "geometry": shapely.geometry.mapping(poly),
            }
        )
    features.append(
        {
            "type": "Feature",
            "properties": {"kind": "entrance", "id": "e"},
            "geometry": {"type": "Point", "coordinates": [1, 1]},
        }
    )
    features.append(
        {
            "type": "Feature",
            "properties": {"kind": "checkout", "id": "c"},
            "geometry": {"type": "Point", "coordinates": [width - 1, 1]},
        }
    )
    return {"type": "FeatureCollection", "features": features}


def brute_force(nav, free_grown, points: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    vertices = [
        c for p in getattr(nav, "geoms", [nav]) for r in [p.exterior, *p.interiors] for c in list(r.coords)[:-1]
    ]
    nodes = [tuple(p) for p in points] + vertices
    g = nx.Graph()
    for i, a in enumerate(nodes):
        for j in range(i + 1, len(nodes)):
            b = nodes[j]
            if free_grown.covers(LineString([a, b])):
                g.add_edge(i, j, weight=math.dist(a, b))
    k = len(points)
    out = np.full((k, k), np.inf)
    for i in range(k):
        lengths = nx.single_source_dijkstra_path_length(g, i) if i in g else {i: 0.0}
        for j in range(k):
            out[i, j] = lengths.get(j, np.inf)
    return out


@pytest.mark.parametrize("seed", range(12))
def test_walks_match_brute_force_and_stay_inside(seed: int) -> None:
    plan = parse_plan(random_plan(seed))
    nav = navigable_space(plan)
    free_grown = grown(nav)
    graph = visibility_graph(nav, free_grown)
    dist, pred = all_pairs(graph)
    rng = random.Random(seed)
    minx, miny, maxx, maxy = nav.bounds
    points = []
    while len(points) < 14:
        p = (rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if nav.covers(Point(p)):
            points.append(p)
    xy = np.asarray(points)
    ptr, corner, dists = point_links(free_grown, graph.corners, xy)
    table = CornerTable(graph.corners.xy, dist, pred, xy, ptr, corner, dists, free_grown)
    ids = np.arange(len(xy), dtype=np.int64)
    ours = legs(table, ids)
    # The grid's quick "certainly blocked" changes nothing but the work done.
    gridded = legs(dataclasses.replace(table, grid=BlockedGrid.of(free_grown)), ids)
    assert np.array_equal(gridded.direct, ours.direct) and np.array_equal(gridded.dist, ours.dist)
    oracle = brute_force(nav, free_grown, xy)
    finite = np.isfinite(oracle)
    assert np.array_equal(finite, np.isfinite(ours.dist)), "reachability differs"
    assert np.all(ours.dist[finite] >= oracle[finite] - 1e-6), "shorter than possible: a path cuts a fixture"
    assert np.all(ours.dist[finite] <= oracle[finite] * 1.01 + 1e-6), np.max(ours.dist[finite] - oracle[finite])
    for a in range(len(ids)):
        for b in range(len(ids)):
            if a == b or not finite[a, b]:
                continue
            line = leg_path(table, ours, ids, a, b)
            polyline = LineString(line)
            assert free_grown.covers(polyline), (a, b)
            assert polyline.length == pytest.approx(ours.dist[a, b], rel=1e-5, abs=1e-4)


@pytest.mark.parametrize("seed", range(6))
def test_the_grid_rules_out_only_blocked_segments(seed: int) -> None:
    free_grown = grown(navigable_space(parse_plan(random_plan(seed))))
    shapely.prepare(free_grown)
    grid = BlockedGrid.of(free_grown, cell=0.4)
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = free_grown.bounds
    xy = rng.uniform((minx, miny), (maxx, maxy), size=(4000, 2))
    xy = xy[shapely.contains_xy(free_grown, xy[:, 0], xy[:, 1])][:1200]
    a, b = xy[0::2], xy[1::2]
    covered = np.asarray(shapely.covers(free_grown, shapely.linestrings(np.stack([a, b], axis=1))), dtype=bool)
    crossed = grid.crossed(a, b)
    assert not np.any(crossed & covered), "a walkable segment was ruled out"
    assert crossed[~covered].mean() > 0.5, "the grid rules out too little to be worth it"
