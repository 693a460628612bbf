#!/usr/bin/env bash
# Fuzzes one managed parser under AFL++ with SharpFuzz instrumentation.
#   tests/fuzz/run.sh <sensor-csv|sensor-jsonl|wav|flac|mp3|ogg|audio> <seconds>
# Findings land in tests/fuzz/.work/<target>/findings/default/{crashes,hangs}; the script exits 1 when there are any.
set -euo pipefail

usage="usage: run.sh <sensor-csv|sensor-jsonl|wav|flac|mp3|ogg|audio> <seconds>"
target="${1:?$usage}"
seconds="${2:?$usage}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
corpus="$root/tests/OrleansIngest.Processing.Tests/Sensors/Corpus"
audio_corpus="$root/tests/OrleansIngest.Processing.Tests/Decoding/Corpus"
work="$here/.work/$target"

# Seeds over 4 KiB: the sensor targets leave them out (the large one is a gzip bomb); the audio targets take their
# first 4 KiB, since the damaged corpus files are mostly larger and their heads still parse.
cut_large=0
case "$target" in
  sensor-csv) seed_globs=("$corpus"/valid/*.csv "$corpus"/valid/*.tsv "$corpus"/valid/*.csv.gz "$corpus"/invalid/*.csv) ;;
  sensor-jsonl) seed_globs=("$corpus"/valid/*.jsonl "$corpus"/valid/*.ndjson "$corpus"/valid/*.jsonl.gz "$corpus"/invalid/*.jsonl) ;;
  wav) seed_globs=("$here"/seeds/wav/*.wav) ;;
  # The FLAC corpus files start with ffmpeg's 8 KiB of padding: their first 4 KiB hold no frame, so none here.
  flac) seed_globs=("$here"/seeds/flac/*) ;;
  mp3) seed_globs=("$here"/seeds/mp3/* "$audio_corpus"/mp3-*) cut_large=1 ;;
  ogg) seed_globs=("$here"/seeds/ogg/* "$audio_corpus"/vorbis-* "$audio_corpus"/opus-*) cut_large=1 ;;
  audio) seed_globs=("$here"/seeds/audio/* "$audio_corpus"/*.*) cut_large=1 ;;
  *) echo "unknown target '$target'" >&2; exit 2 ;;
esac

if ! command -v afl-fuzz >/dev/null; then
  apt-get install -y afl++ >/dev/null
fi

tools="$here/.tools"
if [[ ! -x "$tools/sharpfuzz" ]]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi

# A fresh publish each run: sharpfuzz instruments the assembly in place and refuses to do it twice.
rm -rf "$work"
mkdir -p "$work/seeds"
dotnet publish "$here/OrleansIngest.Fuzz" -c Release -o "$work/bin" --nologo -v quiet
"$tools/sharpfuzz" "$work/bin/OrleansIngest.Processing.dll" OrleansIngest.Processing
# The third-party decoders behind our framing, whole, so that coverage inside them guides the fuzzer too.
for assembly in NLayer NVorbis Concentus; do
  "$tools/sharpfuzz" "$work/bin/$assembly.dll"
done

# AFL wants small seeds; the large bomb seed stays in the unit tests.
for seed in "${seed_globs[@]}"; do
  [[ -f "$seed" && "$seed" != *.sh ]] || continue
  if (( $(stat -c %s "$seed") <= 4096 )); then
    cp "$seed" "$work/seeds/"
  elif (( cut_large )); then
    head -c 4096 "$seed" > "$work/seeds/head-$(basename "$seed")"
  fi
done

# The target runs in dotnet, which AFL cannot see is instrumented; cores are shared with other work, so no
# CPU binding; a 512 MiB managed heap limit turns an allocation blow-up into an OutOfMemoryException (a crash).
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export DOTNET_GCHeapHardLimit=0x20000000 DOTNET_TieredPGO=0
afl-fuzz -V "$seconds" -t 10000 -m none -i "$work/seeds" -o "$work/findings" -- \
  dotnet "$work/bin/OrleansIngest.Fuzz.dll" "$target" > "$work/afl.log" 2>&1 || true

stats="$work/findings/default/fuzzer_stats"
if [[ ! -f "$stats" ]]; then
  echo "afl-fuzz did not start; see $work/afl.log" >&2
  tail -20 "$work/afl.log" >&2
  exit 2
fi

get() { sed -n "s/^$1 *: *//p" "$stats"; }
crashes=$(get saved_crashes); hangs=$(get saved_hangs)
echo "target=$target seconds=$seconds execs=$(get execs_done) execs_per_sec=$(get execs_per_sec) paths=$(get corpus_count) edges=$(get edges_found) crashes=$crashes hangs=$hangs"
if (( crashes > 0 || hangs > 0 )); then
  echo "findings: $work/findings/default/crashes $work/findings/default/hangs (reproduce: dotnet $work/bin/OrleansIngest.Fuzz.dll $target < file)" >&2
  exit 1
fi
