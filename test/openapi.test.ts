import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { api, testServer } from "./helpers/runtime.ts";

describe("GET /api/v1/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document covering every route, generated from the zod schemas", async () => {
    const { url } = await testServer();
    const res = await api(url, "GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(res.body.openapi).toBe("3.1.0");
    const paths = Object.keys(res.body.paths);
    for (const p of ["/api/v1/auth/login", "/api/v1/users/{id}", "/api/v1/audit/verify"])
      expect(paths).toContain(p);
    // The login body schema comes from the same zod schema the route validates with.
    const login = res.body.paths["/api/v1/auth/login"].post;
    expect(login.requestBody.content["application/json"].schema.properties).toHaveProperty("email");
    expect(login.security).toEqual([]);
    expect(res.body.paths["/api/v1/users/{id}"].get.security).toEqual([{ bearer: [] }]);
  });
});
