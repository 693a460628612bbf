using System.Collections.Concurrent;

namespace OrleansIngest.Processing.Features;

/// <summary>
/// Recycles log-mel arrays between segments. A 30 s log-mel is a 960 KB large-object array; allocating one per segment
/// made them half of everything a silo allocates, and every collection a gen-2 one. Arrays are kept by exact length (a
/// row's <c>log_mel</c> is written by its length), at most <see cref="MaxArrays"/> of them, so what the pool holds is
/// bounded (≈ 30 MB for 30 s segments) and an array that does not fit is left to the GC.
/// </summary>
/// <remarks>
/// Only arrays whose owner is done with them come back: <see cref="Parquet.AudioSegmentRow.LogMelPooled"/> rows return
/// theirs after their row group is written, when nothing reads them any more. Renters overwrite every value.
/// </remarks>
internal sealed class LogMelBufferPool(int maxArrays)
{
    private readonly ConcurrentDictionary<int, ConcurrentStack<float[]>> _free = new();
    private int _held;

    /// <summary>The pool the pipeline uses: room for eight row groups of four 30 s segments (3 MiB row groups).</summary>
    public static LogMelBufferPool Shared { get; } = new(32);

    /// <summary>Arrays held at most.</summary>
    public int MaxArrays { get; } = maxArrays;

    /// <summary>Arrays held now.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>An array of exactly <paramref name="length"/> floats, recycled when one is free; its values are stale.</summary>
    public float[] Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (_free.TryGetValue(length, out var stack) && stack.TryPop(out var array))
        {
            Interlocked.Decrement(ref _held);
            return array;
        }

        return new float[length];
    }

    /// <summary>Gives <paramref name="array"/> back; the caller must not touch it afterwards.</summary>
    public void Return(float[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (Interlocked.Increment(ref _held) > MaxArrays)
        {
            Interlocked.Decrement(ref _held);
            return;
        }

        _free.GetOrAdd(array.Length, static _ => new ConcurrentStack<float[]>()).Push(array);
    }
}
