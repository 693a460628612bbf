using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OrleansIngest.TestSupport;

/// <summary>The outcome of a finished tool process.</summary>
public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// The repository's Node tools (<c>tests/tools</c>: DuckDB, Azurite): where they are, installing them once per
/// test process with <c>npm ci</c> when a dependency is missing, and running processes with a timeout.
/// </summary>
public static class TestTools
{
    private const string ToolsFolder = "tests/tools";
    private const string SolutionFileName = "OrleansIngest.sln";

    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static volatile bool _installed;

    /// <summary>The repository root (the folder holding <c>OrleansIngest.sln</c>).</summary>
    public static string RepositoryRoot => FindRepositoryRoot();

    /// <summary>The folder holding the Node tools (<c>tests/tools</c> under the repository root).</summary>
    public static string ToolsDirectory => Path.Combine(FindRepositoryRoot(), ToolsFolder);

    /// <summary>
    /// Runs <c>npm ci</c> in <see cref="ToolsDirectory"/> unless every dependency of its <c>package.json</c> is
    /// already in <c>node_modules</c>; at most once per process.
    /// </summary>
    /// <exception cref="InvalidOperationException">npm is missing or the install failed (stderr included).</exception>
    public static async Task EnsureNodePackagesAsync(CancellationToken cancellationToken = default)
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

            var toolsDirectory = ToolsDirectory;
            // Test assemblies run as parallel processes: only one may run `npm ci` (which empties node_modules),
            // and the others must look again after it.
            using var installLock = await AcquireInstallLockAsync(toolsDirectory, cancellationToken);
            if (MissingPackages(toolsDirectory).Count > 0)
            {
                var install = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], toolsDirectory, InstallTimeout, cancellationToken);
                if (install.ExitCode != 0)
                {
                    throw new InvalidOperationException(
                        $"`npm ci` in {toolsDirectory} failed (exit code {install.ExitCode}): {install.StandardError.Trim()}");
                }

                var missing = MissingPackages(toolsDirectory);
                if (missing.Count > 0)
                {
                    throw new InvalidOperationException($"`npm ci` in {toolsDirectory} did not install {string.Join(", ", missing)}.");
                }
            }

            _installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>Runs a process to completion, killing it (and its children) after <paramref name="timeout"/>.</summary>
    /// <exception cref="InvalidOperationException">The program could not be started (Node.js or npm missing).</exception>
    /// <exception cref="TimeoutException">The process ran longer than <paramref name="timeout"/>.</exception>
    public static async Task<ToolResult> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return await RunAsync(CreateStartInfo(fileName, arguments, workingDirectory), timeout, cancellationToken);
    }

    /// <summary>As <see cref="RunAsync(string, IReadOnlyList{string}, string, TimeSpan, CancellationToken)"/> for a prepared start (e.g. with extra environment).</summary>
    public static async Task<ToolResult> RunAsync(ProcessStartInfo startInfo, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        using var process = new Process { StartInfo = startInfo };
        Start(process);

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

            throw new TimeoutException($"`{startInfo.FileName} {string.Join(' ', startInfo.ArgumentList)}` did not finish within {timeout.TotalSeconds:0} s.");
        }

        return new ToolResult(process.ExitCode, await standardOutput, await standardError);
    }

    /// <summary>Start information for a tool with redirected output and no shell.</summary>
    public static ProcessStartInfo CreateStartInfo(string fileName, IReadOnlyList<string> arguments, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(arguments);
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

        return startInfo;
    }

    /// <summary>Starts <paramref name="process"/>, explaining a missing Node.js installation.</summary>
    public static void Start(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        try
        {
            process.Start();
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException(
                $"`{process.StartInfo.FileName}` could not be started; install Node.js 20+ with npm (e.g. `apt-get install nodejs npm`).",
                exception);
        }
    }

    private static async Task<FileStream> AcquireInstallLockAsync(string toolsDirectory, CancellationToken cancellationToken)
    {
        var name = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(toolsDirectory)))[..16];
        var path = Path.Combine(Path.GetTempPath(), $"orleansingest-npm-{name}.lock");
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < InstallTimeout)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    private static List<string> MissingPackages(string toolsDirectory)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(toolsDirectory, "package.json")));
        var missing = new List<string>();
        if (manifest.RootElement.TryGetProperty("dependencies", out var dependencies))
        {
            foreach (var dependency in dependencies.EnumerateObject())
            {
                if (!File.Exists(Path.Combine(toolsDirectory, "node_modules", dependency.Name, "package.json")))
                {
                    missing.Add(dependency.Name);
                }
            }
        }

        return missing;
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
            $"No {SolutionFileName} found above {AppContext.BaseDirectory}; the test tools live in the repository's {ToolsFolder}.");
    }
}
