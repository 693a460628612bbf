// Reads GitHub workflow files for the .NET tests: each file parsed as YAML and printed as JSON on stdout,
// { "<file name>": <workflow> | { "__error": "<message>" } }.
//
//   node workflows-read.mjs <file>...
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";

const result = {};
for (const file of process.argv.slice(2)) {
  try {
    result[path.basename(file)] = parse(await readFile(file, "utf8"), { maxAliasCount: 0 });
  } catch (error) {
    result[path.basename(file)] = { __error: error.message };
  }
}
process.stdout.write(JSON.stringify(result));
