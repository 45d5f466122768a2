// What an app developer writes against the TypeScript client generated from the running app's
// OpenAPI document (openapi-typescript types + openapi-fetch). tests/clients/test_clients.py
// generates schema.d.ts, type-checks this file with strict tsc, then runs it against a live server:
// a response shape that changes under it fails one or the other.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type Schemas = components["schemas"];
type Stock = Schemas["Stock"];
type Confidence = Schemas["Confidence"];

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`no ${what}`);
  return value;
}

// The shopper's flow: a store nearby, search, where it is, the route, a re-plan, a report.
export async function shopper(baseUrl: string): Promise<string[]> {
  const api = createClient<paths>({ baseUrl });
  const seen: string[] = [];

  const nearby = must((await api.GET("/v1/stores", { params: { query: { lat: 52.52, lon: 13.41, limit: 5 } } })).data, "stores");
  const store = must(nearby.stores[0], "store");
  // null only for a search by words alone (q without a point)
  const distance: number | null = store.distance_m;
  seen.push(`store ${store.id} at ${distance} m`);
  const named = must((await api.GET("/v1/stores", { params: { query: { q: store.name } } })).data, "stores by name");
  const open: boolean | null | undefined = named.stores[0]?.open_now;
  seen.push(`by name ${named.stores.map((s) => s.id).join(" ")} open ${open}`);

  const one = must((await api.GET("/v1/stores/{store_id}", { params: { path: { store_id: store.id } } })).data, "store");
  const planVersion: number | null = one.floorplan_version;
  seen.push(`plan v${planVersion}`);

  const found = must(
    (await api.GET("/v1/stores/{store_id}/products", { params: { path: { store_id: store.id }, query: { q: "milk" } } })).data,
    "search",
  );
  const hit = must(found.results[0], "hit");
  const score: number = hit.score;
  seen.push(`search ${hit.sku} ${score}`);

  const where = must(
    (await api.GET("/v1/stores/{store_id}/products/{sku}/locations", { params: { path: { store_id: store.id, sku: hit.sku } } })).data,
    "locations",
  );
  for (const place of where.locations) {
    const stock: Stock = place.stock;
    const confidence: Confidence = place.confidence;
    const aisle: string | null = place.aisle;
    seen.push(`at ${place.shelf} aisle ${aisle} ${stock} ${confidence} (${place.x}, ${place.y})`);
  }

  const list: Schemas["ItemIn"][] = [{ sku: hit.sku }, { query: "bread", quantity: 2 }];
  const located = must((await api.POST("/v1/stores/{store_id}/locate", { params: { path: { store_id: store.id } }, body: { items: list } })).data, "locate");
  for (const r of located.results) {
    const reason: Schemas["UnresolvedReason"] | null | undefined = r.reason;
    seen.push(`located ${r.sku ?? "-"} ${reason ?? "ok"}`);
  }

  const route = must((await api.POST("/v1/stores/{store_id}/route", { params: { path: { store_id: store.id } }, body: { items: list } })).data, "route");
  const optimal: boolean = route.optimal;
  for (const stop of route.stops) {
    const kind: Schemas["StopKind"] = stop.kind;
    seen.push(`${kind} ${stop.sku ?? stop.id ?? ""} +${stop.leg_m} m`);
  }
  seen.push(`route ${route.distance_m} m, ${route.eta_s} s, optimal ${optimal}`);

  const here = must(route.path[1], "path point");
  const replan = must(
    (await api.POST("/v1/stores/{store_id}/route", {
      params: { path: { store_id: store.id } },
      body: { items: list, start: { x: must(here[0], "x"), y: must(here[1], "y") }, end: "any" },
    })).data,
    "re-plan",
  );
  seen.push(`re-plan ${replan.distance_m} m snapped ${replan.snapped_m ?? 0}`);

  const report = await api.POST("/v1/stores/{store_id}/feedback", {
    params: { path: { store_id: store.id } },
    body: { kind: "route_rating", rating: 5 },
    headers: { "Idempotency-Key": `rating-${route.distance_m}` },
  });
  const status: "accepted" = must(report.data, "feedback").status;
  seen.push(`feedback ${status}`);

  const bundle = must((await api.GET("/v1/stores/{store_id}/bundle", { params: { path: { store_id: store.id } } })).data, "bundle");
  const first: Schemas["LocationsOut"] | undefined = bundle.products[0];
  seen.push(`bundle ${bundle.version} complete ${bundle.complete} ${bundle.products.length} products ${first?.sku ?? ""}`);
  return seen;
}

// The store manager's flow: a draft plan, publish it, products, placements.
export async function manager(baseUrl: string, token: string, storeId: string, plan: Schemas["FloorPlan"]): Promise<string[]> {
  const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const seen: string[] = [];

  const draft = must(
    (await api.PUT("/v1/stores/{store_id}/floorplan", {
      params: { path: { store_id: storeId } },
      body: plan,
      headers: { "Content-Type": "application/geo+json" },
    })).data,
    "upload",
  );
  const status: Schemas["VersionStatus"] = draft.status;
  const added: string[] = draft.report.diff?.shelves.added ?? [];
  seen.push(`draft v${draft.version} ${status}, ${draft.report.features.shelves} shelves, ${added.length} added`);

  const live = must(
    (await api.POST("/v1/stores/{store_id}/floorplan/versions/{version}/activate", {
      params: { path: { store_id: storeId, version: draft.version } },
    })).data,
    "activate",
  );
  seen.push(`live v${live.floorplan_version}`);

  const products: Schemas["ProductIn"][] = [
    { sku: "ts-milk", name: "Whole Milk", storage: "chilled", names: { de: "Vollmilch" } },
    { sku: "ts-bread", name: "Sourdough Bread", keywords: ["loaf"] },
  ];
  const upserted = must((await api.PUT("/v1/products", { body: products })).data, "products");
  seen.push(`upserted ${upserted.upserted}`);

  const shelf = must(plan.features.find((f) => f.properties.kind === "shelf")?.properties.id ?? undefined, "a shelf");
  const placed = must(
    (await api.POST("/v1/stores/{store_id}/placements", {
      params: { path: { store_id: storeId } },
      body: products.map((p) => ({ sku: p.sku, shelf, stock: "in_stock" as const })),
    })).data,
    "placements",
  );
  seen.push(`planogram v${placed.planogram_version} (${placed.rows} rows)`);

  const versions = must((await api.GET("/v1/stores/{store_id}/floorplan/versions", { params: { path: { store_id: storeId } } })).data, "versions");
  seen.push(`versions ${versions.versions.map((v) => `${v.version}:${v.status}`).join(" ")}`);

  const insights = must((await api.GET("/v1/stores/{store_id}/insights", { params: { path: { store_id: storeId } } })).data, "insights");
  const mean: number | null = insights.ratings.mean;
  seen.push(`insights: ${insights.searches.length} searches in vain, rating ${mean}`);
  return seen;
}

// node usage.js <base url> <admin token> <store id> <plan.json>
const [baseUrl, token, storeId, planFile] = process.argv.slice(2);
if (baseUrl && token && storeId && planFile) {
  const { readFileSync } = await import("node:fs");
  const plan = JSON.parse(readFileSync(planFile, "utf8")) as Schemas["FloorPlan"];
  for (const line of [...(await manager(baseUrl, token, storeId, plan)), ...(await shopper(baseUrl))]) console.log(line);
}
