#!/usr/bin/env bash
# The one command that sets up and runs every test (CI runs exactly this via .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

results="$(pwd)/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"
status=0
dotnet test OrleansIngest.sln -c Release --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=$?

# One closing line over all test projects, in the plain 'N passed, N failed' form.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if (( passed == 0 )); then
  echo "no test ran" >&2
  exit 1
fi
exit $status
