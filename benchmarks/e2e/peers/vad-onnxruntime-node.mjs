// Peer: Silero VAD with ONNX Runtime for Node.js, one thread, on a 16 kHz mono float32 file (raw little-endian).
// Prints one JSON line per batch size: {"stage":"vad.batchB","implementation":…,"value":× real time,…}.
// Streams are consecutive pieces of the audio; each Run advances every stream by one 32 ms chunk (64 samples of
// context + 512 new, as the model expects), so batch B processes B streams at once, as a batched server would.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { createRequire } from "node:module";
import ort from "onnxruntime-node";

const version = createRequire(import.meta.url)("onnxruntime-node/package.json").version;

const [modelPath, pcmPath, batchesArg = "1,32", minSecondsArg = "2"] = process.argv.slice(2);
if (!modelPath || !pcmPath) {
  console.error("usage: node vad-onnxruntime-node.mjs <model.onnx> <audio.f32> [batches=1,32] [min-seconds=2]");
  process.exit(2);
}

const chunk = 512;
const context = 64;
const raw = readFileSync(pcmPath);
const audio = new Float32Array(raw.buffer, raw.byteOffset, Math.floor(raw.byteLength / 4));
const session = await ort.InferenceSession.create(modelPath, {
  executionProviders: ["cpu"],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: "all",
  executionMode: "sequential",
});
const sr = new ort.Tensor("int64", BigInt64Array.from([16000n]), []);

async function runOnce(batch) {
  const chunks = Math.floor(audio.length / chunk);
  const perStream = Math.floor(chunks / batch);
  const input = new Float32Array(batch * (chunk + context));
  let state = new ort.Tensor("float32", new Float32Array(2 * batch * 128), [2, batch, 128]);
  let speech = 0;
  for (let step = 0; step < perStream; step++) {
    for (let b = 0; b < batch; b++) {
      const start = (b * perStream + step) * chunk;
      const row = b * (chunk + context);
      if (step === 0) {
        input.fill(0, row, row + context);
      } else {
        input.set(audio.subarray(start - context, start), row);
      }
      input.set(audio.subarray(start, start + chunk), row + context);
    }
    const out = await session.run({ input: new ort.Tensor("float32", input, [batch, chunk + context]), state, sr });
    state = out.stateN;
    for (let b = 0; b < batch; b++) {
      if (out.output.data[b] > 0.5) speech++;
    }
  }
  return { chunks: perStream * batch, speech };
}

const results = [];
for (const batch of batchesArg.split(",").map(Number)) {
  await runOnce(batch); // warm-up
  let best = Infinity;
  let chunks = 0;
  const deadline = performance.now() + Number(minSecondsArg) * 1000;
  do {
    const t0 = performance.now();
    const r = await runOnce(batch);
    const wall = (performance.now() - t0) / 1000;
    chunks = r.chunks;
    best = Math.min(best, wall);
  } while (performance.now() < deadline);
  const audioSeconds = (chunks * chunk) / 16000;
  results.push({
    stage: `vad.batch${batch}`,
    implementation: `onnxruntime-node ${version}`,
    value: audioSeconds / best,
    unit: "x_realtime",
    detail: { media_s: audioSeconds, best_s: best },
  });
}
for (const r of results) console.log(JSON.stringify(r));
