using System.Buffers;

namespace OrleansIngest.Processing.Events;

/// <summary>
/// Orders the <c>sequencer</c> values of blob events. Azure documents them as strings that compare in event order
/// for the same blob name; they are hex numbers, so they are compared as numbers: leading zeros are ignored (values
/// of different lengths compare as if padded) and digit case does not matter.
/// </summary>
public static class BlobSequencer
{
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>
    /// Negative when <paramref name="left"/> happened before <paramref name="right"/>, zero when they are the same point,
    /// positive when after. Values that are not hex strings fall back to ordinal comparison.
    /// </summary>
    public static int Compare(string left, string right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (!IsHex(left) || !IsHex(right))
        {
            return string.CompareOrdinal(left, right);
        }

        var a = left.AsSpan().TrimStart('0');
        var b = right.AsSpan().TrimStart('0');
        if (a.Length != b.Length)
        {
            return a.Length.CompareTo(b.Length);
        }

        for (var i = 0; i < a.Length; i++)
        {
            var difference = HexValue(a[i]) - HexValue(b[i]);
            if (difference != 0)
            {
                return difference;
            }
        }

        return 0;
    }

    private static bool IsHex(string value) => value.Length > 0 && !value.AsSpan().ContainsAnyExcept(HexDigits);

    private static int HexValue(char digit) => digit switch
    {
        >= '0' and <= '9' => digit - '0',
        >= 'a' and <= 'f' => digit - 'a' + 10,
        _ => digit - 'A' + 10,
    };
}
