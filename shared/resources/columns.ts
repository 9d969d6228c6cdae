import { z } from "zod";
import { decimal, isoDate, isoTimestamp, jsonObject, money, text } from "../schemas/fields.ts";

/**
 * Columns of a resource definition, one line each: how the API returns the column (`read`,
 * lenient, since it parses every row read) and whether and how a client writes it (`base`,
 * the validation of a written value). Builders give the common pairs; `.write(schema)`
 * replaces the validation where a column needs its own.
 *
 *   name: col.text(255).required(),        // never null; must be given at creation
 *   code: col.text(50),                    // nullable; optional, and null clears it
 *   country: col.text(100).hasDefault(),   // optional (the default applies), never set to null
 *   site_id: col.uuid().required().createOnly(),
 *   health_score: col.int().readOnly(),    // returned, never written by clients
 *   created_at: col.timestamp().notNull().readOnly(),
 */

/** How a value is sent to Postgres: as is, jsonb, or a typed array. */
export type ColumnKind = "value" | "jsonb" | "text[]" | "int4[]";
/** Written at creation and by PATCH, at creation only, or never by clients. */
export type Mode = "always" | "create" | "never";
/** nullable: null clears it; nonNull: optional but never null; required: given at creation. */
export type Need = "nullable" | "nonNull" | "required";

type NonNull<T extends z.ZodType> = T extends z.ZodNullable<infer X extends z.ZodType> ? X : T;
type Patch<B extends z.ZodType, N extends Need> = N extends "nullable" ? z.ZodNullable<B> : B;
type Create<B extends z.ZodType, N extends Need> = N extends "required"
  ? B
  : z.ZodOptional<Patch<B, N>>;

export class Column<
  R extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  M extends Mode = Mode,
  N extends Need = Need,
> {
  /** What the API returns (parses every row read, so lenient). */
  readonly read: R;
  /** The validation of a written value, before optional/nullable are added. */
  readonly base: B;
  readonly mode: M;
  readonly need: N;
  readonly kind: ColumnKind;

  constructor(read: R, base: B, mode: M, need: N, kind: ColumnKind = "value") {
    this.read = read;
    this.base = base;
    this.mode = mode;
    this.need = need;
    this.kind = kind;
  }

  private nonNull(): NonNull<R> {
    const read: z.ZodType = this.read;
    return (read instanceof z.ZodNullable ? read.unwrap() : read) as NonNull<R>;
  }

  /** NOT NULL without a default: never null in rows, must be given at creation. */
  required() {
    return new Column(this.nonNull(), this.base, this.mode, "required" as const, this.kind);
  }

  /** NOT NULL with a default: never null in rows; optional to write, never null. */
  notNull() {
    return new Column(this.nonNull(), this.base, this.mode, "nonNull" as const, this.kind);
  }

  /** A nullable column with a default clients may not null (status, country): optional to
   *  write, never null; rows stay typed nullable. */
  hasDefault() {
    return new Column(this.read, this.base, this.mode, "nonNull" as const, this.kind);
  }

  /** Returned, never written by clients (computed, stamped by the server or a trigger). */
  readOnly() {
    return new Column(this.read, this.base, "never" as const, this.need, this.kind);
  }

  /** Written at creation only (an elevator's site_id). */
  createOnly() {
    return new Column(this.read, this.base, "create" as const, this.need, this.kind);
  }

  /** Replaces the validation of a written value. */
  write<S extends z.ZodType>(schema: S) {
    return new Column(this.read, schema, this.mode, this.need, this.kind);
  }

  /** The validator in a PATCH body (always optional there). */
  patchSchema(): Patch<B, N> {
    return (this.need === "nullable" ? this.base.nullable() : this.base) as Patch<B, N>;
  }

  /** The validator in a create body. */
  createSchema(): Create<B, N> {
    return (this.need === "required" ? this.base : this.patchSchema().optional()) as Create<B, N>;
  }
}

const nullable = <R extends z.ZodType, B extends z.ZodType>(
  read: R,
  base: B,
  kind: ColumnKind = "value",
) => new Column(read.nullable(), base, "always", "nullable", kind);

/** The column builders; each is nullable and writable until a modifier says otherwise. */
export const col = {
  /** A uuid the server sets (id, organization_id, created_by): non-null, read-only. */
  id: () => new Column(z.string(), z.uuid(), "never", "required"),
  /** A uuid a client sets, usually a reference (declare it in `references`). */
  uuid: () => nullable(z.string(), z.uuid()),
  /** Short text: trimmed, not empty, at most `max` characters. */
  text: (max: number) => nullable(z.string(), text(max)),
  /** Free text kept as given (descriptions, notes), at most `max` characters. */
  string: (max: number) => nullable(z.string(), z.string().max(max)),
  email: () => nullable(z.string(), z.email().max(255)),
  enum: <const V extends readonly [string, ...string[]]>(values: V) =>
    nullable(z.enum(values), z.enum(values)),
  int: (min = 0, max = 2_147_483_647) => nullable(z.number(), z.number().int().min(min).max(max)),
  /** numeric: an exact decimal string (a JSON number is accepted and sent as text). */
  decimal: () => nullable(z.string(), decimal),
  /** Non-negative money with two decimals, a string ("1250.00"). */
  money: () => nullable(z.string(), money),
  bool: () => nullable(z.boolean(), z.boolean()),
  /** 'YYYY-MM-DD' */
  date: () => nullable(z.string(), isoDate),
  /** ISO-8601 with an offset; returned in UTC. */
  timestamp: () => nullable(z.string(), isoTimestamp),
  /** jsonb; clients write a JSON object. */
  json: () => new Column(z.unknown(), jsonObject, "always", "nullable", "jsonb"),
  textArray: (maxItems = 100, maxLength = 1000) =>
    nullable(z.array(z.string()), z.array(z.string().max(maxLength)).max(maxItems), "text[]"),
  intArray: (maxItems = 1000) =>
    nullable(z.array(z.number()), z.array(z.number().int()).max(maxItems), "int4[]"),
};

// biome-ignore lint/suspicious/noExplicitAny: a column of any types, for the mapped types below
export type AnyColumn = Column<any, any, Mode, Need>;
export type Columns = Record<string, AnyColumn>;

export type RowShape<C extends Columns> = { [K in keyof C]: C[K]["read"] };
export type CreateShape<C extends Columns> = {
  [K in keyof C as C[K]["mode"] extends "never" ? never : K]: ReturnType<C[K]["createSchema"]>;
};
export type UpdateShape<C extends Columns> = {
  [K in keyof C as C[K]["mode"] extends "always" ? K : never]: z.ZodOptional<
    ReturnType<C[K]["patchSchema"]>
  >;
};

/** The row schema, create body and PATCH body a definition's columns imply. */
export function schemasOf<C extends Columns>(columns: C) {
  const entries = Object.entries(columns);
  const pick = <T extends z.ZodType>(keep: (c: AnyColumn) => boolean, f: (c: AnyColumn) => T) =>
    Object.fromEntries(entries.filter(([, c]) => keep(c)).map(([k, c]) => [k, f(c)]));
  return {
    row: z.object(
      pick(
        () => true,
        (c) => c.read,
      ) as RowShape<C>,
    ),
    create: z.strictObject(
      pick(
        (c) => c.mode !== "never",
        (c) => c.createSchema(),
      ) as CreateShape<C>,
    ),
    update: z.strictObject(
      pick(
        (c) => c.mode === "always",
        (c) => c.patchSchema().optional(),
      ) as UpdateShape<C>,
    ),
    kinds: Object.fromEntries(entries.map(([k, c]) => [k, c.kind])) as Record<string, ColumnKind>,
  };
}
