using System.Buffers;
using OrleansIngest.Processing.Memory;

namespace OrleansIngest.Processing.Tests.Memory;

/// <summary>
/// The large-buffer pools keep a bounded number of arrays however many were out at once: per power-of-two size at most
/// the configured count, and a size whose arrays are all lent borrows from at most the two next sizes, so what one size
/// can leave behind is at most three times the bound. Everything above that is left to the GC.
/// </summary>
public sealed class LargeArrayPoolTests
{
    private const int Burst = 50;

    [Fact]
    public void Columns_AfterABurstOfRentals_KeepOnlyABoundedNumberOfArrays()
    {
        // A size no other code rents from this pool, so its buckets start empty.
        AssertBounded(LargeArrayPool.Columns<long>(), 3 << 20, LargeArrayPool.ColumnArraysPerSize);
    }

    [Fact]
    public void Segments_AfterABurstOfRentals_KeepOnlyABoundedNumberOfArrays()
    {
        AssertBounded(LargeArrayPool.Segments, 3 << 19, LargeArrayPool.SegmentArraysPerSize);
    }

    private static void AssertBounded<T>(ArrayPool<T> pool, int length, int bound)
    {
        var rented = Enumerable.Range(0, Burst).Select(_ => pool.Rent(length)).ToList();
        foreach (var array in rented)
        {
            pool.Return(array);
        }

        var again = Enumerable.Range(0, Burst).Select(_ => pool.Rent(length)).ToList();
        var reused = again.Count(a => rented.Any(r => ReferenceEquals(r, a)));
        foreach (var array in again)
        {
            pool.Return(array);
        }

        Assert.InRange(reused, bound, 3 * bound);
        Assert.All(again, a => Assert.True(a.Length >= length));
    }
}
