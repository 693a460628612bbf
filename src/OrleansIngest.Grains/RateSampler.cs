namespace OrleansIngest.Grains;

/// <summary>
/// Rates of two growing counters over about the last minute, from samples taken as progress is read (at most one per
/// second kept). Memory only: a moved job starts sampling again.
/// </summary>
public sealed class RateSampler
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MinSpacing = TimeSpan.FromSeconds(1);
    private readonly Queue<(DateTimeOffset At, long Units, long Bytes)> _samples = new();

    /// <summary>Adds a sample and returns the per-second rates over the samples kept (0 until two are a second apart).</summary>
    public (double UnitsPerSecond, double BytesPerSecond) Sample(DateTimeOffset now, long units, long bytes)
    {
        if (_samples.Count == 0 || now - _samples.Last().At >= MinSpacing)
        {
            _samples.Enqueue((now, units, bytes));
        }

        while (_samples.Count > 2 && now - _samples.Peek().At > Window)
        {
            _samples.Dequeue();
        }

        var first = _samples.Peek();
        var seconds = (now - first.At).TotalSeconds;
        return seconds < 1 ? (0, 0) : (Math.Max(0, units - first.Units) / seconds, Math.Max(0, bytes - first.Bytes) / seconds);
    }
}
