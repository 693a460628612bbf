#!/usr/bin/python3
"""Peer: Whisper-style log-mel in Python, one thread, on the same audio and mel filters as OrleansIngest.

Usage: logmel.py <speech.f32> <mel_filters.f32> <ours_first_segment.f32> [min_seconds]
Prints one JSON line per implementation (torch.stft, numpy rfft + sparse mel): x_realtime over 30 s segments
(best of repeated runs, like every figure in this benchmark) and max |peer - ours| on the first segment.
An implementation whose package is missing prints a line with "skipped" and the reason.
"""
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

SAMPLE_RATE, N_FFT, HOP, BANDS = 16000, 400, 160, 80
SEGMENT = 30 * SAMPLE_RATE


def best_of(run, min_seconds):
    run()
    best, start, runs = float("inf"), time.perf_counter(), 0
    while time.perf_counter() - start < min_seconds or runs < 3:
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
        runs += 1
    return best


def finish(log_spec):
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return (log_spec + 4.0) / 4.0


def main():
    speech_path, filters_path, ours_path = sys.argv[1:4]
    min_seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
    audio = np.fromfile(speech_path, dtype=np.float32)
    filters = np.fromfile(filters_path, dtype=np.float32).reshape(BANDS, N_FFT // 2 + 1)
    ours = np.fromfile(ours_path, dtype=np.float32).reshape(BANDS, -1)
    segments = [audio[i * SEGMENT:(i + 1) * SEGMENT] for i in range(len(audio) // SEGMENT)]
    media_s = len(segments) * 30.0

    # numpy: frames by stride tricks over the reflect-padded signal, rfft, power, sparse mel (only each band's
    # non-zero bins: 391 of 16,080 weights).
    window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann, as torch.hann_window
    nz = [np.nonzero(filters[b])[0] for b in range(BANDS)]
    spans = [(int(i[0]), int(i[-1]) + 1) for i in nz]
    weights = [filters[b, lo:hi] for b, (lo, hi) in enumerate(spans)]

    def numpy_logmel(x):
        padded = np.pad(x, N_FFT // 2, mode="reflect")
        frames = len(x) // HOP
        view = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:frames]
        power = np.abs(np.fft.rfft(view * window, axis=1)) ** 2  # [frames, 201]
        mel = np.empty((BANDS, frames), dtype=np.float32)
        for b, (lo, hi) in enumerate(spans):
            mel[b] = power[:, lo:hi] @ weights[b]
        return finish(np.log10(np.maximum(mel, 1e-10)))

    results = []
    diff = float(np.max(np.abs(numpy_logmel(segments[0]) - ours)))
    seconds = best_of(lambda: [numpy_logmel(s) for s in segments], min_seconds)
    results.append({"stage": "logmel", "implementation": f"numpy {np.__version__} rfft + sparse mel", "value": media_s / seconds,
                    "unit": "x_realtime", "detail": {"media_s": media_s, "best_s": seconds, "max_abs_diff_vs_ours": diff}})

    try:
        import torch
    except ImportError as e:
        results.append({"stage": "logmel", "implementation": "torch.stft", "skipped": f"python3-torch not installed ({e})"})
    else:
        torch.set_num_threads(1)
        torch_window = torch.hann_window(N_FFT)
        torch_filters = torch.from_numpy(filters)
        # Debian's torch links libblas.so.3, which the alternatives system points at OpenBLAS when it is installed.
        blas = "OpenBLAS" if "openblas" in os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3") else "reference BLAS"

        def torch_logmel(x):
            stft = torch.stft(x, N_FFT, HOP, window=torch_window, return_complex=True)
            magnitudes = stft[..., :-1].abs() ** 2
            mel = torch_filters @ magnitudes
            log_spec = torch.clamp(mel, min=1e-10).log10()
            log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
            return (log_spec + 4.0) / 4.0

        tensors = [torch.from_numpy(np.ascontiguousarray(s)) for s in segments]
        with torch.inference_mode():
            diff = float((torch_logmel(tensors[0]).numpy() - ours).__abs__().max())
            seconds = best_of(lambda: [torch_logmel(t) for t in tensors], min_seconds)
        results.append({"stage": "logmel", "implementation": f"torch {torch.__version__} stft ({blas})", "value": media_s / seconds,
                        "unit": "x_realtime", "detail": {"media_s": media_s, "best_s": seconds, "max_abs_diff_vs_ours": diff}})

    for r in results:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
