#!/usr/bin/env bash
# The one command that sets up and runs the main job on the embedded default: generates a synthetic corpus
# (audio, sensor CSV, a few broken files), ingests it on an in-process silo, then shows the tables.
set -euo pipefail
cd "$(dirname "$0")/.."
ORLEANSINGEST_SKIP_TEST_TOOLS=1 bash scripts/setup.sh
dotnet build src/OrleansIngest.Cli -c Release -nologo -v quiet
cli="dotnet src/OrleansIngest.Cli/bin/Release/net10.0/linux-x64/orleans-ingest.dll"
corpus=${DEMO_CORPUS:-demo/corpus}
output=${DEMO_OUTPUT:-demo/output}
[[ -d "$corpus" ]] || $cli generate --out "$corpus" --audio-minutes "${DEMO_AUDIO_MINUTES:-10}" --sensor-files 4 --bad-files 4
$cli ingest --source "$corpus" --output "$output" "$@"
$cli status --output "$output"
$cli inspect "$output/audio_segments" --rows 3
