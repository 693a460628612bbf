#!/usr/bin/python3
"""Trains the sensor anomaly model and exports it to ONNX.

Input: CSVs written by SensorModelData (label, then the 4 x 5 sensor_window_matrix values per window: for
temperature, humidity, voc, co2 their mean, std, min, max, slope). The exported graph takes exactly that binding,
float32 [batch, 4, 5], so the pipeline feeds it what it computes for every window, and returns
  probabilities  float32 [batch, 4]  softmax over normal, drift, spike, stuck
  anomaly_score  float32 [batch, 1]  1 - P(normal)
Feature scaling is part of the graph: per-channel shape features (spread, spike height and slope relative to the
channel's typical noise) are computed inside the model, so no preprocessing lives outside the ONNX file.

Usage: /usr/bin/python3 train.py train.csv val.csv out.onnx [hidden epochs seed]
  hidden  width of the two hidden layers (default 32)
  epochs  passes over the training set (default 60)
  seed    torch/numpy seed (default 20240601)
The defaults make models/sensor_anomaly.onnx; `8 4 7` makes models/sensor_anomaly_small.onnx, the evaluation candidate.
"""
import sys

import numpy as np
import torch
from torch import nn

SEED = 20240601
CHANNELS = 4
STATS = 5
LABELS = ["normal", "drift", "spike", "stuck"]


def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    return data[:, 1:].reshape(-1, CHANNELS, STATS).astype(np.float32), data[:, 0].astype(np.int64)


class ShapeFeatures(nn.Module):
    """[B, 4, 5] window statistics -> [B, 4 * 6] scale-free shape features."""

    def __init__(self, noise):
        super().__init__()
        self.register_buffer("noise", torch.tensor(noise, dtype=torch.float32).reshape(1, CHANNELS))

    def forward(self, x):
        mean, std, low, high, slope = (x[:, :, i] for i in range(STATS))
        noise = self.noise
        spread = std / noise
        features = [
            torch.log(spread + 1e-3),                       # stuck: std collapses to 0
            (high - mean) / (std + 1e-3 * noise),           # spike up: max far above mean in stds
            (mean - low) / (std + 1e-3 * noise),            # spike down
            torch.log((high - low) / noise + 1e-3),         # range against the channel's noise
            slope * 10.0 / noise,                           # drift: change over a window in noise units
            torch.abs(slope) * 10.0 / (high - low + 1e-3 * noise),  # how much of the range the trend explains
        ]
        return torch.stack(features, dim=2).reshape(x.shape[0], CHANNELS * 6)


class SensorAnomalyModel(nn.Module):
    def __init__(self, noise, mu, sigma, hidden=32):
        super().__init__()
        self.features = ShapeFeatures(noise)
        self.register_buffer("mu", torch.tensor(mu, dtype=torch.float32))
        self.register_buffer("sigma", torch.tensor(sigma, dtype=torch.float32))
        self.mlp = nn.Sequential(nn.Linear(CHANNELS * 6, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, len(LABELS)))

    def logits(self, x):
        return self.mlp((self.features(x) - self.mu) / self.sigma)

    def forward(self, x):
        probabilities = torch.softmax(self.logits(x), dim=1)
        return probabilities, 1.0 - probabilities[:, 0:1]


def main(train_csv, val_csv, out_onnx, hidden=32, epochs=60, seed=SEED):
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.use_deterministic_algorithms(True)
    x_train, y_train = load(train_csv)
    x_val, y_val = load(val_csv)

    # The typical noise of a channel: the median within-window std of the normal training windows.
    noise = np.median(x_train[y_train == 0][:, :, 1], axis=0)
    features = ShapeFeatures(noise)(torch.from_numpy(x_train)).numpy()
    model = SensorAnomalyModel(noise, features.mean(axis=0), features.std(axis=0) + 1e-6, hidden)

    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        order = torch.randperm(len(xt), generator=generator)
        for start in range(0, len(xt), 64):
            batch = order[start:start + 64]
            optimizer.zero_grad()
            loss = loss_fn(model.logits(xt[batch]), yt[batch])
            loss.backward()
            optimizer.step()

    model.eval()
    with torch.no_grad():
        train_acc = (model.logits(xt).argmax(1) == yt).float().mean().item()
        val_pred = model.logits(torch.from_numpy(x_val)).argmax(1).numpy()
    val_acc = float((val_pred == y_val).mean())
    print(f"train accuracy {train_acc:.4f}, validation accuracy {val_acc:.4f}")
    for i, label in enumerate(LABELS):
        mask = y_val == i
        print(f"  {label:7s} recall {float((val_pred[mask] == i).mean()):.4f} ({int(mask.sum())} windows)")

    example = torch.from_numpy(x_val[:2])
    torch.onnx.export(
        model, example, out_onnx, opset_version=17,
        input_names=["x"], output_names=["probabilities", "anomaly_score"],
        dynamic_axes={"x": {0: "batch"}, "probabilities": {0: "batch"}, "anomaly_score": {0: "batch"}},
        do_constant_folding=True)
    print(f"wrote {out_onnx}")


if __name__ == "__main__":
    if len(sys.argv) not in (4, 7):
        sys.exit(__doc__)
    main(*sys.argv[1:4], *(int(a) for a in sys.argv[4:]))
