using System.Globalization;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Parses a timestamp cell to UTC ticks: epoch seconds (integer or fractional, digits only) or ISO-8601
/// (<c>T</c> or space separator, optional fraction, optional <c>Z</c>/offset; no offset means UTC).
/// </summary>
internal static class SensorTimestampParser
{
    private const int MaxFractionDigits = 7;
    private const int IsoSecondsLength = 19; // yyyy-MM-ddTHH:mm:ss

    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm:ssK",
        "yyyy-MM-dd HH:mmK",
    ];

    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;

    /// <summary>Returns null on success, otherwise why the cell is not a timestamp.</summary>
    public static string? TryParse(scoped ReadOnlySpan<char> cell, out long utcTicks)
    {
        utcTicks = 0;
        if (cell.IsEmpty)
        {
            return "is empty";
        }

        if (LooksLikeEpoch(cell))
        {
            return TryParseEpoch(cell, out utcTicks) ? null : "is out of range for epoch seconds";
        }

        // Keep at most 7 fraction digits (100 ns ticks), because nanosecond stamps are common and the exact
        // formats reject more digits than the pattern has.
        Span<char> trimmed = stackalloc char[Math.Min(cell.Length, 64)];
        if (cell.Length > IsoSecondsLength && cell.Length <= 64 && cell[IsoSecondsLength] == '.')
        {
            var digits = 0;
            while (IsoSecondsLength + 1 + digits < cell.Length && char.IsAsciiDigit(cell[IsoSecondsLength + 1 + digits]))
            {
                digits++;
            }

            if (digits > MaxFractionDigits)
            {
                var keep = IsoSecondsLength + 1 + MaxFractionDigits;
                cell[..keep].CopyTo(trimmed);
                var rest = cell[(IsoSecondsLength + 1 + digits)..];
                rest.CopyTo(trimmed[keep..]);
                cell = trimmed[..(keep + rest.Length)];
            }
        }

        if (DateTimeOffset.TryParseExact(
                cell,
                IsoFormats,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out var parsed))
        {
            utcTicks = parsed.UtcTicks;
            return null;
        }

        return "is neither ISO-8601 nor epoch seconds";
    }

    private static bool LooksLikeEpoch(ReadOnlySpan<char> cell)
    {
        var i = cell[0] is '-' or '+' ? 1 : 0;
        var digits = 0;
        while (i < cell.Length && char.IsAsciiDigit(cell[i]))
        {
            i++;
            digits++;
        }

        if (i < cell.Length && cell[i] == '.')
        {
            i++;
            while (i < cell.Length && char.IsAsciiDigit(cell[i]))
            {
                i++;
                digits++;
            }
        }

        return digits > 0 && i == cell.Length;
    }

    private static bool TryParseEpoch(ReadOnlySpan<char> cell, out long utcTicks)
    {
        utcTicks = 0;
        var negative = cell[0] == '-';
        var i = cell[0] is '-' or '+' ? 1 : 0;
        long seconds = 0;
        for (; i < cell.Length && cell[i] != '.'; i++)
        {
            // 12 digits already exceed year 9999; stop before the long could overflow.
            if (seconds > 999_999_999_999L)
            {
                return false;
            }

            seconds = (seconds * 10) + (cell[i] - '0');
        }

        long fraction = 0;
        var scale = TimeSpan.TicksPerSecond;
        for (i++; i < cell.Length && scale > 1; i++)
        {
            scale /= 10;
            fraction += (cell[i] - '0') * scale;
        }

        if (seconds > 999_999_999_999L)
        {
            return false;
        }

        var ticks = (seconds * TimeSpan.TicksPerSecond) + fraction;
        var absolute = negative ? UnixEpochTicks - ticks : UnixEpochTicks + ticks;
        if (absolute < DateTime.MinValue.Ticks || absolute > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        utcTicks = absolute;
        return true;
    }
}
