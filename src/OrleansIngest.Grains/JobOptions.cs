using System.ComponentModel.DataAnnotations;

namespace OrleansIngest.Grains;

/// <summary>Job orchestration settings (section <c>OrleansIngest:Jobs</c>).</summary>
public sealed class JobOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "OrleansIngest:Jobs";

    /// <summary>How long a worker holds a unit before it returns to the queue (renewed by completion).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a commit's lease check holds the file's leases: the commit grain must write the log entry within
    /// it (less a safety margin) or check again. Longer than any single log append should take.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan CommitHold { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts for a unit that fails for reasons other than bad input before it is quarantined.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Partitions of a new job: units are spread over this many grains by unit id.</summary>
    [Range(1, 4096)]
    public int Partitions { get; set; } = 8;

    /// <summary>Objects listed per page; the listing checkpoint advances a page at a time.</summary>
    [Range(1, 5000)]
    public int ListingPageSize { get; set; } = 1000;

    /// <summary>
    /// Blob versions a continuous job remembers to drop repeated events early (one per blob name under the <c>latest</c>
    /// policy). Forgetting is safe: unit ids and the commit log still collapse a repeated version.
    /// </summary>
    [Range(1, 10_000_000)]
    public int EventMemory { get; set; } = 100_000;
}

/// <summary>Names of the grain storage providers.</summary>
public static class IngestStorageNames
{
    /// <summary>Storage of job and registry state.</summary>
    public const string Jobs = "ingest";
}
