using System.Diagnostics;
using System.Globalization;
using System.Text;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Integration.Tests;

/// <summary>
/// Every format users drop, through the CLI on the embedded silo, read back by DuckDB: one 75 s stereo 44.1 kHz
/// recording encoded by ffmpeg as WAV, FLAC, MP3, Ogg Vorbis, Ogg Opus and M4A (AAC), and one sensor log as CSV,
/// JSON Lines and gzip-compressed JSON Lines.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FormatsIngestTests
{
    private const int Seconds = 75;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task Ingest_EveryAudioAndSensorFormat_LandsOnceWithItsCodecDurationAndWindows()
    {
        using var temp = new TempDirectory("oi-formats");
        var source = temp.Combine("src");
        Directory.CreateDirectory(source);
        WriteStereoWav(Path.Combine(source, "call.wav"));
        string[] encodings =
        [
            "flac|-c:a flac", "mp3|-c:a libmp3lame -b:a 128k", "ogg|-c:a libvorbis -q:a 4", "opus|-c:a libopus -b:a 64k", "m4a|-c:a aac -b:a 128k",
        ];
        foreach (var encoding in encodings)
        {
            var (extension, codec) = (encoding.Split('|')[0], encoding.Split('|')[1]);
            await FfmpegAsync($"-i call.wav {codec} call.{extension}", source);
        }

        WriteSensorLogs(source);

        var result = await CliRunner.RunAsync(Timeout, "ingest", "--source", source, "--output", temp.Combine("out"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var audio = await DuckDbQuery.QueryAsync(
            $"SELECT regexp_extract(source_uri, '[^/]+$') AS file, any_value(codec_in) AS codec, any_value(channels_in) AS channels, " +
            $"count(*) AS n, count(DISTINCT segment_id) AS ids, max(end_s) AS seconds " +
            $"FROM read_parquet('{temp.Combine("out", "audio_segments")}/*.parquet') GROUP BY file ORDER BY file");
        Assert.Equal(["call.flac", "call.m4a", "call.mp3", "call.ogg", "call.opus", "call.wav"], audio.Select(r => r.GetProperty("file").GetString()));
        var codecs = audio.ToDictionary(r => r.GetProperty("file").GetString()!, r => r.GetProperty("codec").GetString());
        Assert.Equal("flac", codecs["call.flac"]);
        Assert.Equal("mp3", codecs["call.mp3"]);
        Assert.Equal("vorbis", codecs["call.ogg"]);
        Assert.Equal("opus", codecs["call.opus"]);
        Assert.Equal("aac", codecs["call.m4a"]);
        Assert.Equal("pcm_s16le", codecs["call.wav"]);
        Assert.All(audio, r =>
        {
            // 75 s → segments of 30, 30 and 15 s, each once; decoded length within a frame of the source's.
            Assert.Equal(3, r.GetProperty("n").GetInt64());
            Assert.Equal(3, r.GetProperty("ids").GetInt64());
            Assert.Equal(2, r.GetProperty("channels").GetInt64());
            Assert.InRange(r.GetProperty("seconds").GetDouble(), Seconds - 0.05, Seconds + 0.05);
        });
        var sensors = await DuckDbQuery.QueryAsync(
            $"SELECT regexp_extract(source_uri, '[^/]+$') AS file, count(*) AS n, sum(sample_count) AS samples, round(avg(mean[1]), 6) AS temp, round(min(slope[1]), 9) AS slope_min, round(max(slope[1]), 9) AS slope_max " +
            $"FROM read_parquet('{temp.Combine("out", "sensor_windows")}/*.parquet') GROUP BY file ORDER BY file");
        Assert.Equal(["log.csv", "log.jsonl", "log.jsonl.gz"], sensors.Select(r => r.GetProperty("file").GetString()));
        Assert.All(sensors, r =>
        {
            Assert.Equal(6, r.GetProperty("n").GetInt64());
            Assert.Equal(60, r.GetProperty("samples").GetInt64());
            Assert.Equal(sensors[0].GetProperty("temp").GetDouble(), r.GetProperty("temp").GetDouble());
            // temp rises 0.1 per second: every window's least-squares slope says so.
            Assert.Equal(0.1, r.GetProperty("slope_min").GetDouble(), 6);
            Assert.Equal(0.1, r.GetProperty("slope_max").GetDouble(), 6);
        });
    }

    private static void WriteStereoWav(string path)
    {
        const int Rate = 44_100;
        var samples = new float[Seconds * Rate * 2];
        for (var i = 0; i < Seconds * Rate; i++)
        {
            var t = i / (double)Rate;
            samples[2 * i] = (float)(0.3 * Math.Sin(2 * Math.PI * (200 + (40 * t)) * t));
            samples[(2 * i) + 1] = (float)(0.2 * Math.Sin(2 * Math.PI * 330 * t));
        }

        using var file = File.Create(path);
        WavEncoder.Write(file, samples, Rate, 2, WavSampleFormat.Pcm16);
    }

    // One sensor, two channels, one reading a second for 60 s: six 10 s windows in each format.
    private static void WriteSensorLogs(string folder)
    {
        var start = new DateTimeOffset(2026, 11, 29, 8, 0, 0, TimeSpan.Zero);
        var csv = new StringBuilder("timestamp,sensor_id,temp,hum\n");
        var jsonl = new StringBuilder();
        for (var i = 0; i < 60; i++)
        {
            var ts = start.AddSeconds(i).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            var (temp, hum) = (20 + (i * 0.1), 40 + (i % 7));
            csv.Append(CultureInfo.InvariantCulture, $"{ts},s1,{temp},{hum}\n");
            jsonl.Append(CultureInfo.InvariantCulture, $"{{\"ts\":\"{ts}\",\"sensor_id\":\"s1\",\"values\":{{\"temp\":{temp},\"hum\":{hum}}}}}\n");
        }

        File.WriteAllText(Path.Combine(folder, "log.csv"), csv.ToString());
        File.WriteAllText(Path.Combine(folder, "log.jsonl"), jsonl.ToString());
        using var gz = new System.IO.Compression.GZipStream(File.Create(Path.Combine(folder, "log.jsonl.gz")), System.IO.Compression.CompressionLevel.Optimal);
        gz.Write(Encoding.UTF8.GetBytes(jsonl.ToString()));
    }

    private static async Task FfmpegAsync(string arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo("ffmpeg", "-hide_banner -loglevel error -y " + arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg could not start (scripts/setup.sh installs it).");
        var stderr = await process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"ffmpeg {arguments}: {stderr}");
    }
}
