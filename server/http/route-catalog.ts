import type { Router } from "express";
import type { ZodType } from "zod";
import type { ResponseDoc } from "./handler.ts";

/** One REST route as mounted, with what the handler validates and who may call it. */
export type CatalogRoute = {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** Express-style path including the mount prefix, e.g. /api/v1/sites/:id */
  path: string;
  schemas: { params?: ZodType; query?: ZodType; body?: ZodType };
  /** What the handler answers: success status and body, extra error statuses. */
  doc: ResponseDoc;
  requiresAuth: boolean;
  permission: string | null;
};

type Marked = {
  schemas?: CatalogRoute["schemas"];
  doc?: ResponseDoc;
  requiresAuth?: boolean;
  permission?: string;
  stack?: Layer[];
};
type Layer = {
  handle: Marked & ((...args: never[]) => unknown);
  rawPath?: string;
  route?: {
    path: string;
    methods: Record<string, boolean>;
    stack: Array<{ handle: Marked; method?: string }>;
  };
};

/**
 * Walks the mounted routers and lists every route. The OpenAPI document and the generated
 * isolation and bad-input tests are built from this, so a new route is documented and
 * tested without anyone remembering to add it to a list.
 */
export function routeCatalog(router: Router, prefix = "", inheritedAuth = false): CatalogRoute[] {
  const out: CatalogRoute[] = [];
  let auth = inheritedAuth;
  let permission: string | null = null;
  for (const layer of (router as unknown as { stack: Layer[] }).stack) {
    if (layer.route) {
      const handles = layer.route.stack.map((l) => l.handle);
      const withSchemas = handles.find((h) => h.schemas);
      const routeAuth = auth || handles.some((h) => h.requiresAuth);
      const routePermission = handles.find((h) => h.permission)?.permission ?? permission;
      for (const method of Object.keys(layer.route.methods)) {
        if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
        out.push({
          method: method as CatalogRoute["method"],
          path: `${prefix}${layer.route.path}`.replace(/\/{2,}/g, "/").replace(/(.)\/$/, "$1"),
          schemas: withSchemas?.schemas ?? {},
          doc: withSchemas?.doc ?? {},
          requiresAuth: routeAuth,
          permission: routePermission,
        });
      }
      continue;
    }
    if (layer.handle.requiresAuth) auth = true;
    if (layer.handle.permission) permission = layer.handle.permission;
    if (layer.handle.stack) {
      const mount = layer.rawPath && layer.rawPath !== "/" ? layer.rawPath : "";
      out.push(...routeCatalog(layer.handle as unknown as Router, `${prefix}${mount}`, auth));
    }
  }
  return out;
}
