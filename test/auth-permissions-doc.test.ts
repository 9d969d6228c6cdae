import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PERMISSIONS, ROLES, roleCan } from "../shared/permissions.ts";

describe("docs/permissions.md", () => {
  it("documents exactly the matrix in shared/permissions.ts", () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, "../docs/permissions.md"), "utf8");
    const table = /<!-- matrix:start[^>]*-->\n([\s\S]*?)\n<!-- matrix:end -->/.exec(doc)?.[1] ?? "";
    const rows = table.split("\n").slice(2);
    const documented = rows.map((row) => {
      const cells = row
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim());
      return {
        permission: cells[0]?.replaceAll("`", ""),
        grants: cells.slice(1).map((c) => c === "✓"),
      };
    });
    expect(documented.map((d) => d.permission)).toEqual([...PERMISSIONS]);
    for (const d of documented) {
      expect(d.grants, d.permission).toEqual(
        ROLES.map((r) => roleCan(r, d.permission as (typeof PERMISSIONS)[number])),
      );
    }
    for (const p of PERMISSIONS) expect(doc, `permission ${p} has no description`).toContain(p);
  });
});
