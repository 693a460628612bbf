#!/usr/bin/env bash
# One command: generates the inputs, measures every stage of OrleansIngest and the peers (Python numpy/torch
# log-mel, ONNX Runtime Node Silero VAD, ffmpeg decode, DuckDB Parquet) on one pinned core in one invocation, and
# prints one table (stage, ours, best peer, ratio, target). A missing peer is skipped with a note.
#   benchmarks/e2e/run.sh            full run (~20 min on 2 cores, publishing the CLI included)
#   benchmarks/e2e/run.sh --smoke    CI-sized (seconds of audio; proves the harness works, figures meaningless)
# Options: --core N (default: the last core), --no-build, --bin DIR (where OrleansIngest.EndToEnd is built; implies
# --no-build), --out FILE (also write the table there), --keep (leave the inputs and results.jsonl).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

seconds=600 e2e_seconds=3600 small_files=400 memory_hours=1,10 min_seconds=3 core="" build=1 out="" keep=0 smoke=0 runs=3 rounds=3
bin="$root/benchmarks/OrleansIngest.EndToEnd/bin/Release/net10.0/linux-x64"
while (($#)); do
  case "$1" in
    --smoke) seconds=60 e2e_seconds=60 small_files=20 memory_hours=0.02,0.1 min_seconds=0.2 smoke=1 runs=1 rounds=1 ;;
    --core) core="$2"; shift ;;
    --no-build) build=0 ;;
    --bin) bin="$2" build=0; shift ;;
    --out) out="$2"; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

core=${core:-$(($(nproc) - 1))}
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c "$core"); else echo "note: taskset missing; runs are not pinned" >&2; fi

published="$root/benchmarks/OrleansIngest.EndToEnd/bin/cli-published"
if ((build)); then
  dotnet build -c Release --nologo -v q benchmarks/OrleansIngest.EndToEnd >&2
  # The pipeline runs as deployed: the CLI published ReadyToRun, as in the container images.
  ((smoke)) || dotnet publish src/OrleansIngest.Cli -c Release --nologo -v q -o "$published" >&2
fi
cli=()
if ((!smoke)) && [[ -f "$published/orleans-ingest.dll" ]]; then cli=(--cli "$published/orleans-ingest.dll"); fi
if [[ ! -d benchmarks/e2e/node_modules ]]; then
  # --ignore-scripts: onnxruntime-node's install script would fetch CUDA binaries; the CPU ones ship in the package.
  (cd benchmarks/e2e && npm ci --ignore-scripts --no-audit --no-fund --silent) >&2
fi

work=$(mktemp -d /tmp/oi-e2e-XXXXXX)
cleanup() { ((keep)) || rm -rf "$work"; }
trap cleanup EXIT
results="$work/results.jsonl"
stages=(dotnet "$bin/OrleansIngest.EndToEnd.dll" stages --work "$work" --seconds "$seconds" --min-seconds "$min_seconds"
  --e2e-seconds "$e2e_seconds" --small-files "$small_files" --memory-hours "$memory_hours" --runs "$runs" "${cli[@]}")

echo "inputs: $seconds s of speech-like audio in $work" >&2
"${stages[@]}" --only inputs >/dev/null
if command -v ffmpeg >/dev/null; then
  ffmpeg -nostdin -hide_banner -loglevel error -y -i "$work/speech.wav" -c:a flac "$work/speech.flac"
  ffmpeg -nostdin -hide_banner -loglevel error -y -i "$work/speech.wav" -c:a libmp3lame -b:a 64k "$work/speech.mp3"
fi

echo "ours (core $core)..." >&2
"${pin[@]}" "${stages[@]}" >"$results"

echo "peers (core $core)..." >&2
peers="$root/benchmarks/e2e/peers"
if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c "import numpy" 2>/dev/null; then
  "${pin[@]}" /usr/bin/python3 "$peers/logmel.py" "$work/speech.f32" "$work/mel_filters.f32" "$work/logmel_ours_first.f32" "$min_seconds" >>"$results"
else
  echo '{"stage":"logmel","implementation":"python numpy/torch","skipped":"Debian python3-numpy (and python3-torch) not installed: apt-get install python3-numpy python3-torch libopenblas0-pthread"}' >>"$results"
fi
"${pin[@]}" node "$peers/vad-onnxruntime-node.mjs" "$bin/models/silero_vad.onnx" "$work/speech.f32" 1,32,64 "$min_seconds" 2>/dev/null >>"$results"
decode=("$work/speech.wav")
[[ -f "$work/speech.flac" ]] && decode+=("$work/speech.flac" "$work/speech.mp3")
"${pin[@]}" node "$peers/ffmpeg-decode.mjs" "$seconds" "$min_seconds" "${decode[@]}" >>"$results"
"${pin[@]}" node "$peers/duckdb-parquet.mjs" "$work/logmel_rows.parquet" "$work" "$min_seconds" >>"$results"

# Paired rounds: this VM's speed drifts by up to ±30% within minutes (up to 3× within one process), more than the
# margins being judged, so the VAD and end-to-end verdicts come from rounds in which each peer and our counterpart run
# back to back on the same core: ONNX Runtime Node batch 32 then our VAD stages, torch log-mel then our warm end to end.
for round in $(seq "$rounds"); do
  "${pin[@]}" node "$peers/vad-onnxruntime-node.mjs" "$bin/models/silero_vad.onnx" "$work/speech.f32" 32 "$min_seconds" 2>/dev/null |
    sed "s/\"stage\":\"vad\./\"stage\":\"pair$round.vad./" >>"$results"
  "${pin[@]}" "${stages[@]}" --only vad --vad-batches 32 | sed "s/\"stage\":\"vad\./\"stage\":\"pair$round.vad./" >>"$results"
  if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c "import torch" 2>/dev/null; then
    "${pin[@]}" /usr/bin/python3 "$peers/logmel.py" "$work/speech.f32" "$work/mel_filters.f32" "$work/logmel_ours_first.f32" "$min_seconds" |
      grep '"torch' | sed "s/\"stage\": \"logmel\"/\"stage\": \"pair$round.logmel\"/" >>"$results" || true
    "${pin[@]}" "${stages[@]}" --only e2e --e2e-modes warm --runs 1 | sed "s/\"stage\":\"e2e\"/\"stage\":\"pair$round.e2e\"/" >>"$results"
  fi
done

machine="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, one pinned; $(dotnet --version | sed 's/^/.NET SDK /'); $(date -u +%Y-%m-%d)"
table=$(node benchmarks/e2e/report.mjs "$results" "$machine")
echo "$table"
if [[ -n "$out" ]]; then echo "$table" >"$out"; fi
if ((keep)); then echo "results: $results" >&2; fi
