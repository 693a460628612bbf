using System.Buffers.Binary;
using System.ComponentModel;
using System.Diagnostics;

namespace OrleansIngest.TestSupport.Speech;

/// <summary>Real synthesised speech from the espeak-ng command-line tool, for tests that need speech, not tones.</summary>
public static class SpeechSynth
{
    private const string MissingToolMessage = "espeak-ng was not found: install espeak-ng (apt-get install -y espeak-ng)";

    /// <summary>Speaks <paramref name="text"/> and returns mono samples in [-1, 1] at <paramref name="sampleRate"/>.</summary>
    /// <exception cref="InvalidOperationException">espeak-ng is missing or failed.</exception>
    public static async Task<float[]> SpeakAsync(string text, int sampleRate = 16000, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1000);
        var wavPath = Path.Combine(Path.GetTempPath(), $"speechsynth-{Guid.NewGuid():N}.wav");
        try
        {
            var startInfo = new ProcessStartInfo("espeak-ng")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            startInfo.ArgumentList.Add("-w");
            startInfo.ArgumentList.Add(wavPath);
            startInfo.ArgumentList.Add("--");
            startInfo.ArgumentList.Add(text);

            Process process;
            try
            {
                process = Process.Start(startInfo) ?? throw new InvalidOperationException(MissingToolMessage);
            }
            catch (Win32Exception ex)
            {
                throw new InvalidOperationException(MissingToolMessage, ex);
            }

            using (process)
            {
                var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
                var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
                await process.WaitForExitAsync(cancellationToken);
                await stdout;
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"espeak-ng exited with {process.ExitCode}: {await stderr}");
                }
            }

            var wav = await File.ReadAllBytesAsync(wavPath, cancellationToken);
            var (samples, rate) = ReadPcm16MonoWav(wav);
            return rate == sampleRate ? samples : Resample(samples, rate, sampleRate);
        }
        finally
        {
            File.Delete(wavPath);
        }
    }

    /// <summary>Reads a 16-bit PCM mono RIFF/WAVE file; every declared size is checked against the bytes present.</summary>
    public static (float[] Samples, int SampleRate) ReadPcm16MonoWav(ReadOnlySpan<byte> wav)
    {
        if (wav.Length < 12 || !wav[..4].SequenceEqual("RIFF"u8) || !wav[8..12].SequenceEqual("WAVE"u8))
        {
            throw new InvalidDataException("Not a RIFF/WAVE file.");
        }

        int? sampleRate = null;
        var offset = 12;
        while (offset + 8 <= wav.Length)
        {
            var id = wav.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(wav.Slice(offset + 4, 4));
            var bodyStart = offset + 8;
            if (size > (uint)(wav.Length - bodyStart))
            {
                throw new InvalidDataException(
                    $"WAV chunk '{System.Text.Encoding.ASCII.GetString(id)}' at {offset} declares {size} bytes; only {wav.Length - bodyStart} remain.");
            }

            var body = wav.Slice(bodyStart, (int)size);
            if (id.SequenceEqual("fmt "u8))
            {
                if (body.Length < 16)
                {
                    throw new InvalidDataException("WAV fmt chunk is shorter than 16 bytes.");
                }

                var format = BinaryPrimitives.ReadUInt16LittleEndian(body);
                var channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                var bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                if (format != 1 || channels != 1 || bits != 16)
                {
                    throw new InvalidDataException($"Expected 16-bit PCM mono, got format {format}, {channels} channels, {bits} bits.");
                }

                sampleRate = (int)BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (sampleRate is null)
                {
                    throw new InvalidDataException("WAV data chunk comes before its fmt chunk.");
                }

                var samples = new float[body.Length / 2];
                for (var i = 0; i < samples.Length; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(body[(2 * i)..]) / 32768f;
                }

                return (samples, sampleRate.Value);
            }

            // Chunks are padded to an even length.
            offset = bodyStart + (int)size + (int)(size & 1);
        }

        throw new InvalidDataException("WAV file has no data chunk.");
    }

    /// <summary>
    /// Band-limited resampling by direct evaluation of a Blackman-windowed sinc at each output instant. Slow
    /// (O(n × taps)) but simple and exact enough for test signals; the cutoff sits at 0.45 × the lower rate.
    /// </summary>
    public static float[] Resample(ReadOnlySpan<float> input, int inputRate, int outputRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputRate, 1);
        var outputLength = (int)((long)input.Length * outputRate / inputRate);
        var output = new float[outputLength];

        // Cutoff in cycles per input sample; the kernel is widened when downsampling so it stays band-limited.
        var cutoff = 0.45 * Math.Min(inputRate, outputRate) / inputRate;
        const int ZeroCrossings = 16;
        var halfWidth = ZeroCrossings / (2 * cutoff);
        var step = (double)inputRate / outputRate;

        for (var n = 0; n < outputLength; n++)
        {
            var center = n * step;
            var first = Math.Max((int)Math.Ceiling(center - halfWidth), 0);
            var last = Math.Min((int)Math.Floor(center + halfWidth), input.Length - 1);
            double sum = 0;
            for (var k = first; k <= last; k++)
            {
                var t = k - center;
                var x = 2 * cutoff * t;
                var sinc = x == 0 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);
                var w = 0.5 + (0.5 * (t / halfWidth));
                var blackman = 0.42 - (0.5 * Math.Cos(2 * Math.PI * w)) + (0.08 * Math.Cos(4 * Math.PI * w));
                sum += input[k] * 2 * cutoff * sinc * blackman;
            }

            output[n] = (float)sum;
        }

        return output;
    }
}
