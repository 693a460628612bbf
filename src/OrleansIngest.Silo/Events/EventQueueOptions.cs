using System.ComponentModel.DataAnnotations;

namespace OrleansIngest.Silo.Events;

/// <summary>
/// The Storage Queue an Event Grid subscription writes blob events to (section <c>OrleansIngest:Events:Queue</c>).
/// Every silo with <see cref="Name"/> set consumes it; the queue shares the messages out.
/// </summary>
public sealed class EventQueueOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "OrleansIngest:Events:Queue";

    /// <summary>The queue's name; empty (the default) consumes no queue.</summary>
    [RegularExpression("^$|^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", ErrorMessage = "A queue name is 3–63 lowercase letters, digits and single hyphens.")]
    public string? Name { get; set; }

    /// <summary>Connection string of the queue's account; empty: <c>OrleansIngest:Storage:ConnectionString</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The queue service URL (<c>https://&lt;account&gt;.queue.core.windows.net</c>) when reached with DefaultAzureCredential.</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>How long a received message stays invisible while its events are enqueued.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "7.00:00:00")]
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Receives of one message before it is moved to the poison queue (<c>&lt;name&gt;-poison</c>).</summary>
    [Range(1, 1000)]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Messages per receive (the service's maximum is 32).</summary>
    [Range(1, 32)]
    public int BatchSize { get; set; } = 32;

    /// <summary>How long to wait after finding the queue empty.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan IdleDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether a queue is configured.</summary>
    public bool Enabled => !string.IsNullOrEmpty(Name);
}
