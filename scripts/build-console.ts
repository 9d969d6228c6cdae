import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * `npm run build`: bundles the web console (console/src, docs/console.md) into console/dist,
 * which the server serves at `/`. esbuild bundles the TypeScript (with the shared typed
 * client, socket.io-client, lit-html and zod) and the stylesheet, names each output after
 * its content hash, and index.html is written pointing at them. The new dist is built
 * beside the old one and swapped in by rename, so a server never serves half a build.
 * Runs in well under a second; scripts/ensure-deps.sh runs it on every set-up.
 */
const root = fileURLToPath(new URL("../console/", import.meta.url));
const dist = path.join(root, "dist");
const staging = path.join(root, `.dist-${process.pid}-${randomBytes(3).toString("hex")}`);

const started = performance.now();
await mkdir(staging, { recursive: true });
try {
  const result = await build({
    entryPoints: { app: path.join(root, "src/main.ts"), style: path.join(root, "src/styles.css") },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022", "chrome120", "firefox120", "safari17"],
    minify: true,
    sourcemap: "linked",
    entryNames: "[name]-[hash]",
    outdir: staging,
    metafile: true,
    legalComments: "linked",
    logLevel: "warning",
  });
  const outputOf = (entry: string) => {
    const found = Object.entries(result.metafile.outputs).find(
      ([, meta]) => meta.entryPoint && path.resolve(meta.entryPoint) === path.join(root, entry),
    );
    if (!found) throw new Error(`esbuild wrote no output for ${entry}`);
    return path.basename(found[0]);
  };
  const html = (await readFile(path.join(root, "index.html"), "utf8"))
    .replace("%APP_JS%", outputOf("src/main.ts"))
    .replace("%APP_CSS%", outputOf("src/styles.css"));
  await writeFile(path.join(staging, "index.html"), html);
  const old = `${dist}.old-${process.pid}`;
  await rename(dist, old).catch(() => {});
  try {
    await rename(staging, dist);
  } catch (err) {
    // Another build (parallel test files after an edit) swapped its dist in between: it
    // was built from the same sources, so keep it and drop ours.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
    await rm(staging, { recursive: true, force: true });
  }
  await rm(old, { recursive: true, force: true });
} catch (err) {
  await rm(staging, { recursive: true, force: true });
  throw err;
}
console.log(
  `==> web console built into console/dist (${Math.round(performance.now() - started)} ms)`,
);
