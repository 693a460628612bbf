using System.Diagnostics;
using System.Text;

namespace OrleansIngest.TestSupport;

/// <summary>
/// Runs the real <c>orleans-ingest</c> CLI, built next to the calling assembly, as separate processes: commands
/// with a timeout, and long-running silos.
/// </summary>
public static class CliRunner
{
    private const int KeptLines = 300;

    /// <summary>How a command ended.</summary>
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    /// <summary>Runs a command to its end; kills it (whole tree) and throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static Task<Result> RunAsync(TimeSpan timeout, params string[] args) => RunAsync(timeout, args, CancellationToken.None);

    /// <summary>Runs a command to its end; kills it (whole tree) and throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static Task<Result> RunAsync(TimeSpan timeout, IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        RunAsync(timeout, new Dictionary<string, string>(), args, cancellationToken);

    /// <summary>Runs a command with extra environment variables (configuration overrides) to its end, as above.</summary>
    public static async Task<Result> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        using var process = Process.Start(StartInfo(args, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"orleans-ingest {string.Join(' ', args)} did not finish within {timeout}.\n{await stdout}\n{await stderr}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running command (a silo); the last lines of its output are kept for diagnostics.</summary>
    public static BackgroundProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>Starts a long-running command with extra environment variables (configuration overrides).</summary>
    public static BackgroundProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        new(Process.Start(StartInfo(args, environment))!);

    private static ProcessStartInfo StartInfo(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "orleans-ingest.dll");
        if (!File.Exists(cli))
        {
            throw new InvalidOperationException($"The CLI is not built next to this assembly: {cli}");
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(cli);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["TERM"] = "dumb";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>A long-running process, SIGKILLed (whole tree) on dispose; the last lines of its output are kept.</summary>
    public sealed class BackgroundProcess : IDisposable
    {
        private readonly Process _process;
        private readonly Queue<string> _lines = new();
        private bool _disposed;

        internal BackgroundProcess(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        /// <summary>Whether the process has ended (or was disposed).</summary>
        public bool HasExited => _disposed || _process.HasExited;

        /// <summary>The last lines of stdout and stderr, interleaved.</summary>
        public string Output
        {
            get
            {
                lock (_lines)
                {
                    return new StringBuilder().AppendJoin('\n', _lines).ToString();
                }
            }
        }

        /// <summary>Sends SIGTERM (as a service manager stops a process) and waits up to <paramref name="timeout"/>; returns the exit code, or null if it still runs.</summary>
        public async Task<int?> TerminateAsync(TimeSpan timeout)
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
            {
                await kill.WaitForExitAsync();
            }

            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
                return _process.ExitCode;
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        /// <summary>Kills the process tree if it still runs.</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lines)
            {
                _lines.Enqueue(line);
                if (_lines.Count > KeptLines)
                {
                    _lines.Dequeue();
                }
            }
        }
    }
}
