// Independent reader of the Terraform configuration for the .NET policy tests (there is no terraform binary here):
// parses HCL with @cdktf/hcl2json (the Go HCL parser compiled to WebAssembly) and prints JSON on stdout.
//
//   node terraform-hcl2json.mjs <directory>     every *.tf file parsed on its own (a syntax error names its file),
//                                               then the directory's files merged into one JSON document
//   node terraform-hcl2json.mjs --file <path>   one file of any name (e.g. terraform.tfvars.example)
//   node terraform-hcl2json.mjs --files <path>... several files in one process: {"<file name>": <its JSON>, ...}
//
// Exit code 1 with the parser's message on stderr when a file does not parse.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { convertFiles, parse } from '@cdktf/hcl2json';

async function parseFile(path) {
  try {
    return await parse(basename(path), readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${error?.message ?? error}`);
  }
}

async function main(args) {
  if (args.length === 2 && args[0] === '--file') {
    return parseFile(args[1]);
  }

  if (args.length >= 2 && args[0] === '--files') {
    const parsed = {};
    for (const path of args.slice(1)) {
      parsed[basename(path)] = await parseFile(path);
    }

    return parsed;
  }

  if (args.length !== 1) {
    throw new Error('usage: node terraform-hcl2json.mjs <directory> | --file <path> | --files <path>...');
  }

  const directory = args[0];
  const files = readdirSync(directory)
    .filter((name) => name.endsWith('.tf') && statSync(join(directory, name)).isFile())
    .sort();
  if (files.length === 0) {
    throw new Error(`${directory}: no .tf files`);
  }

  for (const name of files) {
    await parseFile(join(directory, name));
  }

  return convertFiles(directory);
}

try {
  const json = await main(process.argv.slice(2));
  process.stdout.write(JSON.stringify(json));
} catch (error) {
  process.stderr.write(`${error?.message ?? error}\n`);
  process.exitCode = 1;
}
