using System.Buffers;

namespace OrleansIngest.Processing.Memory;

/// <summary>
/// Bounded pools for the pipeline's large-object buffers: 30 s segments of samples (2 MB) and the values and levels of
/// a row group's log-mel column (8 MB each). <see cref="ArrayPool{T}.Shared"/> keeps a returned array in the returning
/// thread's slot and up to 32 per size in each core's stack, trimming only what stayed unused for a minute; with async
/// code returning on whichever thread runs the continuation, a 10 h file collected 8 MB arrays there until the first
/// trim, and the process's peak grew with the input's length. These pools are shared by all threads and hold at most
/// a fixed number of arrays per size, so what they keep is bounded from the first minute on; an array beyond that is
/// left to the GC.
/// </summary>
internal static class LargeArrayPool
{
    /// <summary>Arrays kept per power-of-two size: one per lane of a default eight-lane silo, twice over.</summary>
    public const int SegmentArraysPerSize = 16;

    /// <summary>Arrays kept per size for a row group's column buffers (values, repetition and definition levels).</summary>
    public const int ColumnArraysPerSize = 4;

    /// <summary>Segment sample buffers.</summary>
    public static ArrayPool<float> Segments { get; } = ArrayPool<float>.Create(maxArrayLength: 1 << 26, maxArraysPerBucket: SegmentArraysPerSize);

    /// <summary>The pool for a row group's column buffers of element type <typeparamref name="T"/>.</summary>
    public static ArrayPool<T> Columns<T>() => ColumnPool<T>.Instance;

    private static class ColumnPool<T>
    {
        public static readonly ArrayPool<T> Instance = ArrayPool<T>.Create(maxArrayLength: 1 << 28, maxArraysPerBucket: ColumnArraysPerSize);
    }
}
