import { type Entity, isEntity, STREAMS } from "../shared/realtime/streams.ts";

/**
 * A stream of shared/realtime/streams.ts in the database's vocabulary: the realtime_streams
 * row that its migration call records (migrations/0056_realtime_streams.sql).
 * test/realtime-contract.test.ts compares the database's rows with these.
 */
export function streamDeclaration(entity: Entity) {
  const s = STREAMS[entity];
  return {
    table_name: s.table,
    entity,
    organization: s.organization,
    topics: [...s.topics],
    updates: s.updates.map((u) =>
      "becomes" in u ? `${u.action}:${u.when}=${u.becomes}` : `${u.action}:${u.when}`,
    ),
    anonymous: s.anonymous ? [s.anonymous.flag, ...s.anonymous.hides] : null,
    hold: s.hold,
  };
}

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
const array = (items: readonly string[]) => `ARRAY[${items.map(literal).join(", ")}]`;

/** The migration call that declares the stream to the database. */
function streamCall(entity: Entity): string {
  const d = streamDeclaration(entity);
  const args = [
    d.organization && `organization => ${literal(d.organization)}`,
    `topics => ${array(d.topics)}`,
    d.updates.length > 0 && `updates => ${array(d.updates)}`,
    d.anonymous && `anonymous => ${array(d.anonymous)}`,
    d.hold && `hold => ${literal(d.hold)}`,
  ].filter((a) => typeof a === "string");
  return `SELECT realtime_stream(${literal(d.table_name)}, ${literal(entity)},\n    ${args.join(",\n    ")});`;
}

// `node scripts/realtime-stream-sql.ts [entity…]` prints the calls to paste into a migration.
if (import.meta.main) {
  const wanted = process.argv.slice(2);
  const entities = wanted.length > 0 ? wanted : Object.keys(STREAMS);
  for (const name of entities) {
    if (!isEntity(name)) {
      console.error(`unknown entity ${name}: declare it in shared/realtime/streams.ts first`);
      process.exit(1);
    }
    console.log(`${streamCall(name)}\n`);
  }
}
