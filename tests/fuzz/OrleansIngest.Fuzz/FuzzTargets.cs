using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Sensors;

namespace OrleansIngest.Fuzz;

/// <summary>
/// The fuzz targets: each runs one managed parser over an input to the end. An <see cref="InvalidMediaException"/>
/// is the parser doing its job; any other exception escapes and is a finding.
/// </summary>
internal static class FuzzTargets
{
    /// <summary>Rewrites an input in place before it is decoded.</summary>
    private delegate void InputRepair(Span<byte> data);

    // A path that cannot exist: a format only ffmpeg decodes (MP4, ADTS) then fails in the locator, before any
    // process is started, with a message naming this path.
    private const string MissingFfmpeg = "/nonexistent/orleans-ingest-fuzz/ffmpeg";

    // Enough for every seed several times over, short enough that a legitimately long decode (a small file
    // that expands to many minutes of silence, which the 48 h default allows) stays far below AFL's hang limit.
    private static readonly TimeSpan MaxFuzzDuration = TimeSpan.FromMinutes(2);

    // SharpFuzz runs every input in the same process (persistent mode): one buffer serves them all.
    private static readonly float[] AudioBuffer = new float[4096];

    /// <summary>
    /// Set when an input is run by hand (not under afl-fuzz): the audio targets then say on stderr what became of
    /// it, which is how a seed is checked and a finding reproduced.
    /// </summary>
    public static bool Verbose { get; set; }

    /// <summary>
    /// When set, an audio input whose outcome (as <see cref="Verbose"/> prints it) contains this text counts as a
    /// crash. afl-tmin keeps only inputs that crash, so this minimises a finding while keeping its exact reason
    /// once the fix has turned the original crash into a rejection (see the README).
    /// </summary>
    public static string? OutcomeToKeep { get; set; }

    /// <summary>The targets by name.</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> ByName { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["sensor-csv"] = input => RunSensor(input, SensorFileFormat.Csv),
        ["sensor-jsonl"] = input => RunSensor(input, SensorFileFormat.JsonLines),
        ["wav"] = RunWav,
        ["flac"] = input => RunAudio(input, IsFlac, ChecksumRepair.RepairFlac),
        ["mp3"] = input => RunAudio(input, IsMpeg, repair: null),
        ["ogg"] = input => RunAudio(input, IsOgg, ChecksumRepair.RepairOgg),
        ["audio"] = input => RunAudio(input, _ => true, repair: null),
    };

    private static void RunSensor(byte[] input, SensorFileFormat format)
    {
        // Built per input, never in a static initialiser: instrumented code must not run before SharpFuzz has
        // set up the coverage map. Small bounds keep each execution fast and let the fuzzer reach the bound checks.
        var settings = SensorWindowSettings.Default with
        {
            Format = format,
            MaxLineBytes = 4096,
            MaxSensors = 64,
            MaxChannels = 64,
            MaxOpenWindows = 256,
            MaxOpenChannelWindows = 4096,
            MaxDecompressedBytes = 1 << 20,
        };

        // Both reading modes: the two-pass read (unsorted input) and the single pass (AssumeSorted).
        ReadSensor(input, settings);
        ReadSensor(input, settings with { AssumeSorted = true });
    }

    private static void ReadSensor(byte[] input, SensorWindowSettings settings)
    {
        try
        {
            Drain(input, settings).AsTask().GetAwaiter().GetResult();
        }
        catch (InvalidMediaException)
        {
        }
    }

    private static async ValueTask Drain(byte[] input, SensorWindowSettings settings)
    {
        using var stream = new MemoryStream(input, writable: false);
        await foreach (var window in SensorFileReader.ReadWindowsAsync(stream, "fuzz://input", settings))
        {
            Check(window);
        }
    }

    private static void Check(SensorWindow window)
    {
        for (var c = 0; c < window.ChannelNames.Length; c++)
        {
            // Statistics are NaN (no values) or finite, the mean within [min, max]; anything else is a bug.
            var mean = window.Mean[c];
            if (double.IsInfinity(mean) || double.IsInfinity(window.Std[c]) || (!double.IsNaN(mean) && (mean < window.Min[c] || mean > window.Max[c])))
            {
                throw new InvalidOperationException($"window {window.WindowIndex}, channel {c}: mean {mean}, std {window.Std[c]}, min {window.Min[c]}, max {window.Max[c]}");
            }
        }
    }

    private static void RunWav(byte[] input)
    {
        try
        {
            DecodeWav(input).AsTask().GetAwaiter().GetResult();
        }
        catch (InvalidMediaException)
        {
        }
    }

    private static async ValueTask DecodeWav(byte[] input)
    {
        using var stream = new MemoryStream(input, writable: false);
        using var source = await WavDecoder.OpenAsync(stream, input.Length, "fuzz://input.wav");
        var buffer = new float[4096];
        while (await source.ReadAsync(buffer) > 0)
        {
        }
    }

    // The per-format targets take only inputs with their format's magic, so that mutations are spent on that
    // decoder; detection itself, ID3v2 in front of anything and the other formats are the "audio" target's.
    private static bool IsFlac(byte[] input) => input.AsSpan().StartsWith("fLaC"u8);

    private static bool IsOgg(byte[] input) => input.AsSpan().StartsWith("OggS"u8);

    // An ID3v2 tag, or an MPEG frame sync that is not ADTS (layer bits 00).
    private static bool IsMpeg(byte[] input) =>
        input.AsSpan().StartsWith("ID3"u8) || (input.Length >= 2 && input[0] == 0xFF && (input[1] & 0xE0) == 0xE0 && (input[1] & 0x06) != 0);

    private static void RunAudio(byte[] input, Func<byte[], bool> accepts, InputRepair? repair)
    {
        if (!accepts(input))
        {
            Report("skipped: not this target's format");
            return;
        }

        repair?.Invoke(input);

        try
        {
            DecodeAudio(input).AsTask().GetAwaiter().GetResult();
        }
        catch (InvalidMediaException ex)
        {
            Report($"rejected: {ex.Reason} (at byte {ex.Offset})");
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith($"ffmpeg at '{MissingFfmpeg}'", StringComparison.Ordinal))
        {
            // MP4 or ADTS: ffmpeg's to decode, and ffmpeg is not fuzzed here. No process was started.
            Report("rejected: needs ffmpeg");
        }
    }

    private static void Report(string outcome)
    {
        if (Verbose)
        {
            Console.Error.WriteLine(outcome);
        }

        if (OutcomeToKeep is not null && outcome.Contains(OutcomeToKeep, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"kept outcome: {outcome}");
        }
    }

    private static async ValueTask DecodeAudio(byte[] input)
    {
        // Built per input (see RunSensor). No format goes to ffmpeg by choice; MP4 and ADTS always would, and
        // the missing path stops them in the locator.
        var options = new AudioDecoderOptions
        {
            FfmpegFormats = new HashSet<AudioFormatKind>(),
            FfmpegPath = MissingFfmpeg,
            MaxDuration = MaxFuzzDuration,
        }.Validate();
        using var stream = new MemoryStream(input, writable: false);
        using var source = await AudioDecoder.OpenAsync(stream, input.Length, "fuzz://input", options);
        int read;
        long samples = 0;
        while ((read = await source.ReadAsync(AudioBuffer)) > 0)
        {
            CheckFinite(AudioBuffer.AsSpan(0, read), source.Format);
            samples += read;
        }

        var format = source.Format;
        Report($"decoded: {format.Codec}, {format.SampleRate} Hz, {format.Channels} channel(s), {samples} samples");
    }

    private static void CheckFinite(ReadOnlySpan<float> samples, AudioFormatInfo format)
    {
        // Every decoder promises finite samples: FLAC, MPEG (NLayer) and Opus (Concentus) by construction from
        // bounded integers and gains, WAV float and Vorbis (whose setup header can encode any float as a codebook
        // value) because the decoder must check; downstream DSP turns one NaN into a NaN segment.
        for (var i = 0; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
            {
                throw new InvalidOperationException($"{format.Codec} decoder produced the non-finite sample {samples[i]}");
            }
        }
    }
}
