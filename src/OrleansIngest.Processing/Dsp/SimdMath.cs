using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OrleansIngest.Processing.Dsp;

/// <summary>Small SIMD kernels shared by the DSP code.</summary>
internal static class SimdMath
{
    /// <summary>
    /// Dot product with a fixed summation order that depends only on the length, never on memory
    /// alignment, so the same inputs give bit-identical results wherever they sit in memory.
    /// </summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var length = Math.Min(a.Length, b.Length);
        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var i = 0;
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && length >= 2 * Vector512<float>.Count)
        {
            var width = Vector512<float>.Count;
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            for (; i <= length - (2 * width); i += 2 * width)
            {
                acc0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, (nuint)i), Vector512.LoadUnsafe(ref pb, (nuint)i), acc0);
                acc1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, (nuint)(i + width)), Vector512.LoadUnsafe(ref pb, (nuint)(i + width)), acc1);
            }

            for (; i <= length - width; i += width)
            {
                acc0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, (nuint)i), Vector512.LoadUnsafe(ref pb, (nuint)i), acc0);
            }

            sum = Vector512.Sum(acc0 + acc1);
        }
        else if (Vector.IsHardwareAccelerated && length >= 2 * Vector<float>.Count)
        {
            var width = Vector<float>.Count;
            var acc0 = Vector<float>.Zero;
            var acc1 = Vector<float>.Zero;
            for (; i <= length - (2 * width); i += 2 * width)
            {
                acc0 = Vector.FusedMultiplyAdd(
                    Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref pa, i))),
                    Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref pb, i))),
                    acc0);
                acc1 = Vector.FusedMultiplyAdd(
                    Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref pa, i + width))),
                    Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref pb, i + width))),
                    acc1);
            }

            for (; i <= length - width; i += width)
            {
                acc0 = Vector.FusedMultiplyAdd(
                    Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref pa, i))),
                    Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref pb, i))),
                    acc0);
            }

            sum = Vector.Sum(acc0 + acc1);
        }

        for (; i < length; i++)
        {
            sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref pa, i), Unsafe.Add(ref pb, i), sum);
        }

        return sum;
    }
}
