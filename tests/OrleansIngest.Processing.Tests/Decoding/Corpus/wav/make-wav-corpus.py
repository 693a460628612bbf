#!/usr/bin/env python3
"""Writes the malformed WAV regression corpus (issue #7, hardening) next to this script. Deterministic."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
PCM = bytes((i * 37) & 0xFF for i in range(3200))  # 0.1 s of 16 kHz mono PCM16


def fmt(channels=1, rate=16000, bits=16, block_align=None, size=16):
    block_align = channels * bits // 8 if block_align is None else block_align
    body = struct.pack('<HHIIHH', 1, channels, rate, rate * block_align, block_align, bits)
    return b'fmt ' + struct.pack('<I', size) + body[:size]


def chunk(tag, payload, declared=None, pad=True):
    size = len(payload) if declared is None else declared
    out = tag + struct.pack('<I', size) + payload
    return out + (b'\0' if pad and len(payload) % 2 else b'')


def riff(body, declared=None, tag=b'RIFF'):
    size = 4 + len(body) if declared is None else declared
    return tag + struct.pack('<I', size) + b'WAVE' + body


FILES = {
    'data-size-ffffffff.wav': riff(fmt() + chunk(b'data', PCM, declared=0xFFFFFFFF)),
    'fmt-size-0.wav': riff(fmt(size=0) + chunk(b'data', PCM)),
    'odd-chunk-without-padding.wav': riff(fmt() + chunk(b'LIST', b'INFOabc', pad=False) + chunk(b'data', PCM)),
    'riff-size-larger-than-file.wav': riff(fmt() + chunk(b'data', PCM), declared=4 + 24 + 8 + len(PCM) + 100000),
    'rf64-without-ds64.wav': riff(fmt() + chunk(b'data', PCM, declared=0xFFFFFFFF), declared=0xFFFFFFFF, tag=b'RF64'),
    'block-align-0.wav': riff(fmt(block_align=0) + chunk(b'data', PCM)),
    'channels-65.wav': riff(fmt(channels=65) + chunk(b'data', PCM[:130 * 10])),
    'sample-rate-0.wav': riff(fmt(rate=0) + chunk(b'data', PCM)),
    'data-truncated.wav': riff(fmt() + chunk(b'data', PCM[:1000], declared=len(PCM))),
}

for name, content in FILES.items():
    with open(os.path.join(HERE, name), 'wb') as f:
        f.write(content)
