using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace OrleansIngest.TestSupport.DuckDb;

/// <summary>
/// Runs SQL in DuckDB (npm <c>@duckdb/node-api</c>, through <c>tests/tools/duckdb-query.mjs</c>) so that tests
/// check our Parquet output with a reader that shares no code with the writer.
/// </summary>
public static class DuckDbQuery
{
    private const string ToolsFolder = "tests/tools";
    private const string ScriptName = "duckdb-query.mjs";
    private const string SolutionFileName = "OrleansIngest.sln";

    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static volatile bool _installed;

    /// <summary>The folder holding the Node tool (<c>tests/tools</c> under the repository root).</summary>
    public static string ToolsDirectory => Path.Combine(FindRepositoryRoot(), ToolsFolder);

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
        await EnsureInstalledAsync(toolsDirectory, cancellationToken);

        var result = await RunAsync(
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

    private static async Task EnsureInstalledAsync(string toolsDirectory, CancellationToken cancellationToken)
    {
        if (_installed)
        {
            return;
        }

        await InstallLock.WaitAsync(cancellationToken);
        try
        {
            if (_installed)
            {
                return;
            }

            var packageFolder = Path.Combine(toolsDirectory, "node_modules", "@duckdb", "node-api");
            if (!Directory.Exists(packageFolder))
            {
                var install = await RunAsync(
                    "npm",
                    ["ci", "--no-audit", "--no-fund"],
                    toolsDirectory,
                    InstallTimeout,
                    cancellationToken);
                if (install.ExitCode != 0)
                {
                    throw new InvalidOperationException(
                        $"`npm ci` in {toolsDirectory} failed (exit code {install.ExitCode}): {install.StandardError.Trim()}");
                }
            }

            _installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task<ProcessResult> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException(
                $"`{fileName}` could not be started; install Node.js 20+ with npm (e.g. `apt-get install nodejs npm`).",
                exception);
        }

        // Read both pipes concurrently: a full stderr pipe would otherwise block the child forever.
        var standardOutput = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var standardError = process.StandardError.ReadToEndAsync(cancellationToken);

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException($"`{fileName} {string.Join(' ', arguments)}` did not finish within {timeout.TotalSeconds:0} s.");
        }

        return new ProcessResult(process.ExitCode, await standardOutput, await standardError);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFileName)))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No {SolutionFileName} found above {AppContext.BaseDirectory}; DuckDbQuery needs the repository's {ToolsFolder}.");
    }

    private sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);
}
