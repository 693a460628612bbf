// Peer: DuckDB writing the same log-mel rows to Parquet (zstd), one thread. The rows are loaded into an in-memory
// table first, so only the write is timed. Prints one JSON line: float payload MB/s, as the C# side reports it.
// usage: node duckdb-parquet.mjs <logmel_rows.parquet> <out-dir> [min-seconds=3]
import { DuckDBInstance } from "@duckdb/node-api";
import { performance } from "node:perf_hooks";
import { join } from "node:path";

const [rowsPath, outDir, minSecondsArg = "3"] = process.argv.slice(2);
const instance = await DuckDBInstance.create(":memory:");
const db = await instance.connect();
await db.run("SET threads = 1");
await db.run(`CREATE TABLE t AS SELECT * FROM read_parquet('${rowsPath.replaceAll("'", "''")}')`);
const payload = Number((await (await db.runAndReadAll("SELECT sum(len(log_mel)) * 4 AS b FROM t")).getRowObjects())[0].b);
const version = (await (await db.runAndReadAll("SELECT version() AS v")).getRowObjects())[0].v;
const out = join(outDir, "duckdb_out.parquet").replaceAll("'", "''");
const write = () => db.run(`COPY t TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
await write();
let best = Infinity;
const start = performance.now();
let runs = 0;
while (performance.now() - start < Number(minSecondsArg) * 1000 || runs < 3) {
  const t0 = performance.now();
  await write();
  best = Math.min(best, (performance.now() - t0) / 1000);
  runs++;
}
const fileBytes = Number((await (await db.runAndReadAll(`SELECT total_compressed_size FROM (SELECT sum(total_compressed_size) AS total_compressed_size FROM parquet_metadata('${out}'))`)).getRowObjects())[0].total_compressed_size);
console.log(JSON.stringify({
  stage: "parquet",
  implementation: `DuckDB ${version} (zstd)`,
  value: payload / 1e6 / best,
  unit: "mb_per_s",
  detail: { payload_mb: payload / 1e6, file_mb: fileBytes / 1e6, best_s: best },
}));
