#!/usr/bin/env bash
# Rebuilds models/sensor_anomaly.onnx (and the candidate models/sensor_anomaly_small.onnx) from scratch: training data through the pipeline's own windowing and
# sensor_window_matrix binding (SensorModelData), then train.py. Needs: apt-get install -y python3-torch python3-numpy
# (Debian's packages; run with /usr/bin/python3). Deterministic: the same inputs give the same bytes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dotnet build "$here/SensorModelData" -c Release --nologo -v quiet
data="$(find "$here/SensorModelData/bin/Release" -name SensorModelData.dll | head -n 1)"
dotnet "$data" "$work/train.csv" 1 4000
dotnet "$data" "$work/validation.csv" 2 1000
/usr/bin/python3 "$here/train.py" "$work/train.csv" "$work/validation.csv" "$root/models/sensor_anomaly.onnx"
# The evaluation candidate: narrower (8 units), 4 epochs, another seed — a genuinely different, weaker model.
/usr/bin/python3 "$here/train.py" "$work/train.csv" "$work/validation.csv" "$root/models/sensor_anomaly_small.onnx" 8 4 7
sha256sum "$root/models/sensor_anomaly.onnx" "$root/models/sensor_anomaly_small.onnx"
