using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OrleansIngest.Integration.Tests.Webhook;

/// <summary>One log entry with everything that could carry a secret: message, structured values and exception.</summary>
public sealed record RecordedLog(string Category, LogLevel Level, EventId EventId, string Text);

/// <summary>Keeps every log entry of every category, at every level it is given.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<RecordedLog> _entries = new();

    public IReadOnlyList<RecordedLog> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new RecordingLogger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class RecordingLogger(string category, ConcurrentQueue<RecordedLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(" | ", pairs.Select(pair => $"{pair.Key}={pair.Value}"))
                : state?.ToString();
            entries.Enqueue(new RecordedLog(category, logLevel, eventId, $"{formatter(state, exception)} || {values} || {exception}"));
        }
    }
}
