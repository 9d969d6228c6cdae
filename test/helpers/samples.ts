import { type ZodType, z } from "zod";
import type { JsonSchema } from "./http-world.ts";

/**
 * Request data generated from zod schemas (through their JSON Schema), for the generated
 * route tests: a valid value for a field, and the mutations of a valid body that must each
 * be rejected with 400.
 */
export const jsonSchemaOf = (schema: ZodType) =>
  z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;

export const jsonTypes = (s: JsonSchema): Set<string> => {
  const out = new Set<string>();
  if (s.anyOf) for (const x of s.anyOf) for (const y of jsonTypes(x)) out.add(y);
  if (Array.isArray(s.type)) for (const y of s.type) out.add(y);
  else if (s.type) out.add(s.type);
  if (out.has("integer")) out.add("number");
  return out;
};

let counter = 0;

/** A valid value for one field (not a reference: those need a real row's id). */
export function exampleOf(prop: JsonSchema): unknown {
  const option = prop.anyOf?.find((x) => x.type !== "null");
  if (option) return exampleOf(option);
  if (prop.enum) return prop.enum[0];
  const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== "null") : prop.type;
  const n = ++counter;
  if (type === "string") {
    if (prop.format === "email") return `example-${n}@example.test`;
    if (prop.format === "date") return `2030-01-0${(n % 9) + 1}`;
    if (prop.format === "date-time") return `2030-01-01T00:00:${String(n % 60).padStart(2, "0")}Z`;
    if (prop.format === "uuid") return crypto.randomUUID();
    if (prop.pattern) return "1";
    return `Example ${n}`.slice(0, prop.maxLength ?? 100);
  }
  if (type === "integer" || type === "number") return prop.minimum ?? 1;
  if (type === "boolean") return true;
  if (type === "array") return [];
  return {};
}

const CANDIDATES: Array<[string, unknown]> = [
  ["number", 12345],
  ["string", "not-the-right-type"],
  ["boolean", true],
  ["array", ["x"]],
  ["object", { x: 1 }],
];

/** The mutations of a valid body that must each be rejected with 400. */
export function badBodies(schema: JsonSchema, valid: Record<string, unknown>) {
  const out: Array<[string, unknown]> = [
    ["unknown field", { ...valid, zz_not_a_column: 1 }],
    ["not an object", ["a"]],
  ];
  for (const name of schema.required ?? []) {
    const copy = { ...valid };
    delete copy[name];
    out.push([`missing ${name}`, copy]);
  }
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const types = jsonTypes(prop);
    if (types.size === 0) continue;
    const wrong = CANDIDATES.find(([type]) => !types.has(type));
    if (wrong) out.push([`${name} as ${wrong[0]}`, { ...valid, [name]: wrong[1] }]);
    const enums = prop.enum ?? prop.anyOf?.find((x) => x.enum)?.enum;
    if (enums)
      out.push([`${name} outside its enum`, { ...valid, [name]: "definitely_not_a_valid_value" }]);
    const format = prop.format ?? prop.anyOf?.find((x) => x.format)?.format;
    if (format === "uuid")
      out.push([`${name} not a uuid`, { ...valid, [name]: "1; DROP TABLE users" }]);
    // Money fields by name (whole words, so feedback_text is not a fee).
    if (/(^|_)(cost|price|fees?|amount)(_|$)|(^|_)rate$/.test(name) && types.has("string")) {
      out.push([`${name} negative`, { ...valid, [name]: "-1.00" }]);
    }
  }
  return out;
}

/** A query value its parameter must refuse (400), or undefined when any string is valid. */
export function badQueryValue(prop: JsonSchema): string | undefined {
  const option = prop.anyOf?.find((x) => x.type !== "null") ?? prop;
  if (option.enum) return "definitely_not_a_valid_value";
  if (option.format === "uuid") return "not-a-uuid";
  if (option.format) return "not-a-date";
  if (option.type === "integer" || option.type === "number") return "abc";
  if (option.pattern) return "not matching";
  if (option.maxLength !== undefined) return "x".repeat(option.maxLength + 1);
  return undefined;
}
