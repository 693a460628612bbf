using System.Text.Json;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Integration.Tests.Governance;

[Trait("Category", "Integration")]
public sealed class GovernanceCliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(6);

    private const string RestrictedPipeline = """
        name: governed
        sensitivity: restricted
        routes:
          - match: ['sensors/**/*.csv']
            table: sensor_windows
            kind: sensor
        """;

    [Fact]
    public async Task Ingest_RejectsARawColumnAtTheInternalTierNamingColumnAndTier()
    {
        using var temp = new TempDirectory("gov-reject");
        Directory.CreateDirectory(temp.Combine("src"));
        await File.WriteAllTextAsync(temp.Combine("p.yaml"), "routes:\n  - match: ['**/*.wav']\n    table: calls\n    kind: audio\n    columns:\n      - name: pcm16\n        class: derived\n");

        var result = await CliRunner.RunAsync(Timeout, "ingest", "--source", temp.Combine("src"), "--output", temp.Combine("out"), "--pipeline", temp.Combine("p.yaml"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'pcm16'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("tier internal", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestrictedIngest_WritesOnlyEncryptedFilesWithoutRawUris_ThenEraseAndAuditWork()
    {
        using var temp = new TempDirectory("gov-cli");
        var home = new Dictionary<string, string> { ["HOME"] = temp.Combine("home") };
        var source = temp.Combine("src");
        var output = temp.Combine("out");
        var table = Path.Combine(output, "sensor_windows");
        await File.WriteAllTextAsync(temp.Combine("p.yaml"), RestrictedPipeline);
        var generated = await CliRunner.RunAsync(Timeout, "generate", "--out", source, "--audio-minutes", "0.1", "--sensor-files", "3", "--bad-files", "0", "--seed", "11");
        Assert.True(generated.ExitCode == 0, generated.ToString());

        var ingest = await CliRunner.RunAsync(Timeout, home, ["ingest", "--source", source, "--output", output, "--pipeline", temp.Combine("p.yaml")]);
        Assert.True(ingest.ExitCode == 0, ingest.ToString());

        Assert.Empty(Directory.EnumerateFiles(table, "*.parquet"));
        var encrypted = Directory.EnumerateFiles(table, "*.parquet.enc").ToList();
        Assert.NotEmpty(encrypted);
        Assert.All(encrypted, f => Assert.Equal(-1, File.ReadAllBytes(f).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(source))));
        var logged = Directory.EnumerateFiles(Path.Combine(table, "_ingest", "log"), "*.json")
            .Where(f => !f.EndsWith(".checkpoint.json", StringComparison.Ordinal))
            .SelectMany(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("files").EnumerateArray())
            .ToList();
        Assert.Equal(encrypted.Count, logged.Count);
        Assert.All(logged, f => Assert.StartsWith("local:", f.GetProperty("kek_id").GetString(), StringComparison.Ordinal));
        var before = await DecryptAndCountAsync(home, table, temp.Combine("plain1"), source);
        Assert.True(before.Rows > 0);
        Assert.Equal(0, before.RawUris);
        var map = Directory.EnumerateFiles(Path.Combine(output, "_ingest", "private", "source_map")).ToList();
        Assert.Equal(3, map.Count);
        var erasedUri = JsonDocument.Parse(File.ReadAllText(map[0])).RootElement.GetProperty("source_uri").GetString()!;
        Assert.StartsWith(new Uri(source).AbsoluteUri, erasedUri, StringComparison.Ordinal);

        var erase = await CliRunner.RunAsync(Timeout, home, ["erase", "--output", output, "--source-uri", erasedUri]);
        Assert.True(erase.ExitCode == 0, erase.ToString());
        var after = await DecryptAndCountAsync(home, table, temp.Combine("plain2"), source);
        Assert.True(after.Rows < before.Rows, $"{after.Rows} rows after erasing, {before.Rows} before");
        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(output, "_ingest", "private", "source_map")).Count());

        // The same blob versions ingested again: the erased one is tombstoned and commits nothing.
        var again = await CliRunner.RunAsync(Timeout, home, ["ingest", "--source", source, "--output", output, "--pipeline", temp.Combine("p.yaml")]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(after.Rows, (await DecryptAndCountAsync(home, table, temp.Combine("plain3"), source)).Rows);
        var status = await CliRunner.RunAsync(Timeout, home, ["status", "--output", output, "--json"]);
        var units = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("tables")[0].GetProperty("units");
        Assert.Equal(1, units.GetProperty("erased").GetInt32());
        Assert.Equal(2, units.GetProperty("committed").GetInt32());

        var audit = await CliRunner.RunAsync(Timeout, home, ["audit", "--output", output, "--json"]);
        Assert.True(audit.ExitCode == 0, audit.ToString());
        var records = audit.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(["submit", "erase", "submit"], records.Select(r => r.GetProperty("action").GetString()));
        Assert.All(records, r => Assert.Equal($"cli/{Environment.UserName}", r.GetProperty("actor").GetString()));
    }

    private static async Task<(long Rows, long RawUris)> DecryptAndCountAsync(Dictionary<string, string> home, string table, string plain, string source)
    {
        var decrypt = await CliRunner.RunAsync(Timeout, home, ["decrypt", "--input", table, "--output", plain]);
        Assert.True(decrypt.ExitCode == 0, decrypt.ToString());
        var glob = DuckDbQuery.Literal(Path.Combine(plain, "*.parquet"));
        var rows = await DuckDbQuery.QueryAsync(
            $"SELECT count(*) AS n, count(*) FILTER (WHERE source_uri NOT LIKE 'hmac-sha256:%' OR CAST(t AS VARCHAR) LIKE {DuckDbQuery.Literal("%" + source + "%")}) AS raw FROM read_parquet({glob}) AS t");
        return (rows[0].GetProperty("n").GetInt64(), rows[0].GetProperty("raw").GetInt64());
    }
}
