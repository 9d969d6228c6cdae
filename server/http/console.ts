import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type RequestHandler, Router } from "express";
import { AppError } from "../errors.ts";

/** Where `npm run build` (scripts/build-console.ts) writes the web console. */
export const CONSOLE_DIST = fileURLToPath(new URL("../../console/dist/", import.meta.url));

/** Built file names carry a content hash (app-3KQ2ZB7D.js): safe to cache for good. */
const HASHED = /-[A-Z0-9]{8}\.(js|css|map)$/;

/**
 * The web console (docs/console.md) at `/`: static files only. It talks to the server
 * through the public REST API and socket protocol like any other client. index.html is
 * revalidated on every load so a rebuild is picked up; hashed assets are immutable.
 */
export function consoleRouter(dist = CONSOLE_DIST): Router {
  const router = Router();
  router.use(
    express.static(dist, {
      index: "index.html",
      setHeaders: (res, file) => {
        res.setHeader(
          "cache-control",
          HASHED.test(path.basename(file)) ? "public, max-age=31536000, immutable" : "no-cache",
        );
      },
    }),
  );
  const notBuilt: RequestHandler = (_req, _res, next) => {
    if (existsSync(path.join(dist, "index.html"))) return next();
    next(new AppError(404, "not_found", "The web console is not built: run `npm run build`"));
  };
  router.get("/", notBuilt);
  return router;
}
