// Checks HCL files against the layout `terraform fmt` writes (there is no terraform binary here), following
// hclwrite's rules: two spaces per open bracket, and within a run of consecutive single-line `key = value`
// lines at one nesting level the `=` signs aligned one space after the longest key. A blank line, a comment, a
// block header or a multi-line value ends a run. Also: no tabs, no trailing spaces, LF line ends, one final
// newline. Heredocs are not supported (the configuration has none).
//
//   node terraform-fmt.mjs <file>...   prints a JSON array of {file, line, message}; exit code 1 when non-empty
import { readFileSync } from 'node:fs';

// Splits one line into code outside string literals (strings blanked to "") and reports its bracket change.
function scan(line) {
  let code = '';
  let depthChange = 0;
  const stack = []; // 'string' or 'interp' frames
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    const top = stack[stack.length - 1];
    if (top === 'string') {
      if (c === '\\') { i++; continue; }
      if (c === '"') { stack.pop(); if (stack.length === 0) code += '""'; continue; }
      if (c === '$' && line[i + 1] === '{') { stack.push('interp'); i++; }
      continue;
    }
    if (top === 'interp') {
      if (c === '"') stack.push('string');
      else if (c === '{') stack.push('brace');
      else if (c === '}') stack.pop();
      continue;
    }
    if (top === 'brace') {
      if (c === '"') stack.push('string');
      else if (c === '{') stack.push('brace');
      else if (c === '}') stack.pop();
      continue;
    }
    if (c === '#' || (c === '/' && line[i + 1] === '/')) break;
    if (c === '"') { stack.push('string'); continue; }
    if ('{[('.includes(c)) depthChange++;
    if ('}])'.includes(c)) depthChange--;
    code += c;
  }
  return { code, depthChange };
}

function check(file) {
  const problems = [];
  const report = (line, message) => problems.push({ file, line, message });
  const text = readFileSync(file, 'utf8');
  if (text.includes('\r')) report(0, 'CR line ends');
  if (!text.endsWith('\n') || text.endsWith('\n\n')) report(0, 'file must end with exactly one newline');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();

  let depth = 0;
  const indents = [];
  let run = []; // {number, depth, keyWidth, equalsColumn}
  const closeRun = () => {
    if (run.length > 0) {
      const expected = Math.max(...run.map((r) => r.keyEnd)) + 1;
      for (const r of run) {
        if (r.equalsColumn !== expected) {
          report(r.number, `'=' at column ${r.equalsColumn + 1}, expected ${expected + 1} (aligned one space after the longest key of its run)`);
        }
      }
    }
    run = [];
  };

  lines.forEach((line, index) => {
    const number = index + 1;
    if (line.includes('\t')) report(number, 'tab character');
    if (/\s+$/.test(line)) report(number, 'trailing whitespace');
    if (line.trim() === '') { closeRun(); return; }

    const { code, depthChange } = scan(line);
    // hclwrite's rule: a line that opens brackets adds one indent level however many it opens; a line that
    // closes brackets is indented after the levels it closes are removed.
    if (depthChange < 0) {
      let closing = -depthChange;
      while (closing > 0 && indents.length > 0) {
        const opened = indents[indents.length - 1];
        if (opened > closing) {
          indents[indents.length - 1] = opened - closing;
          closing = 0;
        } else {
          closing -= opened;
          indents.pop();
        }
      }
    }

    const lineDepth = indents.length;
    const indent = line.length - line.trimStart().length;
    if (indent !== 2 * lineDepth) report(number, `indented ${indent} spaces, expected ${2 * lineDepth}`);
    if (depthChange > 0) indents.push(depthChange);
    depth += depthChange;

    const trimmed = code.trim();
    const equals = code.indexOf('=');
    const isAssignment = equals > 0 && !['=', '!', '<', '>'].includes(code[equals + 1]) && !['=', '!', '<', '>'].includes(code[equals - 1]);
    if (trimmed.startsWith('#') || trimmed === '' || !isAssignment || depthChange !== 0) {
      closeRun();
      return;
    }

    // Columns are measured on the original line: the key precedes any string literal, so they agree.
    const originalEquals = line.indexOf('=', indent + code.slice(indent, equals).trimEnd().length);
    const keyEnd = line.slice(0, originalEquals).trimEnd().length;
    if (line[originalEquals + 1] !== ' ' || line[originalEquals + 2] === ' ') report(number, "exactly one space must follow '='");
    if (run.length > 0 && run[0].depth !== lineDepth) closeRun();
    run.push({ number, depth: lineDepth, keyEnd, equalsColumn: originalEquals });
  });
  closeRun();
  if (depth !== 0) report(lines.length, `unbalanced brackets (depth ${depth} at end of file)`);
  return problems;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node terraform-fmt.mjs <file>...\n');
  process.exit(2);
}

const problems = files.flatMap(check);
process.stdout.write(JSON.stringify(problems));
process.exitCode = problems.length === 0 ? 0 : 1;
