using System.Text;
using System.Text.RegularExpressions;

namespace OrleansIngest.Processing.Decoding.Ffmpeg;

/// <summary>
/// Drains ffmpeg's stderr, keeping a bounded head and tail for error reasons, and picks the input codec name
/// out of the stream dump (<c>Stream #0:0: Audio: aac (LC) …</c>).
/// </summary>
internal sealed partial class FfmpegDiagnostics
{
    private readonly int _limit;
    private readonly StringBuilder _head = new();
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource<string?> _codec = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _tailLength;

    public FfmpegDiagnostics(int limit) => _limit = limit;

    /// <summary>Completes with the input audio codec once it was printed, or null when stderr closed without it.</summary>
    public Task<string?> Codec => _codec.Task;

    public async Task DrainAsync(StreamReader stderr)
    {
        try
        {
            while (await ReadLineAsync(stderr) is { } line)
            {
                Add(line);
                if (!_codec.Task.IsCompleted && AudioStreamLine().Match(line) is { Success: true } match)
                {
                    _codec.TrySetResult(match.Groups[1].Value);
                }
            }
        }
        finally
        {
            _codec.TrySetResult(null);
        }
    }

    private static async Task<string?> ReadLineAsync(StreamReader stderr)
    {
        try
        {
            return await stderr.ReadLineAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The process was killed and its pipes closed: nothing more to read.
            return null;
        }
    }

    /// <summary>The last lines ffmpeg wrote (what explains a failure), at most the configured size.</summary>
    public string Tail()
    {
        lock (_tail)
        {
            // The stream dump is noise in a reason; the error lines are what explain a failure.
            var lines = _tail.Where(l => !l.StartsWith(' ') && !l.StartsWith("Stream mapping", StringComparison.Ordinal)
                && !l.StartsWith("Input #", StringComparison.Ordinal) && !l.StartsWith("Output #", StringComparison.Ordinal));
            var text = ContextAddress().Replace(string.Join(" | ", lines), "").Trim();
            return text.Length == 0 ? _head.ToString().Trim() : text;
        }
    }

    private void Add(string line)
    {
        lock (_tail)
        {
            if (_head.Length + line.Length < _limit)
            {
                _head.AppendLine(line);
            }

            _tail.Enqueue(line);
            _tailLength += line.Length;
            while (_tailLength > _limit && _tail.Count > 1)
            {
                _tailLength -= _tail.Dequeue().Length;
            }

        }
    }

    [GeneratedRegex(@" @ 0x[0-9a-f]+", RegexOptions.CultureInvariant)]
    private static partial Regex ContextAddress();

    [GeneratedRegex(@"^\s*Stream #0:\d+\S*: Audio: ([A-Za-z0-9_]+)", RegexOptions.CultureInvariant)]
    private static partial Regex AudioStreamLine();
}
