"""The router's compiled inner loops (numba): loops over a few dozen nodes that numpy cannot
vectorise, run thousands of times per bound.

Compiled on first use and cached beside this file (``cache=True``), so a worker pays the compile
once per installation, not per request. Each function has a plain-Python meaning and a test
through ``routing.bound``.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, nogil=True)
def spanning_tree(w: NDArray[np.float64], parent: NDArray[np.int64]) -> float:
    """Prim's minimum spanning tree of the complete graph ``w`` (dense, symmetric; node 0 the
    root): fills ``parent`` and returns the tree's weight."""
    n = w.shape[0]
    outside = np.ones(n, dtype=np.bool_)
    best = np.empty(n)
    outside[0] = False
    for v in range(n):
        best[v] = w[0, v]
        parent[v] = 0
    total = 0.0
    for _ in range(n - 1):
        v, low = -1, np.inf
        for u in range(n):
            if outside[u] and (v < 0 or best[u] < low):
                v, low = u, best[u]
        total += low
        outside[v] = False
        for u in range(n):
            if outside[u] and w[v, u] < best[u]:
                best[u] = w[v, u]
                parent[u] = v
    return total


@njit(cache=True, nogil=True)
def ascent(
    w: NDArray[np.float64],
    enter: NDArray[np.float64],
    boundary: NDArray[np.int64],
    group: NDArray[np.int64],
    upper: float,
    iterations: int,
    patience: int,
    pi: NDArray[np.float64],
    lam: NDArray[np.float64],
) -> float:
    """Subgradient ascent of the Held-Karp bound of a walk (see ``routing.bound``).

    Nodes ``0..n-2`` are places, ``group[a]`` the stop each serves (one place of each stop is
    walked to, entered and left once); node ``n-1`` is the end (entered once). ``enter`` is the
    edge from the start to each place; ``boundary[a, b]`` the block boundary an edge crosses (-1:
    none; each is crossed once). Edges between places of one stop cost nothing and carry no
    penalty. Starts from ``pi``/``lam`` and leaves the best penalties in them; returns the best
    bound."""
    n = w.shape[0]
    blocks = lam.shape[0]
    groups = group[n - 1] + 1
    best_edge = np.empty(n)
    outside = np.empty(n, dtype=np.bool_)
    parent = np.empty(n, dtype=np.int64)
    degree = np.empty(n, dtype=np.int64)
    chosen = np.empty(groups, dtype=np.int64)
    crossings = np.empty(blocks, dtype=np.int64)
    best_pi, best_lam = pi.copy(), lam.copy()
    best, scale, stalled = -np.inf, 2.0, 0
    for _ in range(iterations):
        value = _penalised_tree(w, boundary, group, pi, lam, best_edge, outside, parent)
        first, low = 0, np.inf
        for a in range(n - 1):
            if enter[a] + pi[a] < low:
                first, low = a, enter[a] + pi[a]
        value += low
        # Each stop's place with the highest penalty is the one the bound charges twice.
        chosen[:] = -1
        for a in range(n):
            g = group[a]
            if chosen[g] < 0 or pi[a] > pi[chosen[g]]:
                chosen[g] = a
        for g in range(groups):
            value -= (1.0 if g == groups - 1 else 2.0) * pi[chosen[g]]
        value -= lam.sum()
        _degrees(parent, group, boundary, first, degree, crossings)
        if value > best + 1e-9 * max(1.0, abs(value)):
            best, stalled = value, 0
            best_pi[:] = pi
            best_lam[:] = lam
        else:
            stalled += 1
            if stalled >= patience:
                scale, stalled = scale / 2, 0
        norm = 0.0
        for a in range(n):
            target = 0
            if chosen[group[a]] == a:
                target = 1 if a == n - 1 else 2
            degree[a] -= target  # now the subgradient
            norm += degree[a] * degree[a]
        for r in range(blocks):
            norm += (crossings[r] - 1) ** 2
        if norm == 0 or best >= upper * (1 - 1e-12) or scale < 1e-3:
            break  # a walk (the bound is exact), or the bound meets the walk, or out of steps
        step = scale * max(upper - value, 1e-9 * max(1.0, upper)) / norm
        for a in range(n):
            pi[a] += step * degree[a]
        for r in range(blocks):
            lam[r] += step * (crossings[r] - 1)
    pi[:] = best_pi
    lam[:] = best_lam
    return best


@njit(cache=True, nogil=True)
def _penalised_tree(
    w: NDArray[np.float64],
    boundary: NDArray[np.int64],
    group: NDArray[np.int64],
    pi: NDArray[np.float64],
    lam: NDArray[np.float64],
    best: NDArray[np.float64],
    outside: NDArray[np.bool_],
    parent: NDArray[np.int64],
) -> float:
    """:func:`spanning_tree` of ``w`` with the node and boundary penalties added (none between one
    stop's places), each penalised edge computed when Prim's loop looks at it: one pass per node
    added, choosing the next node while updating the others."""
    n = w.shape[0]
    outside[:] = True
    outside[0] = False
    v, total = 0, 0.0
    for u in range(n):
        best[u] = np.inf
        parent[u] = 0
    for _ in range(n - 1):
        nxt, low = -1, np.inf
        gv, pv = group[v], pi[v]
        for u in range(n):
            if outside[u]:
                cost = w[v, u]
                if group[u] != gv:
                    cost = cost + pv + pi[u]
                    if boundary[v, u] >= 0:
                        cost += lam[boundary[v, u]]
                if cost < best[u]:
                    best[u] = cost
                    parent[u] = v
                if nxt < 0 or best[u] < low:
                    nxt, low = u, best[u]
        total += low
        outside[nxt] = False
        v = nxt
    return total


@njit(cache=True, nogil=True)
def _degrees(
    parent: NDArray[np.int64],
    group: NDArray[np.int64],
    boundary: NDArray[np.int64],
    first: int,
    degree: NDArray[np.int64],
    crossings: NDArray[np.int64],
) -> None:
    """Each node's degree in the tree and the first edge, counting only edges between stops, and
    how often the tree crosses each block boundary."""
    degree[:] = 0
    crossings[:] = 0
    for a in range(1, len(parent)):
        p = parent[a]
        if group[a] != group[p]:
            degree[a] += 1
            degree[p] += 1
        if boundary[a, p] >= 0:
            crossings[boundary[a, p]] += 1
    degree[first] += 1


@njit(cache=True, nogil=True)
def heaviest_on_tree_paths(w: NDArray[np.float64], parent: NDArray[np.int64]) -> NDArray[np.float64]:
    """For every pair of nodes, the heaviest edge (by ``w``) on the tree path between them (the
    tree given by ``parent``, node 0 the root): what an edge forced into the tree would replace."""
    n = w.shape[0]
    heaviest = np.zeros((n, n))
    # Nodes in an order where each parent comes before its children.
    order = np.empty(n, dtype=np.int64)
    placed = np.zeros(n, dtype=np.bool_)
    order[0], placed[0], count = 0, True, 1
    while count < n:
        for v in range(1, n):
            if not placed[v] and placed[parent[v]]:
                order[count] = v
                placed[v] = True
                count += 1
    for s in range(n):
        # From s, walk the tree outwards: a node's value is its parent's or child's on s's side.
        done = np.zeros(n, dtype=np.bool_)
        done[s] = True
        changed = True
        while changed:
            changed = False
            for i in range(n):
                v = order[i]
                if v == 0:
                    continue
                p = parent[v]
                if done[p] and not done[v]:
                    heaviest[s, v] = max(heaviest[s, p], w[v, p])
                    done[v] = True
                    changed = True
                elif done[v] and not done[p]:
                    heaviest[s, p] = max(heaviest[s, v], w[v, p])
                    done[p] = True
                    changed = True
    return heaviest


@njit(cache=True, nogil=True)
def held_karp(
    sub: NDArray[np.float64], first: NDArray[np.float64], owner: NDArray[np.int64], stops: int
) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
    """Held-Karp over subsets of ``stops`` stops whose places are the rows of ``sub`` (``owner``:
    the stop of each place): ``cost[mask, a]`` the shortest walk entering at ``first`` cost,
    visiting one place of each stop in ``mask`` and ending at place ``a``. Returns the costs of
    the full set and the table of predecessors (-1: entered there)."""
    places = sub.shape[0]
    size = 1 << stops
    into = np.ascontiguousarray(sub.T)  # into[a]: the way into place a from every place
    cost = np.full((size, places), np.inf)
    parent = np.full((size, places), -1, dtype=np.int32)
    for mask in range(1, size):
        for a in range(places):
            bit = 1 << owner[a]
            if not mask & bit:
                continue
            before = mask ^ bit
            if before == 0:
                cost[mask, a] = first[a]
                continue
            row, column = cost[before], into[a]
            best, via = np.inf, -1
            for v in range(places):
                here = row[v] + column[v]
                if here < best:
                    best, via = here, v
            cost[mask, a] = best
            parent[mask, a] = via
    return cost[size - 1].copy(), parent


@njit(cache=True, nogil=True)
def corner_rows(
    dist: NDArray[np.float32],
    link_ptr: NDArray[np.int64],
    link_corner: NDArray[np.int64],
    link_dist: NDArray[np.float64],
    point_ids: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Distance from each given stand point to every corner: the best of the corners it sees
    plus the corner table (``routing.table.corner_rows``)."""
    n = dist.shape[0]
    rows = np.full((len(point_ids), n), np.inf)
    for r in range(len(point_ids)):
        p = point_ids[r]
        for at in range(link_ptr[p], link_ptr[p + 1]):
            c, d = link_corner[at], link_dist[at]
            for v in range(n):
                here = d + dist[c, v]
                if here < rows[r, v]:
                    rows[r, v] = here
    return rows


@njit(cache=True, nogil=True)
def arrivals(
    rows: NDArray[np.float64],
    link_ptr: NDArray[np.int64],
    link_corner: NDArray[np.int64],
    link_dist: NDArray[np.float64],
    point_ids: NDArray[np.int64],
) -> NDArray[np.float64]:
    """``via[a, b]``: the shortest walk from point ``a`` to point ``b`` through the corners (``b``
    reached from a corner it sees)."""
    k = len(point_ids)
    via = np.full((k, k), np.inf)
    for b in range(k):
        p = point_ids[b]
        for at in range(link_ptr[p], link_ptr[p + 1]):
            c, d = link_corner[at], link_dist[at]
            for a in range(k):
                here = rows[a, c] + d
                if here < via[a, b]:
                    via[a, b] = here
    return via


@njit(cache=True, nogil=True)
def crosses_blocked(
    blocked: NDArray[np.bool_], x0: float, y0: float, cell: float, a: NDArray[np.float64], b: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Per segment ``a[i]``-``b[i]``: True if a point sampled along it (every 1.6 cells, both ends
    included) lies in a blocked cell (``routing.table.BlockedGrid.crossed``)."""
    rows, cols = blocked.shape
    out = np.zeros(len(a), dtype=np.bool_)
    for i in range(len(a)):
        ax, ay = (a[i, 0] - x0) / cell, (a[i, 1] - y0) / cell
        dx, dy = (b[i, 0] - a[i, 0]) / cell, (b[i, 1] - a[i, 1]) / cell
        count = int(np.hypot(dx, dy) / 1.6) + 2
        for j in range(count):
            t = j / (count - 1)
            col = min(max(int(ax + t * dx), 0), cols - 1)
            row = min(max(int(ay + t * dy), 0), rows - 1)
            if blocked[row, col]:
                out[i] = True
                break
    return out


@njit(cache=True, nogil=True)
def leg_corners(
    pred: NDArray[np.int32],
    corner_dist: NDArray[np.float32],
    rows: NDArray[np.float64],
    link_ptr: NDArray[np.int64],
    link_corner: NDArray[np.int64],
    link_dist: NDArray[np.float64],
    point_ids: NDArray[np.int64],
    walk: NDArray[np.int64],
    straight: NDArray[np.bool_],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The corners each leg of ``walk`` (positions into ``point_ids``) turns at, as one array
    and offsets (``routing.table.leg_path`` for every leg at once); ``straight[i]``: leg ``i``
    needs none."""
    legs = len(walk) - 1
    offsets = np.zeros(legs + 1, dtype=np.int64)
    out = np.empty(0, dtype=np.int64)
    parts = []
    for i in range(legs):
        a, b = walk[i], walk[i + 1]
        if straight[i]:
            parts.append(np.empty(0, dtype=np.int64))
            offsets[i + 1] = offsets[i]
            continue
        pa, pb = point_ids[a], point_ids[b]
        v, best = -1, np.inf
        for at in range(link_ptr[pb], link_ptr[pb + 1]):
            here = rows[a, link_corner[at]] + link_dist[at]
            if here < best:
                v, best = link_corner[at], here
        u, best = -1, np.inf
        for at in range(link_ptr[pa], link_ptr[pa + 1]):
            here = link_dist[at] + corner_dist[link_corner[at], v]
            if here < best:
                u, best = link_corner[at], here
        path = [v]
        while path[-1] != u:
            step = int(pred[u, path[-1]])
            if step < 0:
                path = [-1]
                break
            path.append(step)
        if path[0] < 0:
            parts.append(np.empty(0, dtype=np.int64))
        else:
            parts.append(np.array(path[::-1], dtype=np.int64))
        offsets[i + 1] = offsets[i] + len(parts[-1])
    out = np.empty(offsets[legs], dtype=np.int64)
    for i in range(legs):
        out[offsets[i] : offsets[i + 1]] = parts[i]
    return out, offsets


@njit(cache=True, nogil=True)
def _edges_out(sub: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The finite edges out of each row of ``sub`` (CSR: pointers, targets)."""
    n = sub.shape[0]
    ptr = np.zeros(n + 1, dtype=np.int64)
    for v in range(n):
        ptr[v + 1] = ptr[v] + np.sum(sub[v] < np.inf)
    to = np.empty(ptr[n], dtype=np.int64)
    for v in range(n):
        at = ptr[v]
        for a in range(n):
            if sub[v, a] < np.inf:
                to[at] = a
                at += 1
    return ptr, to


@njit(cache=True, nogil=True)
def _cheapest_per_key(keys: NDArray[np.int64], costs: NDArray[np.float64]) -> NDArray[np.int64]:
    """Positions of the cheapest entry of each distinct key."""
    order = np.argsort(keys)
    kept = 0
    for i in range(len(order)):
        j = order[i]
        if kept > 0 and keys[order[kept - 1]] == keys[j]:
            if costs[j] < costs[order[kept - 1]]:
                order[kept - 1] = j
        else:
            order[kept] = j
            kept += 1
    return order[:kept]


@njit(cache=True, nogil=True)
def pruned_walk(
    sub: NDArray[np.float64],
    enter: NDArray[np.float64],
    leave: NDArray[np.float64],
    owner: NDArray[np.int64],
    place_level: NDArray[np.int64],
    level_masks: NDArray[np.int64],
    cheapest_in: NDArray[np.float64],
    last_leg: float,
    charge: NDArray[np.float64],
    last_charge: NDArray[np.float64],
    limit: float,
    max_states: int,
    max_work: int,
) -> tuple[float, NDArray[np.int64], bool]:
    """The layered DP of ``routing.prune.shortest_walk`` over (stops visited, place) states:
    only edges of ``sub`` that are finite, only states whose cost plus the larger of two bounds
    on the rest (the cheapest way into each unvisited stop and the last leg; the stops'
    ``charge`` and the place's ``last_charge``) stays within ``limit``. Returns the shortest
    walk's length and places (by layer) and True; (inf, empty, True) when no walk is within the
    limit; (inf, empty, False) when it gave up: a layer would hold more than ``max_states``
    states, or the ways on scored would pass ``max_work`` (checked before each layer)."""
    places = sub.shape[0]
    stops = cheapest_in.shape[0]
    nothing = np.empty(0, dtype=np.int64)
    out_ptr, out_to = _edges_out(sub)
    remaining, charged = cheapest_in.sum(), charge.sum()
    # A state: its place, cost, stops visited (bits), and the two bounds' parts already paid.
    first = np.array([a for a in range(places) if place_level[a] == 0 and enter[a] < np.inf], dtype=np.int64)
    node, cost = first, enter[first]
    mask = np.left_shift(1, owner[first])
    seen, paid = cheapest_in[owner[first]], charge[owner[first]]
    rest = np.maximum(remaining - seen + last_leg, charged - paid + last_charge[first])
    keep = cost + rest <= limit
    node, cost, mask, seen, paid = node[keep], cost[keep], mask[keep], seen[keep], paid[keep]
    layer_nodes = [node]
    layer_parents = [np.full(len(node), -1, dtype=np.int64)]
    work = 0
    for _ in range(1, stops):
        if len(node) == 0:
            return np.inf, nothing, True
        if len(node) > max_states:
            return np.inf, nothing, False
        size = 0
        for s in range(len(node)):
            size += out_ptr[node[s] + 1] - out_ptr[node[s]]
        work += size
        if work > max_work:
            return np.inf, nothing, False
        keys = np.empty(size, dtype=np.int64)
        costs = np.empty(size)
        came = np.empty(size, dtype=np.int64)
        n = 0
        for s in range(len(node)):
            level = len(level_masks) - 1
            for i in range(len(level_masks)):
                if level_masks[i] & ~mask[s]:
                    level = i
                    break
            for at in range(out_ptr[node[s]], out_ptr[node[s] + 1]):
                a = out_to[at]
                g = owner[a]
                if mask[s] & (1 << g) or place_level[a] != level:
                    continue
                reach = cost[s] + sub[node[s], a]
                entered = remaining - seen[s] - cheapest_in[g] + last_leg
                charged_rest = charged - paid[s] - charge[g] + last_charge[a]
                if reach + max(entered, charged_rest) <= limit:
                    keys[n], costs[n], came[n] = (mask[s] | (1 << g)) * places + a, reach, s
                    n += 1
        if n == 0:
            return np.inf, nothing, True
        chosen = _cheapest_per_key(keys[:n], costs[:n])
        parents = came[chosen]
        node = keys[chosen] % places
        mask = keys[chosen] // places
        cost = costs[chosen]
        seen = seen[parents] + cheapest_in[owner[node]]
        paid = paid[parents] + charge[owner[node]]
        layer_nodes.append(node)
        layer_parents.append(parents)
    finish = cost + leave[node]
    at = int(np.argmin(finish))
    best = finish[at]
    if not best < np.inf:
        return np.inf, nothing, True
    walk = np.empty(stops, dtype=np.int64)
    for layer in range(stops - 1, -1, -1):
        walk[layer] = layer_nodes[layer][at]
        at = layer_parents[layer][at]
    return best, walk, True


# -- local search (routing.solve._local_search) ----------------------------------------------
#
# A walk is ``s`` (node per position: the start, the stops, the end) with ``owner`` (the stop each
# position serves; -1 at both ends). Blocks are position ranges [lo, hi] that moves stay inside.
# ``fwd[k]``/``bwd[k]``: the walk's legs before position k forwards / backwards, from ``lo`` on.


@njit(cache=True, nogil=True)
def _walked(
    m: NDArray[np.float64], s: NDArray[np.int64], lo: int, fwd: NDArray[np.float64], bwd: NDArray[np.float64]
) -> None:
    fwd[0], bwd[0] = 0.0, 0.0
    for k in range(len(s) - 1):
        step_f, step_b = (m[s[k], s[k + 1]], m[s[k + 1], s[k]]) if k >= lo else (0.0, 0.0)
        fwd[k + 1], bwd[k + 1] = fwd[k] + step_f, bwd[k] + step_b


@njit(cache=True, nogil=True)
def _two_opt(
    m: NDArray[np.float64], s: NDArray[np.int64], owner: NDArray[np.int64], lo: int, hi: int,
    fwd: NDArray[np.float64], bwd: NDArray[np.float64],
) -> float:  # fmt: skip
    """The best reversal of a run s[a..b] (lo <= a < b <= hi), made; its gain (0: none)."""
    if hi - lo < 1:
        return 0.0
    _walked(m, s, lo, fwd, bwd)
    best, best_a, best_b = np.inf, -1, -1
    for a in range(lo, hi + 1):
        for b in range(a + 1, hi + 1):
            delta = _reversal(m, s, fwd, bwd, a, b)
            if delta < best:
                best, best_a, best_b = delta, a, b
    if best >= -1e-9:
        return 0.0
    return _reverse(s, owner, best_a, best_b, best)


@njit(cache=True, nogil=True)
def _reversal(
    m: NDArray[np.float64], s: NDArray[np.int64], fwd: NDArray[np.float64], bwd: NDArray[np.float64], a: int, b: int
) -> float:
    """What reversing s[a..b] changes the walk's length by (prefix sums: O(1) in any table)."""
    delta: float = (m[s[a - 1], s[b]] + m[s[a], s[b + 1]] - m[s[a - 1], s[a]] - m[s[b], s[b + 1]]
                    + (bwd[b] - bwd[a])) - (fwd[b] - fwd[a])  # fmt: skip
    return delta


@njit(cache=True, nogil=True)
def _reverse(s: NDArray[np.int64], owner: NDArray[np.int64], a: int, b: int, delta: float) -> float:
    """Reverse s[a..b] (and its owners); the gain, ``-delta``."""
    s[a : b + 1] = s[a : b + 1][::-1].copy()
    owner[a : b + 1] = owner[a : b + 1][::-1].copy()
    return -delta


@njit(cache=True, nogil=True)
def _or_opt(
    m: NDArray[np.float64], s: NDArray[np.int64], owner: NDArray[np.int64], lo: int, hi: int, longest: int,
    fwd: NDArray[np.float64], bwd: NDArray[np.float64],
) -> float:  # fmt: skip
    """The best move of a run of 1..``longest`` positions (maybe reversed) to between two others
    of the block, made; its gain (0: none)."""
    _walked(m, s, lo, fwd, bwd)
    best, move_a, move_b, move_p, move_flip = 1e-9, -1, -1, -1, False
    for run in range(1, longest + 1):
        for flip in (False, True):
            if flip and run == 1:  # a single stop reversed is the same stop
                continue
            for a in range(lo, hi - run + 2):
                b = a + run - 1
                removed = m[s[a - 1], s[a]] + m[s[b], s[b + 1]] - m[s[a - 1], s[b + 1]]
                internal = (bwd[b] - bwd[a]) - (fwd[b] - fwd[a])
                for p in range(lo - 1, hi + 1):
                    if a - 1 <= p <= b:
                        continue
                    if flip:
                        added = m[s[p], s[b]] + m[s[a], s[p + 1]] - m[s[p], s[p + 1]] + internal
                    else:
                        added = m[s[p], s[a]] + m[s[b], s[p + 1]] - m[s[p], s[p + 1]]
                    if removed - added > best:
                        best, move_a, move_b, move_p, move_flip = removed - added, a, b, p, flip
    if move_a < 0:
        return 0.0
    _move_run(s, owner, move_a, move_b, move_p, move_flip)
    return best


@njit(cache=True, nogil=True)
def _move_run(s: NDArray[np.int64], owner: NDArray[np.int64], a: int, b: int, p: int, flip: bool) -> None:
    """Move the run s[a..b] (reversed if ``flip``) to between s[p] and s[p + 1]."""
    segment, segment_owner = s[a : b + 1].copy(), owner[a : b + 1].copy()
    if flip:
        segment, segment_owner = segment[::-1].copy(), segment_owner[::-1].copy()
    run = b - a + 1
    if p < a:  # the run goes back: what lies between shifts right
        s[p + 1 + run : b + 1] = s[p + 1 : a].copy()
        owner[p + 1 + run : b + 1] = owner[p + 1 : a].copy()
        s[p + 1 : p + 1 + run], owner[p + 1 : p + 1 + run] = segment, segment_owner
    else:  # forward: what lies between shifts left
        s[a : p + 1 - run] = s[b + 1 : p + 1].copy()
        owner[a : p + 1 - run] = owner[b + 1 : p + 1].copy()
        s[p + 1 - run : p + 1], owner[p + 1 - run : p + 1] = segment, segment_owner


@njit(cache=True, nogil=True)
def _positions(s: NDArray[np.int64], nodes: int) -> NDArray[np.int64]:
    """Where each node stands in the walk (-1: nowhere; a node twice: its last position)."""
    pos = np.full(nodes, -1, dtype=np.int64)
    for k in range(len(s)):
        pos[s[k]] = k
    return pos


@njit(cache=True, nogil=True)
def _two_opt_near(
    m: NDArray[np.float64], s: NDArray[np.int64], owner: NDArray[np.int64], lo: int, hi: int,
    fwd: NDArray[np.float64], bwd: NDArray[np.float64], near: NDArray[np.int64],
) -> float:  # fmt: skip
    """:func:`_two_opt` over the reversals whose new edges start or end at a near neighbour
    (``near[x]``: the nodes nearest x) of the node they join: O(n K), not O(n^2)."""
    if hi - lo < 1:
        return 0.0
    _walked(m, s, lo, fwd, bwd)
    pos = _positions(s, m.shape[0])
    best, best_a, best_b = -1e-9, -1, -1
    for a in range(lo, hi + 1):
        before, first = s[a - 1], s[a]
        for j in range(near.shape[1]):
            for side in range(2):
                b = pos[near[before, j]] if side == 0 else pos[near[first, j]] - 1
                if b <= a or b > hi:
                    continue
                delta = _reversal(m, s, fwd, bwd, a, b)
                if delta < best:
                    best, best_a, best_b = delta, a, b
    if best_a < 0:
        return 0.0
    return _reverse(s, owner, best_a, best_b, best)


@njit(cache=True, nogil=True)
def _or_opt_near(
    m: NDArray[np.float64], s: NDArray[np.int64], owner: NDArray[np.int64], lo: int, hi: int, longest: int,
    fwd: NDArray[np.float64], bwd: NDArray[np.float64], near: NDArray[np.int64],
) -> float:  # fmt: skip
    """:func:`_or_opt` over the places a run may go where one of its new edges joins a near
    neighbour (``near[x]``) of the run's first or last node: O(n K), not O(n^2)."""
    _walked(m, s, lo, fwd, bwd)
    pos = _positions(s, m.shape[0])
    best, move_a, move_b, move_p, move_flip = 1e-9, -1, -1, -1, False
    for run in range(1, longest + 1):
        for flip in (False, True):
            if flip and run == 1:
                continue
            for a in range(lo, hi - run + 2):
                b = a + run - 1
                x, y = s[a], s[b]
                removed = m[s[a - 1], x] + m[y, s[b + 1]] - m[s[a - 1], s[b + 1]]
                internal = (bwd[b] - bwd[a]) - (fwd[b] - fwd[a])
                # Not reversed: s[p] -> x ... y -> s[p + 1]; reversed: s[p] -> y ... x -> s[p + 1].
                head, tail = (y, x) if flip else (x, y)
                for j in range(near.shape[1]):
                    for side in range(2):
                        p = pos[near[head, j]] if side == 0 else pos[near[tail, j]] - 1
                        if p < lo - 1 or p > hi or a - 1 <= p <= b:
                            continue
                        if flip:
                            added = m[s[p], y] + m[x, s[p + 1]] - m[s[p], s[p + 1]] + internal
                        else:
                            added = m[s[p], x] + m[y, s[p + 1]] - m[s[p], s[p + 1]]
                        if removed - added > best:
                            best, move_a, move_b, move_p, move_flip = removed - added, a, b, p, flip
    if move_a < 0:
        return 0.0
    _move_run(s, owner, move_a, move_b, move_p, move_flip)
    return best


@njit(cache=True, nogil=True)
def _switch_alternatives(
    m: NDArray[np.float64],
    s: NDArray[np.int64],
    owner: NDArray[np.int64],
    ptr: NDArray[np.int64],
    places: NDArray[np.int64],
) -> float:
    """Each stop at its best alternative between its neighbours, made; a positive number if any
    changed."""
    gain = 0.0
    for t in range(1, len(s) - 1):
        g = owner[t]
        if ptr[g + 1] - ptr[g] < 2:
            continue
        low, pick = np.inf, -1
        for q in range(ptr[g], ptr[g + 1]):
            o = places[q]
            cost = m[s[t - 1], o] + m[o, s[t + 1]]
            if cost < low:
                low, pick = cost, o
        if low < m[s[t - 1], s[t]] + m[s[t], s[t + 1]] - 1e-9:
            s[t] = pick
            gain += m[s[t - 1], s[t]] + 1e-6  # any positive amount: keep going
    return gain


@njit(cache=True, nogil=True)
def _relocate_alternative(
    m: NDArray[np.float64], s: NDArray[np.int64], owner: NDArray[np.int64], lo: int, hi: int,
    ptr: NDArray[np.int64], places: NDArray[np.int64],
) -> float:  # fmt: skip
    """The best move of one stop with alternatives to another place in the block *and* any of its
    alternatives (the other shelf may fit elsewhere in the walk), made; its gain (0: none)."""
    best, move_t, move_at, move_node = 1e-9, -1, -1, -1
    for t in range(lo, hi + 1):
        g = owner[t]
        if ptr[g + 1] - ptr[g] < 2:
            continue
        removed = m[s[t - 1], s[t]] + m[s[t], s[t + 1]] - m[s[t - 1], s[t + 1]]
        for at in range(lo, hi + 1):  # between rest[at - 1] and rest[at], rest = s without t
            a = s[at - 1] if at - 1 < t else s[at]
            b = s[at] if at < t else s[at + 1]
            for q in range(ptr[g], ptr[g + 1]):
                o = places[q]
                gain = removed - (m[a, o] + m[o, b] - m[a, b])
                if gain > best:
                    best, move_t, move_at, move_node = gain, t, at, o
    if move_t < 0:
        return 0.0
    g = owner[move_t]
    if move_at <= move_t:
        s[move_at + 1 : move_t + 1] = s[move_at:move_t].copy()
        owner[move_at + 1 : move_t + 1] = owner[move_at:move_t].copy()
    else:
        s[move_t:move_at] = s[move_t + 1 : move_at + 1].copy()
        owner[move_t:move_at] = owner[move_t + 1 : move_at + 1].copy()
    s[move_at], owner[move_at] = move_node, g
    return best


@njit(cache=True, nogil=True)
def settle(
    m: NDArray[np.float64], s: NDArray[np.int64], owner: NDArray[np.int64], blocks: NDArray[np.int64],
    ptr: NDArray[np.int64], places: NDArray[np.int64], longest: int, rounds: int,
    near: NDArray[np.int64], near_from: int,
) -> bool:  # fmt: skip
    """Improving moves on the walk ``s``/``owner`` in place, at most ``rounds`` rounds: in each
    block the best 2-opt and the best Or-opt (runs of up to ``longest``), each stop's best
    alternative, then in each block the best move of a stop to another place and shelf. True
    once a round finds nothing (a local optimum). A stop's alternatives are
    ``places[ptr[g]:ptr[g + 1]]``.

    In blocks of at least ``near_from`` stops 2-opt and Or-opt look only at moves joining near
    neighbours (``near``, :func:`_two_opt_near`), until a round finds none; a round over every
    move then confirms the local optimum (or finds moves, and the near rounds go on)."""
    fwd, bwd = np.empty(len(s)), np.empty(len(s))
    long_block = False
    for k in range(blocks.shape[0]):
        long_block = long_block or blocks[k, 1] - blocks[k, 0] + 1 >= near_from
    full = not long_block  # every move this round (else near moves in the long blocks)
    for _ in range(rounds):
        gain = 0.0
        for k in range(blocks.shape[0]):
            lo, hi = blocks[k, 0], blocks[k, 1]
            if full or hi - lo + 1 < near_from:
                gain += _two_opt(m, s, owner, lo, hi, fwd, bwd)
                gain += _or_opt(m, s, owner, lo, hi, longest, fwd, bwd)
            else:
                gain += _two_opt_near(m, s, owner, lo, hi, fwd, bwd, near)
                gain += _or_opt_near(m, s, owner, lo, hi, longest, fwd, bwd, near)
        gain += _switch_alternatives(m, s, owner, ptr, places)
        for k in range(blocks.shape[0]):
            gain += _relocate_alternative(m, s, owner, blocks[k, 0], blocks[k, 1], ptr, places)
        if gain <= 1e-9:
            if full:
                return True
            full = True  # confirm with every move
        else:
            full = not long_block
    return False


@njit(cache=True, nogil=True)
def along_aisles(
    p: NDArray[np.float64],
    q: NDArray[np.float64],
    starts: NDArray[np.float64],
    ends: NDArray[np.float64],
    unit: NDArray[np.float64],
    offset: NDArray[np.float64],
    which: NDArray[np.int64],
    aisles: int,
    cos_angle: float,
    reach: float,
    share_min: float,
    length_min: float,
    end_m: float,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """For walks from ``p[i]`` to ``q[i]`` along a store's aisle shelf faces (``starts``/``ends``,
    direction ``unit``, line ``offset``, aisle ``which``): the aisle each runs along (-1: none)
    and whether it ends within ``end_m`` of that aisle's far end. A face counts for a walk when it
    runs within the angle whose cosine is ``cos_angle`` and its line passes within ``reach`` of
    the walk's middle; the aisle with the longest stretch of such faces beside the walk wins if
    that is at least ``share_min`` of a walk of ``length_min`` or more (catalog.directions)."""
    w, m = p.shape[0], starts.shape[0]
    aisle = np.full(w, -1, dtype=np.int64)
    at_end = np.zeros(w, dtype=np.bool_)
    share = np.empty(aisles)
    high = np.empty(m)
    for i in range(w):
        dx, dy = q[i, 0] - p[i, 0], q[i, 1] - p[i, 1]
        length = np.hypot(dx, dy)
        ux, uy = dx / max(length, 1e-9), dy / max(length, 1e-9)
        mx, my = (p[i, 0] + q[i, 0]) / 2, (p[i, 1] + q[i, 1]) / 2
        along = ux * p[i, 0] + uy * p[i, 1]
        share[:] = 0.0
        for j in range(m):
            ta = ux * starts[j, 0] + uy * starts[j, 1] - along
            tb = ux * ends[j, 0] + uy * ends[j, 1] - along
            low, high[j] = min(ta, tb), max(ta, tb)
            parallel = abs(ux * unit[j, 0] + uy * unit[j, 1]) >= cos_angle
            beside = abs(my * unit[j, 0] - mx * unit[j, 1] - offset[j]) <= reach
            if parallel and beside:
                share[which[j]] += max(min(high[j], length) - max(low, 0.0), 0.0)
        best = 0
        for a in range(aisles):
            if share[a] > share[best]:
                best = a
        if aisles and share[best] >= share_min * length and length >= length_min:
            aisle[i] = best
            far = -np.inf
            for j in range(m):
                if which[j] == best and high[j] > far:
                    far = high[j]
            at_end[i] = length >= far - end_m
    return aisle, at_end


def warm_up() -> None:
    """Load every kernel from the cache (or compile it) now, so that no request waits for it."""
    w = np.array([[np.inf, 1.0, 2.0], [1.0, np.inf, 1.0], [2.0, 1.0, np.inf]])
    parent = np.empty(3, dtype=np.int64)
    spanning_tree(w, parent)
    heaviest_on_tree_paths(w, parent)
    group = np.arange(3, dtype=np.int64)
    boundary = np.full((3, 3), -1, dtype=np.int64)
    ascent(w, np.ones(2), boundary, group, 4.0, 2, 1, np.zeros(3), np.zeros(0))
    held_karp(np.zeros((2, 2)), np.ones(2), np.arange(2, dtype=np.int64), 2)
    one = np.zeros(1, dtype=np.int64)
    pruned_walk(np.full((1, 1), np.inf), np.ones(1), np.ones(1), one, one, np.ones(1, dtype=np.int64), np.ones(1),
                0.0, np.ones(1), np.ones(1), 10.0, 10, 10)  # fmt: skip
    ptr, ids = np.array([0, 1, 2], dtype=np.int64), np.array([0, 1], dtype=np.int64)
    rows = corner_rows(np.zeros((2, 2), dtype=np.float32), ptr, ids, np.ones(2), ids)
    arrivals(rows, ptr, ids, np.ones(2), ids)
    crosses_blocked(np.zeros((2, 2), dtype=np.bool_), 0.0, 0.0, 0.5, np.zeros((1, 2)), np.ones((1, 2)))
    pred = np.zeros((2, 2), dtype=np.int32)
    straight = np.zeros(1, dtype=np.bool_)
    leg_corners(pred, np.zeros((2, 2), dtype=np.float32), rows, ptr, ids, np.ones(2), ids, ids, straight)
    walk, owner = np.arange(4, dtype=np.int64), np.array([-1, 0, 1, -1], dtype=np.int64)
    settle(np.ones((4, 4)), walk, owner, np.array([[1, 2]], dtype=np.int64), np.array([0, 1, 2], dtype=np.int64),
           np.array([1, 2], dtype=np.int64), 3, 2, np.zeros((4, 1), dtype=np.int64), 1)  # fmt: skip
    xy = np.zeros((1, 2))
    along_aisles(xy, xy + 1.0, xy, xy + 1.0, xy + 1.0, np.zeros(1), one, 1, 0.9, 2.0, 0.4, 2.0, 1.0)
