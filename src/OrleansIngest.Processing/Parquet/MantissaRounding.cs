using System.Numerics;
using System.Runtime.InteropServices;

namespace OrleansIngest.Processing.Parquet;

/// <summary>
/// Stores float32 values with fewer mantissa bits: each value is rounded to the nearest value whose low
/// <c>23 − mantissaBits</c> mantissa bits are zero (ties to even), the "bit rounding" that netCDF's quantize and
/// numcodecs' BitRound apply before compression. The relative error is at most 2^−(mantissaBits + 1); NaN and ±∞
/// are kept as they are. With byte-stream-split encoding, 15 bits make the low byte of every value zero, a stream
/// zstd stores in a few bytes: log-mel files get ~30% smaller and cheaper to compress, while the stored values stay
/// within 1.5e-5 (|x| &lt; 2) of the computed ones, the same order as two float32 implementations of log-mel differ.
/// </summary>
public static class MantissaRounding
{
    /// <summary>The mantissa bits of a float32: keeping them all stores values exactly.</summary>
    public const int FullMantissaBits = 23;

    /// <summary>The default for log-mel: 15 bits (a zero low byte), relative error ≤ 2^−16.</summary>
    public const int DefaultLogMelMantissaBits = 15;

    private const uint ExponentMask = 0x7F80_0000;

    /// <summary>Whether 1 ≤ <paramref name="mantissaBits"/> ≤ 23, the bit counts a value can be stored with.</summary>
    public static bool IsValidBitCount(int mantissaBits) => mantissaBits is >= 1 and <= FullMantissaBits;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <see cref="IsValidBitCount"/>.</summary>
    public static void Validate(int mantissaBits, string name)
    {
        if (!IsValidBitCount(mantissaBits))
        {
            throw new ArgumentOutOfRangeException(name, mantissaBits, $"{name} must be between 1 and {FullMantissaBits} (23 keeps float32 values exact).");
        }
    }

    /// <summary>Rounds one value (see the type's remarks).</summary>
    public static float Round(float value, int mantissaBits)
    {
        Validate(mantissaBits, nameof(mantissaBits));
        return BitConverter.UInt32BitsToSingle(Round(BitConverter.SingleToUInt32Bits(value), FullMantissaBits - mantissaBits));
    }

    /// <summary>
    /// Writes <paramref name="source"/> rounded to <paramref name="mantissaBits"/> into <paramref name="destination"/>
    /// (which may be the same memory); 23 copies exactly.
    /// </summary>
    public static void RoundCopy(ReadOnlySpan<float> source, Span<float> destination, int mantissaBits)
    {
        Validate(mantissaBits, nameof(mantissaBits));
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        }

        var dropped = FullMantissaBits - mantissaBits;
        if (dropped == 0)
        {
            source.CopyTo(destination);
            return;
        }

        var input = MemoryMarshal.Cast<float, uint>(source);
        var output = MemoryMarshal.Cast<float, uint>(destination);
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var halfMinusOne = new Vector<uint>((1u << (dropped - 1)) - 1);
            var keep = new Vector<uint>(~((1u << dropped) - 1));
            var exponent = new Vector<uint>(ExponentMask);
            for (; i <= input.Length - Vector<uint>.Count; i += Vector<uint>.Count)
            {
                var bits = new Vector<uint>(input[i..]);
                var rounded = (bits + halfMinusOne + (Vector.ShiftRightLogical(bits, dropped) & Vector<uint>.One)) & keep;
                var special = Vector.Equals(bits & exponent, exponent);
                Vector.ConditionalSelect(special, bits, rounded).CopyTo(output[i..]);
            }
        }

        for (; i < input.Length; i++)
        {
            output[i] = Round(input[i], dropped);
        }
    }

    private static uint Round(uint bits, int dropped)
    {
        if (dropped == 0 || (bits & ExponentMask) == ExponentMask)
        {
            return bits;
        }

        var halfMinusOne = (1u << (dropped - 1)) - 1;
        return (bits + halfMinusOne + ((bits >> dropped) & 1)) & ~((1u << dropped) - 1);
    }
}
