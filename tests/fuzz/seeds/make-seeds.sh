#!/usr/bin/env bash
# Regenerates the AFL seeds of the audio targets: small valid files (short, low-rate, mostly mono, each at most
# 4 KiB) made by ffmpeg. The outputs are committed; rerun only to change the seeds. The wav seeds are older and
# not made here. run.sh adds the small files of the decoder corpus (tests/…/Decoding/Corpus) to these.
set -euo pipefail
cd "$(dirname "$0")"

ff() { ffmpeg -hide_banner -loglevel error -nostdin -y -fflags +bitexact "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ffmpeg's FLAC muxer always writes 8 KiB of PADDING (for tag editors); drop that block so seeds stay small.
strip_flac_padding() {
  python3 - "$1" <<'PY'
import sys
path = sys.argv[1]
data = open(path, "rb").read()
assert data[:4] == b"fLaC"
pos, blocks = 4, []
while True:
    header = data[pos]
    size = int.from_bytes(data[pos + 1:pos + 4], "big")
    blocks.append((header & 0x7F, data[pos + 4:pos + 4 + size]))
    pos += 4 + size
    if header & 0x80:
        break
kept = [b for b in blocks if b[0] != 1]
out = bytearray(b"fLaC")
for i, (kind, body) in enumerate(kept):
    out.append(kind | (0x80 if i == len(kept) - 1 else 0))
    out += len(body).to_bytes(3, "big") + body
open(path, "wb").write(bytes(out + data[pos:]))
PY
}

tone="sine=frequency=440:sample_rate=8000:duration=0.1"
noise="anoisesrc=color=pink:amplitude=0.3:sample_rate=8000:duration=0.05:seed=7"
rm -rf flac mp3 ogg audio
mkdir -p flac mp3 ogg audio

# FLAC: LPC (default level), fixed predictors (level 0), high-order LPC with small blocks, stereo (channel
# decorrelation), 24-bit, silence (constant subframes) and noise (verbatim / Rice escapes).
ff -f lavfi -i "$tone" -ac 1 -c:a flac "$tmp/lpc.flac"
ff -f lavfi -i "$tone" -ac 1 -c:a flac -compression_level 0 "$tmp/fixed.flac"
ff -f lavfi -i "$tone" -ac 1 -c:a flac -compression_level 12 -frame_size 256 "$tmp/lpc12.flac"
ff -f lavfi -i "sine=frequency=440:sample_rate=8000:duration=0.05" -f lavfi -i "$noise" \
  -filter_complex "[0][1]amerge=inputs=2" -c:a flac "$tmp/stereo.flac"
ff -f lavfi -i "$tone" -ac 1 -c:a flac -sample_fmt s32 -bits_per_raw_sample 24 "$tmp/s24.flac"
ff -f lavfi -i "anullsrc=r=8000:cl=mono" -t 0.1 -c:a flac "$tmp/silence.flac"
ff -f lavfi -i "anoisesrc=color=white:amplitude=1:sample_rate=8000:duration=0.02:seed=3" -c:a flac "$tmp/noise.flac"
for f in "$tmp"/*.flac; do
  strip_flac_padding "$f"
  cp "$f" "flac/$(basename "$f")"
done

# MPEG audio: MPEG-2.5, MPEG-2 and MPEG-1 layer III (with the Xing/LAME info frame, and without), joint
# stereo, behind an ID3v2 tag, and layer II (ffmpeg has no layer I encoder).
ff -f lavfi -i "$tone" -ac 1 -c:a libmp3lame -b:a 8k mp3/mpeg25-8k.mp3
ff -f lavfi -i "sine=frequency=440:sample_rate=16000:duration=0.1" -ac 1 -c:a libmp3lame -b:a 16k -write_xing 0 -id3v2_version 0 mp3/mpeg2-16k-noxing.mp3
ff -f lavfi -i "sine=frequency=440:sample_rate=32000:duration=0.1" -ac 1 -c:a libmp3lame -b:a 32k -write_xing 0 -id3v2_version 0 mp3/mpeg1-32k-noxing.mp3
ff -f lavfi -i "sine=frequency=440:sample_rate=16000:duration=0.05" -f lavfi -i "anoisesrc=color=pink:amplitude=0.3:sample_rate=16000:duration=0.05:seed=7" \
  -filter_complex "[0][1]amerge=inputs=2" -c:a libmp3lame -b:a 24k -joint_stereo 1 -write_xing 0 -id3v2_version 0 mp3/joint-stereo.mp3
ff -f lavfi -i "$tone" -ac 1 -c:a libmp3lame -b:a 8k -metadata title=seed -id3v2_version 3 -write_xing 0 mp3/id3v2.mp3
ff -f lavfi -i "sine=frequency=440:sample_rate=16000:duration=0.1" -ac 1 -c:a mp2 -b:a 32k -f mp2 mp3/layer2.mp2

# Ogg: Vorbis (mono; the setup header alone is about 3 KiB) and Opus (mono, stereo, and mapping family 1).
ff -f lavfi -i "sine=frequency=440:sample_rate=8000:duration=0.05" -ac 1 -c:a libvorbis -q:a 0 ogg/vorbis-mono.ogg
ff -f lavfi -i "$tone" -ac 1 -c:a libopus -b:a 6k ogg/opus-mono.opus
ff -f lavfi -i "sine=frequency=440:sample_rate=8000:duration=0.05" -f lavfi -i "$noise" \
  -filter_complex "[0][1]amerge=inputs=2" -c:a libopus -b:a 12k ogg/opus-stereo.opus
ff -f lavfi -i "$tone" -ac 1 -c:a libopus -b:a 6k -mapping_family 1 ogg/opus-family1.opus

# Dispatch: one of each format above, a WAV, ID3v2 in front of FLAC, and the two ffmpeg formats (which the
# target rejects without starting ffmpeg).
cp flac/lpc.flac mp3/mpeg25-8k.mp3 mp3/layer2.mp2 ogg/vorbis-mono.ogg ogg/opus-mono.opus audio/
cp wav/pcm8-mono.wav audio/
# The tag is the 10-byte header plus its synchsafe size.
tag=$(od -An -tu1 -j6 -N4 mp3/id3v2.mp3 | awk '{ print 10 + $1 * 2097152 + $2 * 16384 + $3 * 128 + $4 }')
{ head -c "$tag" mp3/id3v2.mp3; cat flac/fixed.flac; } > audio/id3v2-flac.flac
ff -f lavfi -i "$tone" -ac 1 -c:a aac -b:a 8k -movflags +faststart audio/aac.m4a
ff -f lavfi -i "$tone" -ac 1 -c:a aac -b:a 8k -f adts audio/adts.aac

ls -l flac mp3 ogg audio
too_big=$(find flac mp3 ogg audio -type f -size +4096c)
if [[ -n "$too_big" ]]; then
  echo "seeds over 4 KiB: $too_big" >&2
  exit 1
fi
