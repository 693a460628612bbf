// Independent reader for the .NET tests: runs one SQL statement in an in-memory DuckDB and prints the
// result rows as one JSON array of objects on stdout.
//
//   node duckdb-query.mjs "SELECT * FROM read_parquet('/tmp/x.parquet')"
//
// Values are made JSON-safe: BIGINT/HUGEINT become numbers when they fit exactly (strings otherwise),
// LIST/ARRAY become arrays, STRUCT objects, MAP arrays of {key, value}, timestamps ISO-8601 strings with
// microseconds (TIMESTAMPTZ ends in "Z"; a plain TIMESTAMP has no zone), BLOB base64, NaN/±Infinity strings.
import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBUnionValue,
} from '@duckdb/node-api';

const MicrosPerMilli = 1000n;

function floorDiv(a, b) {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

// Date keeps milliseconds only, so the last three digits of the microseconds are appended by hand.
function isoFromMicros(micros, withZone) {
  const millis = floorDiv(micros, MicrosPerMilli);
  const subMillis = micros - millis * MicrosPerMilli;
  const date = new Date(Number(millis));
  if (Number.isNaN(date.getTime())) {
    return String(micros);
  }
  const iso = date.toISOString(); // yyyy-MM-ddTHH:mm:ss.fffZ
  const micro = subMillis.toString().padStart(3, '0');
  return `${iso.slice(0, -1)}${micro}${withZone ? 'Z' : ''}`;
}

function toJson(value) {
  if (value === null || value === undefined) {
    return null;
  }
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return (value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER))
        ? Number(value)
        : value.toString();
    default:
      break;
  }
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) {
    return value.items.map(toJson);
  }
  if (value instanceof DuckDBStructValue) {
    const result = {};
    for (const [key, entry] of Object.entries(value.entries)) {
      result[key] = toJson(entry);
    }
    return result;
  }
  if (value instanceof DuckDBMapValue) {
    return value.entries.map((entry) => ({ key: toJson(entry.key), value: toJson(entry.value) }));
  }
  if (value instanceof DuckDBUnionValue) {
    return { tag: value.tag, value: toJson(value.value) };
  }
  if (value instanceof DuckDBTimestampTZValue) {
    return value.isFinite ? isoFromMicros(value.micros, true) : value.toString();
  }
  if (value instanceof DuckDBTimestampValue) {
    return value.isFinite ? isoFromMicros(value.micros, false) : value.toString();
  }
  if (value instanceof DuckDBTimestampMillisecondsValue) {
    return isoFromMicros(value.millis * MicrosPerMilli, false);
  }
  if (value instanceof DuckDBTimestampSecondsValue) {
    return isoFromMicros(value.seconds * 1000000n, false);
  }
  if (value instanceof DuckDBTimestampNanosecondsValue) {
    return isoFromMicros(floorDiv(value.nanos, 1000n), false);
  }
  if (value instanceof DuckDBDecimalValue) {
    return value.toDouble();
  }
  if (value instanceof DuckDBBlobValue) {
    return Buffer.from(value.bytes).toString('base64');
  }
  return value.toString();
}

async function main() {
  const sql = process.argv[2];
  if (!sql || process.argv.length !== 3) {
    process.stderr.write('usage: node duckdb-query.mjs "<sql>"\n');
    return 2;
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    // UTC keeps TIMESTAMPTZ casts and renderings independent of the machine's zone.
    await connection.run("SET TimeZone = 'UTC'");
    const reader = await connection.runAndReadAll(sql);
    const rows = reader.getRowObjects().map((row) => {
      const result = {};
      for (const [key, value] of Object.entries(row)) {
        result[key] = toJson(value);
      }
      return result;
    });
    await new Promise((resolve, reject) => {
      process.stdout.write(JSON.stringify(rows), (error) => (error ? reject(error) : resolve()));
    });
    return 0;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exitCode = 1;
}
