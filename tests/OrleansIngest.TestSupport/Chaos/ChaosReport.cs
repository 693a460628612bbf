using System.Globalization;
using System.Text;

namespace OrleansIngest.TestSupport.Chaos;

/// <summary>
/// The reconciliation of a chaos run, in Jepsen's categories, read by DuckDB from the downloaded tables and from
/// the commit logs' quarantine entries.
/// </summary>
public sealed record ChaosReport
{
    /// <summary>Good files in the corpus (audio and sensor).</summary>
    public int Expected { get; init; }

    /// <summary>Good files whose rows are all present, once.</summary>
    public int Committed { get; init; }

    /// <summary>Good files absent from the tables, or with fewer rows than they give.</summary>
    public IReadOnlyList<string> Lost { get; init; } = [];

    /// <summary>Sources with more rows than they give, or rows spread over more than one data file.</summary>
    public IReadOnlyList<string> Duplicated { get; init; } = [];

    /// <summary>Sources in the tables that are not good files of the corpus.</summary>
    public IReadOnlyList<string> Unexpected { get; init; } = [];

    /// <summary>Sources the logs quarantine.</summary>
    public IReadOnlyList<string> Quarantined { get; init; } = [];

    /// <summary>The seeded bad files.</summary>
    public IReadOnlyList<string> SeededBad { get; init; } = [];

    /// <summary>Whether the job reached Completed (otherwise <see cref="JobOutcome"/> says what happened).</summary>
    public bool JobCompleted { get; init; }

    /// <summary>The job's end, in words.</summary>
    public string JobOutcome { get; init; } = "";

    /// <summary>Silo processes started (including restarts).</summary>
    public int SilosStarted { get; init; }

    /// <summary>SIGKILLs delivered.</summary>
    public int Kills { get; init; }

    /// <summary>Storage faults (lost responses, 503s) the silos reported injecting.</summary>
    public long StorageFaults { get; init; }

    /// <summary>From submit to completion.</summary>
    public TimeSpan JobWallTime { get; init; }

    /// <summary>Units (good and bad files) in the corpus.</summary>
    public int Units { get; init; }

    /// <summary>Whether the quarantined set equals the seeded bad set exactly.</summary>
    public bool QuarantineMatches => Quarantined.Order(StringComparer.Ordinal).SequenceEqual(SeededBad.Order(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>Nothing lost, duplicated or unexpected, exactly the bad files quarantined, and the job completed.</summary>
    public bool Passed => JobCompleted && Lost.Count == 0 && Duplicated.Count == 0 && Unexpected.Count == 0 && QuarantineMatches;

    /// <summary>A Markdown table of the counts, then the offending sources (at most 20 per category).</summary>
    public string ToTable()
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("| category | count |").AppendLine("|---|---|");
        text.AppendLine(inv, $"| expected (good files) | {Expected} |");
        text.AppendLine(inv, $"| committed | {Committed} |");
        text.AppendLine(inv, $"| lost | {Lost.Count} |");
        text.AppendLine(inv, $"| duplicated | {Duplicated.Count} |");
        text.AppendLine(inv, $"| unexpected | {Unexpected.Count} |");
        text.AppendLine(inv, $"| quarantined | {Quarantined.Count} ({(QuarantineMatches ? "= the seeded bad set" : "≠ the seeded bad set")}, {SeededBad.Count} seeded) |");
        text.AppendLine(inv, $"| job | {JobOutcome} |");
        text.AppendLine(inv, $"| wall time (submit → completed) | {JobWallTime.TotalSeconds:0.0} s |");
        text.AppendLine(inv, $"| kills (SIGKILL + restart) | {Kills} ({SilosStarted} silo processes started) |");
        text.AppendLine(inv, $"| storage faults injected (lost responses, 503s) | {StorageFaults} |");
        text.AppendLine(inv, $"| units/s | {(JobWallTime > TimeSpan.Zero ? Units / JobWallTime.TotalSeconds : 0):0.0} ({Units} units) |");
        AppendList(text, "lost", Lost);
        AppendList(text, "duplicated", Duplicated);
        AppendList(text, "unexpected", Unexpected);
        AppendList(text, "quarantined but not seeded", [.. Quarantined.Except(SeededBad, StringComparer.Ordinal)]);
        AppendList(text, "seeded but not quarantined", [.. SeededBad.Except(Quarantined, StringComparer.Ordinal)]);
        return text.ToString();
    }

    private static void AppendList(StringBuilder text, string name, IReadOnlyList<string> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"{name}: {string.Join(", ", items.Take(20))}{(items.Count > 20 ? ", …" : "")}");
    }
}
