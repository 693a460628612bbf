using System.Text.Json;

namespace OrleansIngest.TestSupport.DuckDb;

/// <summary>
/// Runs SQL in DuckDB (npm <c>@duckdb/node-api</c>, through <c>tests/tools/duckdb-query.mjs</c>) so that tests
/// check our Parquet output with a reader that shares no code with the writer.
/// </summary>
public static class DuckDbQuery
{
    private const string ScriptName = "duckdb-query.mjs";

    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(120);

    /// <summary>The folder holding the Node tool (<c>tests/tools</c> under the repository root).</summary>
    public static string ToolsDirectory => TestTools.ToolsDirectory;

    /// <summary>
    /// Runs <paramref name="sql"/> and returns the result rows, one JSON object per row. BIGINTs come back as
    /// numbers, lists as arrays and timestamps as ISO-8601 strings (TIMESTAMPTZ ends in <c>Z</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">Node or npm is missing, or DuckDB failed (stderr included).</exception>
    /// <exception cref="TimeoutException">The query ran longer than 120 s.</exception>
    public static async Task<JsonElement[]> QueryAsync(string sql, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        var toolsDirectory = ToolsDirectory;
        await TestTools.EnsureNodePackagesAsync(cancellationToken);

        var result = await TestTools.RunAsync(
            "node",
            [Path.Combine(toolsDirectory, ScriptName), sql],
            toolsDirectory,
            QueryTimeout,
            cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"DuckDB query failed (exit code {result.ExitCode}): {result.StandardError.Trim()}{Environment.NewLine}SQL: {sql}");
        }

        using var document = JsonDocument.Parse(result.StandardOutput);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidOperationException($"DuckDB query printed {document.RootElement.ValueKind}, expected an array of rows.");
        }

        // Clone so that the elements outlive the document.
        return [.. document.RootElement.EnumerateArray().Select(row => row.Clone())];
    }

    /// <summary>Quotes a value as a SQL string literal (for file paths inside <c>read_parquet('…')</c>).</summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
