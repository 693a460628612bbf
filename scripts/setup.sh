#!/usr/bin/env bash
# Installs what the build and the tests need beyond the .NET SDK: Node.js/npm (model fetch, DuckDB reader),
# ffmpeg (decodes M4A/MP4/AAC at run time; reference decoder in the format tests), espeak-ng (real speech for
# VAD tests), sox (reference resampler in the format tests), shellcheck (lints the deploy script), chromium (driven by playwright-core in the dashboard
# browser tests; Debian's build, so Playwright never downloads a browser). Idempotent; safe to run on every invocation.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
if [[ "${ORLEANSINGEST_SKIP_TEST_TOOLS:-0}" != "1" ]]; then
  command -v espeak-ng >/dev/null 2>&1 || need_apt+=(espeak-ng)
  command -v sox >/dev/null 2>&1 || need_apt+=(sox)
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)
fi
if (( ${#need_apt[@]} > 0 )); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need_apt[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install: ${need_apt[*]}" >&2
    exit 1
  fi
fi
command -v dotnet >/dev/null 2>&1 || { echo "setup: the .NET 10 SDK is required (https://dot.net)" >&2; exit 1; }

# Test tools (DuckDB reader, Azurite, playwright-core): reinstalled whenever the lock file changed since the last install.
if [[ "${ORLEANSINGEST_SKIP_TEST_TOOLS:-0}" != "1" && -f tests/tools/package-lock.json ]] \
   && ! cmp -s tests/tools/package-lock.json tests/tools/node_modules/.installed-lock.json; then
  echo "setup: installing test tools (DuckDB reader, Azurite, playwright-core) with npm ci"
  (cd tests/tools && npm ci --no-audit --no-fund --silent && cp package-lock.json node_modules/.installed-lock.json)
fi

# Peers of the end-to-end benchmark (ONNX Runtime Node, DuckDB), for its smoke run in the tests. --ignore-scripts:
# onnxruntime-node's install script would fetch CUDA binaries; the CPU ones ship in the package.
if [[ "${ORLEANSINGEST_SKIP_TEST_TOOLS:-0}" != "1" && -f benchmarks/e2e/package-lock.json ]] \
   && ! cmp -s benchmarks/e2e/package-lock.json benchmarks/e2e/node_modules/.installed-lock.json; then
  echo "setup: installing benchmark peers (onnxruntime-node, DuckDB) with npm ci"
  (cd benchmarks/e2e && npm ci --ignore-scripts --no-audit --no-fund --silent && cp package-lock.json node_modules/.installed-lock.json)
fi
