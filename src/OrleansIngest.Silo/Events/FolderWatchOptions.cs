using System.ComponentModel.DataAnnotations;

namespace OrleansIngest.Silo.Events;

/// <summary>The local-mode folder watcher (section <c>OrleansIngest:Events:Folder</c>).</summary>
public sealed class FolderWatchOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "OrleansIngest:Events:Folder";

    /// <summary>
    /// How long a written file's size and modification time must stay unchanged before it is announced. The floor of
    /// local-mode latency; shorter risks announcing a file a slow writer has not finished (write under a hidden name and
    /// rename, and it can be short).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromSeconds(2);
}
