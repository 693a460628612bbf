#!/usr/bin/python3
"""Makes the tiny ONNX models the model-step tests run (committed next to this script; rerun to reproduce).

logmel_embed.onnx  input mel float32 [B, 80, T]:
  embedding float32 [B, 8]  = mean_t(mel) @ W + b,   W[i, j] = 0.1 * sin(0.37 i + 1.3 j), b[j] = 0.01 j
  probs     float32 [B, 3]  = softmax(mean_t(mel) @ V), V[i, k] = 0.05 * cos(0.21 i + 0.9 k)
  energy    float32 [B, 1]  = mean over bands and frames
  frames    int64   [B, 1]  = T
pcm_rms.onnx       input audio float32 [B, N]:
  rms       float64 [B]     = sqrt(mean(audio^2))
The C# tests compute the same formulas independently.
"""
import math

import torch
from torch import nn


class LogMelEmbed(nn.Module):
    def __init__(self):
        super().__init__()
        w = torch.tensor([[0.1 * math.sin(0.37 * i + 1.3 * j) for j in range(8)] for i in range(80)], dtype=torch.float32)
        v = torch.tensor([[0.05 * math.cos(0.21 * i + 0.9 * k) for k in range(3)] for i in range(80)], dtype=torch.float32)
        self.register_buffer("w", w)
        self.register_buffer("b", torch.tensor([0.01 * j for j in range(8)], dtype=torch.float32))
        self.register_buffer("v", v)

    def forward(self, mel):
        mean = mel.mean(dim=2)
        frames = torch.ones_like(mel[:, 0, :]).sum(dim=1, keepdim=True).to(torch.int64)
        return mean @ self.w + self.b, torch.softmax(mean @ self.v, dim=1), mel.mean(dim=(1, 2)).unsqueeze(1), frames


class PcmRms(nn.Module):
    def forward(self, audio):
        return torch.sqrt((audio * audio).mean(dim=1)).to(torch.float64)


torch.onnx.export(LogMelEmbed(), torch.zeros(2, 80, 5), "logmel_embed.onnx", opset_version=17,
                  input_names=["mel"], output_names=["embedding", "probs", "energy", "frames"],
                  dynamic_axes={"mel": {0: "batch", 2: "frames"}, "embedding": {0: "batch"}, "probs": {0: "batch"},
                                "energy": {0: "batch"}, "frames": {0: "batch"}})
torch.onnx.export(PcmRms(), torch.zeros(2, 16), "pcm_rms.onnx", opset_version=17,
                  input_names=["audio"], output_names=["rms"],
                  dynamic_axes={"audio": {0: "batch", 1: "samples"}, "rms": {0: "batch"}})
