#!/usr/bin/env bash
# GPU log-mel and Silero VAD against the CPU path, on one machine with an NVIDIA GPU.
#
#   benchmarks/gpu/run.sh [--self-check] [--no-build] [console options]
#
# Builds benchmarks/gpu/OrleansIngest.GpuBenchmark with -p:OrleansIngestOnnxRuntime=gpu (CUDA natives), checks
# the GPU log-mel against the managed path (max abs diff <= 1e-4) and the GPU VAD probabilities against the
# CPU provider (<= 1e-3), and prints a table: x real time per GPU vs per CPU core, and the GPU utilisation that
# nvidia-smi sampled every 250 ms during the run. Exits non-zero when there is no GPU/CUDA, or a check fails.
#
# --self-check  CPU only, a small workload, no GPU needed: the same steps against the CPU provider (CI runs it).
# --no-build    use the last build.
# Console options (passed on): --segments N (256), --batch N (64), --vad-streams N (256), --vad-seconds N (60).
set -euo pipefail

here="${BASH_SOURCE[0]%/*}"
[[ "$here" == "${BASH_SOURCE[0]}" ]] && here="."
root="$(cd "$here/../.." && pwd)"
project="$root/benchmarks/gpu/OrleansIngest.GpuBenchmark"

self_check=0
build=1
pass=()
while (($#)); do
  case "$1" in
    --self-check) self_check=1; pass+=("$1") ;;
    --no-build) build=0 ;;
    -h | --help) sed -n '2,14p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) pass+=("$1") ;;
  esac
  shift
done

fail() {
  echo "run.sh: $1" >&2
  exit "${2:-1}"
}

if ((self_check)); then
  flavour=cpu
else
  flavour=gpu
  command -v nvidia-smi >/dev/null 2>&1 ||
    fail "no NVIDIA GPU: nvidia-smi is not on the PATH (no NVIDIA driver). This benchmark needs a GPU with CUDA 12 and cuDNN 9; for the CPU-only check run: benchmarks/gpu/run.sh --self-check" 3
  gpus="$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>&1)" ||
    fail "no usable NVIDIA GPU: nvidia-smi failed: $gpus" 3
  echo "GPUs: $gpus"
fi

artifacts="$root/artifacts/gpu-benchmark/$flavour"
if ((build)); then
  command -v dotnet >/dev/null 2>&1 || fail "dotnet is not on the PATH (scripts/setup.sh installs it)" 2
  # Separate artifacts per flavour, so the CUDA build never mixes with the CPU build of the same projects.
  dotnet build "$project" -c Release -p:OrleansIngestOnnxRuntime="$flavour" --artifacts-path "$artifacts" -nologo -clp:ErrorsOnly ||
    fail "the build failed" 2
fi

dll="$(find "$artifacts/bin/OrleansIngest.GpuBenchmark" -name OrleansIngest.GpuBenchmark.dll -print -quit 2>/dev/null || true)"
[[ -n "$dll" ]] || fail "no build under $artifacts; run without --no-build" 2

samples=""
sampler=""
if ((!self_check)); then
  samples="$(mktemp)"
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -lms 250 >"$samples" 2>/dev/null &
  sampler=$!
fi

status=0
dotnet "$dll" "${pass[@]}" || status=$?

if [[ -n "$sampler" ]]; then
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  awk -F', *' 'NF >= 2 && $1 ~ /^[0-9]+$/ { n++; sum += $1; if ($1 > max) max = $1; if ($2 > mem) mem = $2 }
    END { if (n) printf "| GPU utilisation | nvidia-smi, %d samples | mean %.0f %%, max %d %% | GPU | peak memory %d MiB |\n", n, sum / n, max, mem;
          else print "| GPU utilisation | nvidia-smi | no samples | GPU | |" }' "$samples"
  rm -f "$samples"
fi

case "$status" in
  0) ;;
  1) fail "a GPU result differs from the CPU path (see the table)" 1 ;;
  3) fail "the CUDA execution provider is not available (CUDA 12 / cuDNN 9 libraries on the loader path?)" 3 ;;
  *) fail "the benchmark console failed (exit $status)" "$status" ;;
esac
