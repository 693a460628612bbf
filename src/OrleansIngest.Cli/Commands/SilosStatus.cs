using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using OrleansIngest.Silo.Admin;
using OrleansIngest.Storage;
using OrleansIngest.Storage.Azure;
using Spectre.Console;

namespace OrleansIngest.Cli.Commands;

/// <summary>
/// <c>status --silos</c>: the cluster's silos with what they advertise (cores, GPUs, GPU memory, weight) and run (lanes,
/// VAD batch, providers), read through the same service as the dashboard's Silos page.
/// </summary>
internal static class SilosStatus
{
    private const double MiBPerGiB = 1024;

    public static async Task<int> RunAsync(ClusterOptionsBinding shared, System.CommandLine.ParseResult parse, bool json, CancellationToken cancellationToken)
    {
        if (shared.Cluster(parse) is not { } cluster)
        {
            Console.Error.WriteLine("status --silos needs --cluster-connection-string (or ORLEANSINGEST__CLUSTER__CONNECTIONSTRING).");
            return 2;
        }

        using var client = await ClusterClients.ConnectAsync(cluster, cancellationToken);
        try
        {
            var admin = new AdminService(
                client.Services.GetRequiredService<IClusterClient>(), new StorageResolver(new AzureStorageSettings(shared.Storage(parse))), TimeProvider.System);
            var document = ToDocument(await ClusterCalls.RetryAsync(() => admin.ListSilosAsync(cancellationToken), cancellationToken));
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(document, SiloStatusJson.Default.SiloStatusDocument));
                return 0;
            }

            Print(document, AnsiConsole.Console);
            return 0;
        }
        finally
        {
            await client.StopAsync(CancellationToken.None);
        }
    }

    public static SiloStatusDocument ToDocument(IReadOnlyList<SiloView> silos)
    {
        ArgumentNullException.ThrowIfNull(silos);
        return new SiloStatusDocument([.. silos.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => new SiloStatusEntry(
            s.Name, s.Address, s.Status, s.Cores, s.GpuCount, s.GpuMemoryMiB, Math.Round(s.GpuMemoryMiB / MiBPerGiB, 2), s.GpuName, s.Weight, s.Lanes,
            s.VadMaxBatch, s.UnitsInFlight, s.UnitsPerSecond, s.ExecutionProvider, s.LastSeen))]);
    }

    public static void Print(SiloStatusDocument document, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(console);
        if (document.Silos.Count == 0)
        {
            console.WriteLine("No silo has reported yet.");
            return;
        }

        // One key/value table per silo: a row per silo with a dozen columns does not fit a terminal (or the 80 columns
        // Spectre assumes when the output is redirected).
        var inv = CultureInfo.InvariantCulture;
        foreach (var s in document.Silos)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn("").HideHeaders();
            table.AddRow("silo", Markup.Escape(s.Name));
            table.AddRow("address", Markup.Escape(s.Address));
            table.AddRow("status", s.Status);
            table.AddRow("cores", s.Cores.ToString(inv));
            table.AddRow("GPUs", s.Gpus.ToString(inv) + (s.GpuName.Length > 0 ? $" ({Markup.Escape(s.GpuName)})" : ""));
            table.AddRow("GPU memory", s.Gpus > 0 ? s.GpuMemoryGiB.ToString("0.##", inv) + " GiB" : "-");
            table.AddRow("weight", s.Weight.ToString("0.##", inv));
            table.AddRow("lanes", s.Lanes.ToString(inv));
            table.AddRow("VAD batch", s.VadMaxBatch > 0 ? s.VadMaxBatch.ToString(inv) : "-");
            table.AddRow("units in flight", s.UnitsInFlight.ToString(inv));
            table.AddRow("units/s", s.UnitsPerSecond.ToString("0.##", inv));
            table.AddRow("providers", Markup.Escape(s.Providers));
            table.AddRow("last report", s.LastSeen?.ToString("u", inv) ?? "-");
            console.Write(table);
        }
    }
}

internal sealed record SiloStatusDocument([property: JsonPropertyName("silos")] IReadOnlyList<SiloStatusEntry> Silos);

internal sealed record SiloStatusEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("cores")] int Cores,
    [property: JsonPropertyName("gpus")] int Gpus,
    [property: JsonPropertyName("gpu_memory_mib")] long GpuMemoryMiB,
    [property: JsonPropertyName("gpu_memory_gib")] double GpuMemoryGiB,
    [property: JsonPropertyName("gpu_name")] string GpuName,
    [property: JsonPropertyName("weight")] double Weight,
    [property: JsonPropertyName("lanes")] int Lanes,
    [property: JsonPropertyName("vad_max_batch")] int VadMaxBatch,
    [property: JsonPropertyName("units_in_flight")] int UnitsInFlight,
    [property: JsonPropertyName("units_per_second")] double UnitsPerSecond,
    [property: JsonPropertyName("providers")] string Providers,
    [property: JsonPropertyName("last_seen")] DateTimeOffset? LastSeen);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(SiloStatusDocument))]
internal sealed partial class SiloStatusJson : JsonSerializerContext;
