import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  EMBEDDING_DIMENSIONS,
  lexicalEmbedding,
  openAICompatibleEmbedding,
} from "../server/ai/embeddings.ts";
import { logger } from "../server/logger.ts";
import type { Runtime } from "../server/runtime.ts";
import { sweepEmbeddings } from "../workers/handlers/embeddings-sweep.ts";
import { buildOrgWithUser, buildUser, sessionFor } from "./factories.ts";
import { api, testRuntime, testServer } from "./helpers/runtime.ts";

const server = await testServer();
const runtime: Runtime = server.runtime;
const db = runtime.serviceDb;

const norm = (v: readonly number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cosine = (a: readonly number[], b: readonly number[]) =>
  a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

const sweep = () =>
  sweepEmbeddings(
    { batch_size: 2 },
    { runtime, signal: new AbortController().signal, jobId: "t", attempt: 1, log: logger },
  );

describe("the offline lexical embedding", () => {
  it("is deterministic, 1536-dimensional and unit length; similar wording is closer", async () => {
    const provider = lexicalEmbedding();
    const [a, b, c, again] = await provider.embed([
      "Worn landing door lock roller",
      "landing door lock rollers worn out",
      "Hydraulic oil leak at the jack",
      "Worn landing door lock roller",
    ]);
    expect(a).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(norm(a!)).toBeCloseTo(1, 9);
    expect(again).toEqual(a);
    expect(cosine(a!, b!)).toBeGreaterThan(0.5);
    expect(cosine(a!, c!)).toBeLessThan(0.2);
    expect(await provider.embed(["", "  ", "the of"])).toEqual([null, null, null]);
  });
});

describe("the OpenAI-compatible /v1/embeddings provider (against a local server)", () => {
  const requests: Array<{ url: string; auth: string; body: any }> = [];
  let answer: (body: any) => { status: number; json: unknown } = () => ({ status: 500, json: {} });
  let baseUrl = "";
  beforeAll(async () => {
    const srv = createServer(async (req: IncomingMessage, res) => {
      let raw = "";
      for await (const chunk of req) raw += chunk;
      const body = JSON.parse(raw);
      requests.push({ url: req.url ?? "", auth: req.headers.authorization ?? "", body });
      const { status, json } = answer(body);
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    baseUrl = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1`;
    afterAll(() => new Promise<void>((r) => srv.close(() => r())));
  });

  const vector = (seed: number, dims = EMBEDDING_DIMENSIONS) =>
    Array.from({ length: dims }, (_, i) => ((i * 7 + seed) % 13) - 6);

  it("sends the model, inputs and dimensions, and maps answers back by index", async () => {
    answer = (body) => ({
      status: 200,
      json: {
        object: "list",
        // Out of order on purpose: `index` says which input each vector is for.
        data: body.input
          .map((_: string, i: number) => ({ object: "embedding", index: i, embedding: vector(i) }))
          .reverse(),
        model: body.model,
      },
    });
    const provider = openAICompatibleEmbedding({ baseUrl, apiKey: "sk-x", model: "emb-test" });
    expect(provider.id).toBe("openai:emb-test:1536");
    const out = await provider.embed(["door fault", "", "oil leak"]);
    const last = requests.at(-1)!;
    expect(last.url).toBe("/v1/embeddings");
    expect(last.auth).toBe("Bearer sk-x");
    expect(last.body).toMatchObject({
      model: "emb-test",
      input: ["door fault", "oil leak"],
      dimensions: 1536,
    });
    expect(out[1]).toBeNull();
    expect(norm(out[0]!)).toBeCloseTo(1, 9);
    expect(
      cosine(
        out[0]!,
        vector(0).map((x) => x / norm(vector(0))),
      ),
    ).toBeCloseTo(1, 9);
    expect(
      cosine(
        out[2]!,
        vector(1).map((x) => x / norm(vector(1))),
      ),
    ).toBeCloseTo(1, 9);
  });

  it("refuses vectors of the wrong size and reports HTTP errors", async () => {
    const provider = openAICompatibleEmbedding({ baseUrl, model: "emb-test" });
    answer = () => ({
      status: 200,
      json: { data: [{ index: 0, embedding: vector(0, 3) }] },
    });
    await expect(provider.embed(["x"])).rejects.toThrow(/1536-d/);
    answer = () => ({ status: 429, json: { error: { message: "slow down" } } });
    await expect(provider.embed(["x"])).rejects.toThrow(/HTTP 429/);
  });
});

const ids = z.object({ id: z.string() });

async function knowledge(authorId: string, orgId: string | null, title: string, status: string) {
  return db.one(sql.type(ids)`
    INSERT INTO knowledge_contributions (author_id, organization_id, title, content, contribution_type, status)
    VALUES (${authorId}, ${orgId}, ${title}, ${`${title}: notes from the field.`}, 'solution', ${status}::contribution_status)
    RETURNING id`);
}

async function document(
  uploadedBy: string,
  orgId: string | null,
  title: string,
  visibility: string,
) {
  return db.one(sql.type(ids)`
    INSERT INTO documents (organization_id, uploaded_by, filename, original_filename, file_type,
                           file_size_bytes, storage_path, title, extracted_text, visibility)
    VALUES (${orgId}, ${uploadedBy}, 'f.pdf', 'f.pdf', 'pdf', 1, '/f.pdf', ${title},
            ${`${title}. Section 4: adjusting the door lock roller.`}, ${visibility}::document_visibility)
    RETURNING id`);
}

async function thread(authorId: string, categoryId: string, title: string, post: string) {
  const t = await db.one(sql.type(ids)`
    INSERT INTO forum_threads (category_id, author_id, title, slug)
    VALUES (${categoryId}, ${authorId}, ${title}, ${title.toLowerCase().replaceAll(" ", "-")})
    RETURNING id`);
  await db.query(sql.unsafe`
    INSERT INTO forum_posts (thread_id, author_id, content) VALUES (${t.id}, ${authorId}, ${post})`);
  return t;
}

async function category(visibility: string, scopeValue: string | null) {
  return db.one(sql.type(ids)`
    INSERT INTO forum_categories (name, slug, scope_type, scope_value, visibility)
    VALUES ('Lifts', ${`lifts-${Math.random().toString(36).slice(2)}`},
            ${visibility === "organization" ? "organization" : "trade"}, ${scopeValue}, ${visibility})
    RETURNING id`);
}

const dirtyCount = () =>
  db.oneFirst(sql.type(z.object({ n: z.number() }))`
    SELECT ((SELECT count(*) FROM knowledge_contributions WHERE embedding_dirty)
          + (SELECT count(*) FROM documents WHERE embedding_dirty)
          + (SELECT count(*) FROM forum_threads t LEFT JOIN forum_thread_embeddings e
               ON e.thread_id = t.id WHERE e.thread_id IS NULL OR e.dirty))::int AS n`);

describe("the embeddings sweep and hybrid search", () => {
  let a: Awaited<ReturnType<typeof buildOrgWithUser>>;
  let b: Awaited<ReturnType<typeof buildOrgWithUser>>;
  const rows = {
    approved: "",
    aDraft: "",
    bDraft: "",
    aDoc: "",
    bDoc: "",
    publicThread: "",
    bThread: "",
  };

  beforeAll(async () => {
    a = await buildOrgWithUser(db, "technician");
    b = await buildOrgWithUser(db, "technician");
    const publicCat = await category("public", null);
    const bOnlyCat = await category("organization", b.orgId);
    rows.approved = (
      await knowledge(b.userId, b.orgId, "Worn landing door lock roller", "approved")
    ).id;
    rows.aDraft = (await knowledge(a.userId, a.orgId, "Door lock roller draft for A", "draft")).id;
    rows.bDraft = (await knowledge(b.userId, b.orgId, "Door lock roller draft for B", "draft")).id;
    rows.aDoc = (await document(a.userId, a.orgId, "KONE door lock manual", "organization")).id;
    rows.bDoc = (
      await document(b.userId, b.orgId, "Secret door lock manual of B", "organization")
    ).id;
    rows.publicThread = (
      await thread(b.userId, publicCat.id, "Door lock roller keeps wearing", "Replace the roller.")
    ).id;
    rows.bThread = (
      await thread(b.userId, bOnlyCat.id, "B only: door lock roller stock", "Internal.")
    ).id;
  });

  it("embeds every changed row once; unchanged content is never re-embedded", async () => {
    const first = await sweep();
    expect(first.knowledge.embedded).toBe(3);
    expect(first.documents.embedded).toBe(2);
    expect(first.forum_threads.embedded).toBeGreaterThanOrEqual(2);
    expect(await dirtyCount()).toBe(0);
    expect(await sweep()).toMatchObject({
      knowledge: { embedded: 0, unchanged: 0 },
      documents: { embedded: 0, unchanged: 0 },
      forum_threads: { embedded: 0, unchanged: 0 },
    });

    // Not part of the text: no re-embedding.
    await db.query(
      sql.unsafe`UPDATE knowledge_contributions SET upvotes = 5 WHERE id = ${rows.approved}`,
    );
    // Rewritten to the same value: the text did not change.
    await db.query(sql.unsafe`UPDATE documents SET title = title WHERE id = ${rows.aDoc}`);
    expect(await dirtyCount()).toBe(0);
    // Flagged by hand but the same text: marked clean without calling the provider.
    await db.query(sql.unsafe`UPDATE documents SET embedding_dirty = true WHERE id = ${rows.aDoc}`);
    expect((await sweep()).documents).toEqual({ embedded: 0, unchanged: 1 });

    // Real changes: an edited contribution, a new post in a thread.
    await db.query(sql.unsafe`
      UPDATE knowledge_contributions SET content = content || ' Also check the coupler.'
       WHERE id = ${rows.approved}`);
    await db.query(sql.unsafe`
      INSERT INTO forum_posts (thread_id, author_id, content)
      VALUES (${rows.publicThread}, ${b.userId}, 'The coupler was misaligned too.')`);
    expect(await dirtyCount()).toBe(2);
    const again = await sweep();
    expect(again.knowledge.embedded).toBe(1);
    expect(again.forum_threads.embedded).toBe(1);
    expect(await dirtyCount()).toBe(0);
  });

  it("re-embedding a thread does not stream a forum_thread event", async () => {
    const events = () =>
      db.oneFirst(sql.type(z.object({ n: z.number() }))`
        SELECT count(*)::int AS n FROM realtime_events WHERE entity_id = ${rows.publicThread}`);
    const before = await events();
    await db.query(sql.unsafe`
      UPDATE forum_thread_embeddings SET dirty = true, embedding_hash = 'x'
       WHERE thread_id = ${rows.publicThread}`);
    expect((await sweep()).forum_threads.embedded).toBe(1);
    expect(await events()).toBe(before);
  });

  const search = (token: string, query: string) =>
    api(server.url, "GET", `/api/v1/search?${query}`, { token });

  it("finds by full text, trigram and vector, fused, and says why each result matched", async () => {
    const res = await search(a.token, "q=door+lock+roller");
    expect(res.status).toBe(200);
    const top = res.body.data.find((r: { id: string }) => r.id === rows.approved);
    expect(top).toMatchObject({ type: "knowledge", title: "Worn landing door lock roller" });
    expect(Object.keys(top.matched_by).sort()).toEqual(["full_text", "trigram", "vector"]);
    expect(top.matched_by.full_text.rank).toBeGreaterThanOrEqual(1);
    expect(top.snippet).toMatch(/<b>/);
    expect(res.body.embedding_provider).toBe("lexical-v1-1536");
    const scores = res.body.data.map((r: { score: number }) => r.score);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
    // A typo still matches by trigram (and vector), not by full text.
    const typo = await search(a.token, "q=lanidng+dor+rollr");
    const hit = typo.body.data.find((r: { id: string }) => r.id === rows.approved);
    expect(hit?.matched_by.full_text).toBeUndefined();
    expect(hit?.matched_by.trigram ?? hit?.matched_by.vector).toBeDefined();
  });

  it("respects visibility and RLS: another organisation's drafts, documents and threads never appear", async () => {
    const seenBy = async (token: string) =>
      new Set(
        (await search(token, "q=door+lock&limit=50")).body.data.map((r: { id: string }) => r.id),
      );
    const forA = await seenBy(a.token);
    expect(forA.has(rows.approved)).toBe(true); // approved knowledge is platform-wide
    expect(forA.has(rows.aDraft)).toBe(true); // own organisation's draft
    expect(forA.has(rows.aDoc)).toBe(true);
    expect(forA.has(rows.publicThread)).toBe(true);
    expect(forA.has(rows.bDraft)).toBe(false);
    expect(forA.has(rows.bDoc)).toBe(false);
    expect(forA.has(rows.bThread)).toBe(false);
    const forB = await seenBy(b.token);
    expect(forB.has(rows.bDoc)).toBe(true);
    expect(forB.has(rows.bThread)).toBe(true);
    expect(forB.has(rows.aDraft)).toBe(false);
    expect(forB.has(rows.aDoc)).toBe(false);
  });

  it("still answers, without vectors, when the embedding provider is down", async () => {
    const down = await testServer(
      await testRuntime({
        EMBEDDINGS_PROVIDER: "openai",
        EMBEDDINGS_BASE_URL: "http://127.0.0.1:9/v1",
      }),
    );
    const res = await api(down.url, "GET", "/api/v1/search?q=door+lock+roller", { token: a.token });
    expect(res.status).toBe(200);
    expect(res.body.unavailable).toEqual(["vector"]);
    const hit = res.body.data.find((r: { id: string }) => r.id === rows.approved);
    expect(hit?.matched_by.full_text).toBeDefined();
    expect(hit?.matched_by.vector).toBeUndefined();
  });

  it("filters by type, validates its input, and needs search:read", async () => {
    const docs = await search(a.token, "q=door+lock&types=documents");
    expect(docs.body.data.map((r: { type: string }) => r.type)).toEqual(["documents"]);
    expect((await search(a.token, "q=")).status).toBe(400);
    expect((await search(a.token, "q=door&types=users")).status).toBe(400);
    expect((await search(a.token, "q=door&limit=0x10")).status).toBe(400);
    expect((await api(server.url, "GET", "/api/v1/search?q=door")).status).toBe(401);
    const guest = await buildUser(db, { organizationId: a.orgId, role: "guest" });
    expect((await search((await sessionFor(db, guest)).token, "q=door")).status).toBe(403);
  });
});
