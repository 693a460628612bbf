using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OrleansIngest.Dashboard.Tests;

/// <summary>One log entry with everything that could carry a secret: message, structured values and exception.</summary>
public sealed record RecordedLog(string Category, LogLevel Level, EventId EventId, string Text);

/// <summary>Keeps every log entry of every category at every level, and lets a test wait for one.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<RecordedLog> _entries = new();
    private readonly SemaphoreSlim _logged = new(0);

    public IReadOnlyList<RecordedLog> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new RecordingLogger(categoryName, this);

    /// <summary>Waits until an entry with <paramref name="eventId"/> is logged; fails the test after a generous deadline.</summary>
    public async Task<RecordedLog> WaitForAsync(int eventId)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (_entries.FirstOrDefault(entry => entry.EventId.Id == eventId) is { } found)
            {
                return found;
            }

            await _logged.WaitAsync(deadline.Token);
        }
    }

    public void Dispose() => _logged.Dispose();

    private void Add(RecordedLog entry)
    {
        _entries.Enqueue(entry);
        _logged.Release();
    }

    private sealed class RecordingLogger(string category, RecordingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(" | ", pairs.Select(pair => $"{pair.Key}={pair.Value}"))
                : state?.ToString();
            provider.Add(new RecordedLog(category, logLevel, eventId, $"{formatter(state, exception)} || {values} || {exception}"));
        }
    }
}
