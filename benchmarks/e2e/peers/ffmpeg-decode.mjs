// Peer: ffmpeg decoding each file to nothing (-f null), one thread, process start included (as a silo that shells
// out to ffmpeg would pay it). Prints one JSON line per file; a missing ffmpeg prints a "skipped" line.
// usage: node ffmpeg-decode.mjs <seconds-of-audio> [min-seconds=3] <file.codec>...
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { basename, extname } from "node:path";

const [mediaArg, minSecondsArg, ...files] = process.argv.slice(2);
const probe = spawnSync("ffmpeg", ["-version"], { encoding: "utf8" });
if (probe.error || probe.status !== 0) {
  for (const f of files) {
    console.log(JSON.stringify({ stage: `decode.${extname(f).slice(1)}`, implementation: "ffmpeg", skipped: "ffmpeg not on PATH" }));
  }
  process.exit(0);
}
const version = probe.stdout.split("\n")[0].split(" ")[2];
for (const file of files) {
  const run = () => {
    const r = spawnSync("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-threads", "1", "-i", file, "-f", "null", "-"]);
    if (r.status !== 0) throw new Error(`ffmpeg failed on ${basename(file)}: ${r.stderr}`);
  };
  run();
  let best = Infinity;
  const start = performance.now();
  let runs = 0;
  while (performance.now() - start < Number(minSecondsArg) * 1000 || runs < 3) {
    const t0 = performance.now();
    run();
    best = Math.min(best, (performance.now() - t0) / 1000);
    runs++;
  }
  console.log(JSON.stringify({
    stage: `decode.${extname(file).slice(1)}`,
    implementation: `ffmpeg ${version} -threads 1`,
    value: Number(mediaArg) / best,
    unit: "x_realtime",
    detail: { media_s: Number(mediaArg), best_s: best },
  }));
}
