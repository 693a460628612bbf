using System.Text;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Sensors;
using OrleansIngest.Processing.Synthetic;

namespace OrleansIngest.Processing.Tests.Synthetic;

[Trait("Category", "Unit")]
public sealed class CorpusGeneratorTests
{
    [Fact]
    public void Generate_SameSeedGivesTheSameBytesAndManifest()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        var settings = new CorpusSettings(AudioMinutes: 1, SensorFiles: 3, BadFiles: 7, Seed: 7);

        var a = CorpusGenerator.Generate(first.Path, settings);
        var b = CorpusGenerator.Generate(second.Path, settings);

        Assert.Equal(a.ToJson(), b.ToJson());
        foreach (var file in a.Files)
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(first.Path, file.RelativePath)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(second.Path, file.RelativePath))),
                $"{file.RelativePath} differs between two runs with the same seed");
        }
    }

    [Fact]
    public void Generate_DifferentSeedsGiveDifferentAudioAndSensorData()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();

        var a = CorpusGenerator.Generate(first.Path, new CorpusSettings(AudioMinutes: 0.5, SensorFiles: 1, BadFiles: 0, Seed: 1));
        CorpusGenerator.Generate(second.Path, new CorpusSettings(AudioMinutes: 0.5, SensorFiles: 1, BadFiles: 0, Seed: 2));

        foreach (var file in a.Files.Where(f => f.Kind is CorpusFileKind.Audio or CorpusFileKind.Sensor))
        {
            Assert.False(
                File.ReadAllBytes(Path.Combine(first.Path, file.RelativePath)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(second.Path, file.RelativePath))),
                $"{file.RelativePath} does not depend on the seed");
        }
    }

    [Fact]
    public void Generate_DefaultManifestMatchesTheWavHeadersOnDisk()
    {
        using var directory = new TempDirectory();

        var manifest = CorpusGenerator.Generate(directory.Path, new CorpusSettings());

        var audio = manifest.OfKind(CorpusFileKind.Audio).ToList();
        Assert.Equal(6, audio.Count);
        foreach (var file in audio)
        {
            var bytes = File.ReadAllBytes(Path.Combine(directory.Path, file.RelativePath));
            var info = TestWavParser.Parse(bytes);
            Assert.Equal(bytes.Length, file.SizeBytes);
            Assert.Equal(file.SampleRate!.Value, info.SampleRate);
            Assert.Equal(file.Channels!.Value, info.Channels);
            Assert.True(info.DataOffset + info.DeclaredDataSize <= bytes.Length, $"{file.RelativePath} is shorter than its header says");
            var frames = info.DeclaredDataSize / info.BlockAlign;
            Assert.Equal(file.DurationSeconds!.Value, (double)frames / info.SampleRate, 1e-12);
        }

        Assert.Equal(180, manifest.TotalAudioSeconds, 0.01);
        Assert.True(audio.Count(f => f.DurationSeconds > 30) >= 3, "fewer than three files span several 30 s segments");
        Assert.Single(audio, f => f.DurationSeconds < 1);
        Assert.Equal(
            [WavSampleFormat.Pcm8, WavSampleFormat.Pcm16, WavSampleFormat.Pcm24, WavSampleFormat.Float32],
            audio.Select(f => f.SampleFormat!.Value).Distinct().Order());
        Assert.Equal(["audio/calls", "audio/field", "audio/meetings"], audio.Select(f => Path.GetDirectoryName(f.RelativePath)!.Replace('\\', '/')).Distinct().Order());
        Assert.Contains(audio, f => f.SampleRate == 16000 && f.Channels == 1 && f.SampleFormat == WavSampleFormat.Pcm16);
        Assert.Contains(audio, f => f.SampleRate == 44100 && f.Channels == 2 && f.SampleFormat == WavSampleFormat.Pcm16);
        Assert.Contains(audio, f => f.SampleRate == 48000 && f.SampleFormat == WavSampleFormat.Float32);
        Assert.Contains(audio, f => f.SampleRate == 8000 && f.SampleFormat == WavSampleFormat.Pcm8);
    }

    [Fact]
    public void Generate_ListsExactlyTheFilesItWrote()
    {
        using var directory = new TempDirectory();

        var manifest = CorpusGenerator.Generate(directory.Path, new CorpusSettings(AudioMinutes: 0.5, SensorFiles: 4, BadFiles: 9, Seed: 5));

        var onDisk = Directory.EnumerateFiles(directory.Path, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(directory.Path, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
        Assert.Equal(onDisk, manifest.Files.Select(f => f.RelativePath).Order(StringComparer.Ordinal));
        Assert.Equal(4, manifest.OfKind(CorpusFileKind.Sensor).Count());
        Assert.Equal(9, manifest.OfKind(CorpusFileKind.Bad).Count());
        Assert.Equal("notes.txt", Assert.Single(manifest.OfKind(CorpusFileKind.Skip)).RelativePath);
        Assert.Contains(manifest.Files, f => f.RelativePath == "audio/incoming/truncated-2.wav");
        Assert.All(manifest.Files, f => Assert.Equal(new FileInfo(Path.Combine(directory.Path, f.RelativePath)).Length, f.SizeBytes));
    }

    [Fact]
    public void Generate_WithoutAudioMinutesWritesNoAudio()
    {
        using var directory = new TempDirectory();

        var manifest = CorpusGenerator.Generate(directory.Path, new CorpusSettings(AudioMinutes: 0, SensorFiles: 1, BadFiles: 0));

        Assert.Empty(manifest.OfKind(CorpusFileKind.Audio));
        Assert.False(Directory.Exists(Path.Combine(directory.Path, "audio")));
    }

    [Fact]
    public async Task Generate_SensorFilesYieldTheManifestWindowCounts()
    {
        using var directory = new TempDirectory();

        var manifest = CorpusGenerator.Generate(directory.Path, new CorpusSettings(AudioMinutes: 0, SensorFiles: 4, BadFiles: 0));

        var sensors = manifest.OfKind(CorpusFileKind.Sensor).ToList();
        Assert.Equal(4, sensors.Count);
        foreach (var file in sensors)
        {
            var windows = new List<SensorWindow>();
            await using (var stream = File.OpenRead(Path.Combine(directory.Path, file.RelativePath)))
            {
                await foreach (var w in SensorCsvReader.ReadWindowsAsync(stream, file.RelativePath, SensorWindowSettings.Default with { WindowLength = CorpusManifest.SensorWindowLength }))
                {
                    windows.Add(w);
                }
            }

            Assert.Equal(file.WindowCount, windows.Count);
            Assert.Equal(file.RowCount, windows.Sum(w => w.SampleCount));
            Assert.Equal(file.SensorCount, windows.Select(w => w.SensorId).Distinct().Count());
            Assert.Contains("co2", windows[0].ChannelNames);
            Assert.True(windows.Count(w => w.SampleCount > 1) > windows.Count / 2);
        }

        // Minutes at 10 s windows: 5 min at 1 Hz, 4 min at 10 Hz, 3 sensors x 3 min, then 5 min x 1.25.
        Assert.Equal([30, 24, 54, 38], sensors.Select(f => f.WindowCount!.Value));
        var firstRows = sensors.Select(f => File.ReadLines(Path.Combine(directory.Path, f.RelativePath)).ElementAt(1)).ToList();
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,", firstRows[0]);
        Assert.Matches(@"^\d{10}\.\d{3},", firstRows[1]);
        Assert.Matches(@"^mox-1;\d{4}-\d\d-\d\dT[\d:.]+\+01:00;", firstRows[2]);
    }

    [Fact]
    public async Task Generate_BadFilesAreWhatTheyClaim()
    {
        using var directory = new TempDirectory();

        var manifest = CorpusGenerator.Generate(directory.Path, new CorpusSettings(AudioMinutes: 0, SensorFiles: 0, BadFiles: 7));

        var bad = manifest.OfKind(CorpusFileKind.Bad).ToDictionary(f => f.RelativePath);
        Assert.Equal(7, bad.Count);
        Assert.All(bad.Values, f => Assert.False(string.IsNullOrEmpty(f.ReasonKeyword)));
        byte[] Read(string path) => File.ReadAllBytes(Path.Combine(directory.Path, path));

        var truncated = Read("audio/incoming/truncated.wav");
        var truncatedInfo = TestWavParser.Parse(truncated);
        Assert.Equal(64_000, truncatedInfo.DeclaredDataSize);
        Assert.Equal(16_000, truncated.Length - truncatedInfo.DataOffset);
        Assert.Equal("truncated", bad["audio/incoming/truncated.wav"].ReasonKeyword);

        var random = Read("audio/incoming/random-bytes.wav");
        Assert.Equal(4096, random.Length);
        Assert.NotEqual("RIFF", Encoding.ASCII.GetString(random, 0, 4));
        Assert.NotEqual("RF64", Encoding.ASCII.GetString(random, 0, 4));

        Assert.Equal(0, TestWavParser.Parse(Read("audio/incoming/zero-channels.wav")).Channels);
        Assert.Equal(1_000_000_000, TestWavParser.Parse(Read("audio/incoming/absurd-rate.wav")).SampleRate);
        Assert.Empty(Read("audio/incoming/empty.wav"));
        Assert.Equal("empty", bad["audio/incoming/empty.wav"].ReasonKeyword);

        foreach (var (path, line) in new[] { ("sensors/incoming/non-numeric.csv", 17), ("sensors/incoming/ragged.csv", 12) })
        {
            using var stream = new MemoryStream(Read(path));
            var ex = await Assert.ThrowsAsync<InvalidMediaException>(async () =>
            {
                await foreach (var unused in SensorCsvReader.ReadWindowsAsync(stream, path, SensorWindowSettings.Default))
                {
                }
            });
            Assert.Contains(bad[path].ReasonKeyword!, ex.Reason, StringComparison.OrdinalIgnoreCase);
            Assert.StartsWith($"line {line}", ex.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Generate_AudioAlternatesSpeechLikeBurstsWithQuietGaps()
    {
        using var directory = new TempDirectory();

        var manifest = CorpusGenerator.Generate(directory.Path, new CorpusSettings(AudioMinutes: 1, SensorFiles: 0, BadFiles: 0));

        var file = manifest.Files.Single(f => f.RelativePath == "audio/calls/call-0001.wav");
        var bytes = File.ReadAllBytes(Path.Combine(directory.Path, file.RelativePath));
        var samples = TestWavParser.DecodeSamples(bytes, TestWavParser.Parse(bytes));
        var frame = 1600; // 100 ms at 16 kHz
        var rms = Enumerable.Range(0, samples.Length / frame)
            .Select(f => Math.Sqrt(samples.AsSpan(f * frame, frame).ToArray().Average(x => x * x)))
            .ToList();
        var quiet = rms.Count(r => r < 0.005) / (double)rms.Count;
        var loud = rms.Count(r => r > 0.05) / (double)rms.Count;
        Assert.InRange(quiet, 0.1, 0.6);
        Assert.InRange(loud, 0.2, 0.9);
        Assert.True(samples.Max(Math.Abs) < 1.0, "the signal clips");
    }

    [Fact]
    public void Manifest_RoundTripsThroughJson()
    {
        using var directory = new TempDirectory();
        var manifest = CorpusGenerator.Generate(directory.Path, new CorpusSettings(AudioMinutes: 0.2, SensorFiles: 1, BadFiles: 2));

        var json = manifest.ToJson();
        var back = CorpusManifest.FromJson(json);

        Assert.Equal(manifest.Seed, back.Seed);
        Assert.Equal(manifest.Files, back.Files);
        Assert.Contains("\"kind\": \"Audio\"", json, StringComparison.Ordinal);
    }
}
