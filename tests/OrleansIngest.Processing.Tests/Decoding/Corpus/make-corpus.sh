#!/usr/bin/env bash
# Regenerates the malformed-input corpus the decoder tests read (AudioDecoderCorpusTests): small files of every
# format, damaged in one specific way each. Needs ffmpeg (scripts/setup.sh installs it). The outputs are
# committed; rerun only to change the corpus, then update the expected reasons in the tests.
set -euo pipefail
cd "$(dirname "$0")"

ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
size() { stat -c %s "$1"; }
# Overwrites one byte of file $1 at offset $2 with its bitwise complement.
flip() {
  local byte
  byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((255 - byte)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ff -f lavfi -i "sine=frequency=440:sample_rate=16000:duration=1" -ac 1 "$tmp/tone.wav"
ff -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=1" -ac 2 "$tmp/tone44.wav"

# FLAC: a byte flipped inside an audio frame near the end (ffmpeg puts 8 KiB of padding before the frames),
# and the file cut inside a frame.
ff -i "$tmp/tone.wav" -c:a flac -frame_size 1024 "$tmp/tone.flac"
cp "$tmp/tone.flac" flac-corrupt-frame.flac
flip flac-corrupt-frame.flac $(( $(size "$tmp/tone.flac") - 1500 ))
head -c $(( $(size "$tmp/tone.flac") * 2 / 3 )) "$tmp/tone.flac" > flac-truncated.flac

# MP3 without an info frame: one whole 417-byte frame (128 kbit/s, 44.1 kHz, no padding) followed by junk,
# and the file cut inside a frame.
ff -i "$tmp/tone44.wav" -c:a libmp3lame -b:a 128k -write_xing 0 -id3v2_version 0 "$tmp/tone.mp3"
printf 'not an mpeg frame %.0s' $(seq 1 200) > "$tmp/junk"
{ head -c 417 "$tmp/tone.mp3"; head -c 3000 "$tmp/junk"; } > mp3-junk-after-first-frame.mp3
head -c $(( $(size "$tmp/tone.mp3") / 2 + 100 )) "$tmp/tone.mp3" > mp3-truncated.mp3

# Ogg Vorbis: the file cut inside a page; a byte flipped in the body of the last page (its CRC no longer
# matches).
ff -i "$tmp/tone44.wav" -c:a libvorbis -q:a 4 "$tmp/tone.ogg"
head -c $(( $(size "$tmp/tone.ogg") * 2 / 3 )) "$tmp/tone.ogg" > vorbis-truncated.ogg
cp "$tmp/tone.ogg" vorbis-bad-page-crc.ogg
flip vorbis-bad-page-crc.ogg $(( $(size "$tmp/tone.ogg") - 10 ))

# Ogg Opus cut inside a page.
ff -i "$tmp/tone44.wav" -c:a libopus -b:a 64k "$tmp/tone.opus"
head -c $(( $(size "$tmp/tone.opus") * 2 / 3 )) "$tmp/tone.opus" > opus-truncated.opus

# M4A (index first, so it streams through a pipe) cut inside the audio data; raw AAC cut inside a frame.
ff -i "$tmp/tone44.wav" -c:a aac -b:a 96k -movflags +faststart "$tmp/tone.m4a"
head -c $(( $(size "$tmp/tone.m4a") * 2 / 3 )) "$tmp/tone.m4a" > m4a-truncated.m4a
ff -i "$tmp/tone44.wav" -c:a aac -b:a 96k -f adts "$tmp/tone.aac"
head -c $(( $(size "$tmp/tone.aac") * 2 / 3 + 7 )) "$tmp/tone.aac" > adts-truncated.aac

# WAV cut inside its data; a text file named like audio.
head -c 10000 "$tmp/tone.wav" > wav-truncated.wav
printf 'id,value\n1,2\n3,4\n' > wrong-magic.wav
ls -l
