using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace OrleansIngest.TestSupport.Azurite;

/// <summary>
/// An Azurite storage emulator (npm <c>azurite</c>, from <c>tests/tools</c>) for one test collection: blob, queue
/// and table services on free loopback ports, in memory, telemetry off. Nothing leaves 127.0.0.1.
/// Use through an xunit collection fixture; give each test its own container.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Azurite's well-known development account.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The development account's well-known key (public, documented by Microsoft).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string Loopback = "127.0.0.1";
    private const int StartAttempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _output = new();
    private readonly bool _durable;
    private Process? _process;
    private TempDirectory? _workspace;
    private string? _script;
    private int[] _ports = [];

    /// <summary>An in-memory emulator (data is lost when it stops). xunit needs this to be the only public constructor.</summary>
    public AzuriteFixture()
    {
    }

    private AzuriteFixture(bool durable) => _durable = durable;

    /// <summary>
    /// An emulator that keeps its data on disk, so that it can be stopped and started again
    /// (<see cref="StopServer"/>, <see cref="StartServerAsync"/>) to simulate a storage outage.
    /// </summary>
    public static AzuriteFixture CreateDurable() => new(durable: true);

    /// <summary>A connection string for the development account with all three endpoints.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>The blob endpoint, path-style: <c>http://127.0.0.1:&lt;port&gt;/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint { get; private set; } = null!;

    /// <summary>The queue endpoint.</summary>
    public Uri QueueEndpoint { get; private set; } = null!;

    /// <summary>The table endpoint.</summary>
    public Uri TableEndpoint { get; private set; } = null!;

    /// <summary>The URL of <paramref name="container"/> (and a prefix inside it) on the blob endpoint.</summary>
    public string ContainerUrl(string container, string prefix = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(container);
        ArgumentNullException.ThrowIfNull(prefix);
        var url = $"{BlobEndpoint.AbsoluteUri.TrimEnd('/')}/{container}";
        var trimmed = prefix.Trim('/');
        return trimmed.Length == 0 ? url : $"{url}/{trimmed}";
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await TestTools.EnsureNodePackagesAsync();
        var script = Path.Combine(TestTools.ToolsDirectory, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed at {script}; run `npm ci` in {TestTools.ToolsDirectory}.");
        }

        _workspace = new TempDirectory("azurite");
        _script = script;
        for (var attempt = 1; ; attempt++)
        {
            // Ports are picked free and then released, so another process may take one first: try again then.
            var ports = FreePorts(3);
            if (await TryStartAsync(script, ports[0], ports[1], ports[2]))
            {
                _ports = ports;
                SetEndpoints(ports[0], ports[1], ports[2]);
                return;
            }

            if (attempt == StartAttempts)
            {
                throw new InvalidOperationException(
                    $"Azurite exited or did not accept connections on 127.0.0.1:{ports[0]} within {StartTimeout.TotalSeconds:0} s ({attempt} attempts). Its output:{Environment.NewLine}{Output()}");
            }
        }
    }

    /// <summary>
    /// Stops the emulator (a storage outage) the way an operator would, with SIGTERM, so that it saves its metadata:
    /// Azurite persists metadata only every 5 s, so a SIGKILL loses writes it already acknowledged — a storage that
    /// forgets acknowledged writes is not a fault any protocol can survive.
    /// </summary>
    public void StopServer()
    {
        if (_process is { HasExited: false } process)
        {
            using var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            term.WaitForExit(5_000);
            process.WaitForExit(20_000);
        }

        Stop();
    }

    /// <summary>Starts the emulator again on the same ports (after <see cref="StopServer"/>).</summary>
    public async Task StartServerAsync()
    {
        if (_script is null || _ports.Length != 3)
        {
            throw new InvalidOperationException("The fixture was never started.");
        }

        for (var attempt = 1; !await TryStartAsync(_script, _ports[0], _ports[1], _ports[2]); attempt++)
        {
            if (attempt == StartAttempts)
            {
                throw new InvalidOperationException($"Azurite did not restart on its ports.{Environment.NewLine}{Output()}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        Stop();
        _workspace?.Dispose();
        _workspace = null;
        return Task.CompletedTask;
    }

    private async Task<bool> TryStartAsync(string script, int blobPort, int queuePort, int tablePort)
    {
        Stop();
        lock (_output)
        {
            _output.Clear();
        }

        string[] arguments =
        [
            script,
            "--blobHost", Loopback, "--blobPort", Port(blobPort),
            "--queueHost", Loopback, "--queuePort", Port(queuePort),
            "--tableHost", Loopback, "--tablePort", Port(tablePort),
            // In memory (Azurite refuses --location with it), or on disk in the workspace for outage tests.
            .. _durable ? ["--location", _workspace!.Path] : new[] { "--inMemoryPersistence" },
            // Telemetry would probe a cloud metadata address; the SDK speaks a newer API version than Azurite knows.
            "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--silent",
        ];
        var process = new Process { StartInfo = TestTools.CreateStartInfo("node", arguments, _workspace!.Path), EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        TestTools.Start(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                return false;
            }

            if (await AcceptsAsync(blobPort) && await AcceptsAsync(queuePort) && await AcceptsAsync(tablePort))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    private void SetEndpoints(int blobPort, int queuePort, int tablePort)
    {
        BlobEndpoint = new Uri($"http://{Loopback}:{Port(blobPort)}/{AccountName}");
        QueueEndpoint = new Uri($"http://{Loopback}:{Port(queuePort)}/{AccountName}");
        TableEndpoint = new Uri($"http://{Loopback}:{Port(tablePort)}/{AccountName}");
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint={BlobEndpoint.AbsoluteUri.TrimEnd('/')};QueueEndpoint={QueueEndpoint.AbsoluteUri.TrimEnd('/')};TableEndpoint={TableEndpoint.AbsoluteUri.TrimEnd('/')};";
    }

    private void Stop()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        finally
        {
            process.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.Length == 0 ? "(nothing)" : _output.ToString();
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static int[] FreePorts(int count)
    {
        // Hold every listener until all ports are chosen, so that the three differ.
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var listener in listeners)
            {
                listener.Start();
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
