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

    /// <summary>Attempts for a unit that fails for reasons other than bad input before it is quarantined.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;
}

/// <summary>Names of the grain storage providers.</summary>
public static class IngestStorageNames
{
    /// <summary>Storage of job and registry state.</summary>
    public const string Jobs = "ingest";
}
