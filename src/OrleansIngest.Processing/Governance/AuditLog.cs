using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansIngest.Processing.Governance;

/// <summary>One audited action (one JSON object, one line).</summary>
public sealed record AuditRecord(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("actor")] string Actor,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("details")] IReadOnlyDictionary<string, string>? Details = null);

/// <summary>
/// The append-only audit log of an output (<c>&lt;output&gt;/_ingest/audit/</c>). Each record is its own object, created
/// put-if-absent under a name that starts with its time in ticks: concurrent writers (silos, CLIs) never overwrite
/// or interleave, no writer reads before it writes, and listing the folder in name order gives time order. Segments
/// shared by a writer would save objects but need append blobs or a lease per writer; one object per record keeps
/// the local and blob stores to the same put-if-absent primitive the commit log uses.
/// </summary>
public sealed class AuditLog(IGovernanceStore store, TimeProvider timeProvider)
{
    /// <summary>Folder of the records below the governance root.</summary>
    public const string Folder = "audit";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    /// <summary>Appends a record stamped now; returns it.</summary>
    public async Task<AuditRecord> AppendAsync(string actor, string action, string target, string outcome, IReadOnlyDictionary<string, string>? details = null, CancellationToken cancellationToken = default)
    {
        var record = new AuditRecord(timeProvider.GetUtcNow(), actor, action, target, outcome, details);
        var json = JsonSerializer.SerializeToUtf8Bytes(record, Options);
        var content = new byte[json.Length + 1];
        json.CopyTo(content, 0);
        content[^1] = (byte)'\n';
        while (true)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"{Folder}/{record.At.UtcTicks:D19}-{Guid.NewGuid():N}.jsonl");
            if (await store.TryCreateAsync(name, content, cancellationToken))
            {
                return record;
            }
        }
    }

    /// <summary>Reads records in time order, optionally from <paramref name="since"/> on, by one actor, or of one action.</summary>
    public async IAsyncEnumerable<AuditRecord> ReadAsync(DateTimeOffset? since = null, string? actor = null, string? action = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var path in store.ListAsync(Folder, cancellationToken))
        {
            var content = await store.ReadAsync(path, cancellationToken);
            if (content is null)
            {
                continue;
            }

            AuditRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<AuditRecord>(content, Options);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"Audit record '{path}' in {store.RootUri} is not valid JSON: {ex.Message}", ex);
            }

            if (record is null || (since is not null && record.At < since)
                || (actor is not null && !string.Equals(record.Actor, actor, StringComparison.Ordinal))
                || (action is not null && !string.Equals(record.Action, action, StringComparison.Ordinal)))
            {
                continue;
            }

            yield return record;
        }
    }
}
