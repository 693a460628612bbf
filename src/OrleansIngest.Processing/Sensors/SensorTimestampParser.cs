using System.Globalization;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Parses a timestamp cell to UTC ticks: an epoch number (integer or fractional, digits only; seconds,
/// milliseconds, microseconds or nanoseconds, see <see cref="SensorEpochUnit"/>) or ISO-8601
/// (<c>T</c> or space separator, optional fraction, optional <c>Z</c>/offset; no offset means UTC).
/// </summary>
internal static class SensorTimestampParser
{
    private const int MaxFractionDigits = 7;
    private const int IsoSecondsLength = 19; // yyyy-MM-ddTHH:mm:ss
    private const long NanosPerUnit = 1_000_000_000L;

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

    private static readonly Int128 MaxWholeUnits = Int128.Parse("100000000000000000000", CultureInfo.InvariantCulture);

    /// <summary>Returns null on success, otherwise why the cell is not a timestamp.</summary>
    public static string? TryParse(scoped ReadOnlySpan<char> cell, SensorEpochUnit epochUnit, out long utcTicks)
    {
        utcTicks = 0;
        if (cell.IsEmpty)
        {
            return "is empty";
        }

        if (LooksLikeEpoch(cell))
        {
            return TryParseEpoch(cell, epochUnit, out utcTicks) ? null : "is out of range for an epoch timestamp";
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

        return "is neither ISO-8601 nor an epoch timestamp";
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

    private static bool TryParseEpoch(ReadOnlySpan<char> cell, SensorEpochUnit unit, out long utcTicks)
    {
        utcTicks = 0;
        var negative = cell[0] == '-';
        var i = cell[0] is '-' or '+' ? 1 : 0;
        Int128 whole = 0;
        for (; i < cell.Length && cell[i] != '.'; i++)
        {
            // 20 digits exceed year 9999 even in nanoseconds; stop before the value could overflow.
            if (whole >= MaxWholeUnits)
            {
                return false;
            }

            whole = (whole * 10) + (cell[i] - '0');
        }

        // The fraction in billionths of the unit; further digits are below a tick in every unit.
        Int128 fraction = 0;
        var scale = NanosPerUnit;
        for (i++; i < cell.Length && scale > 1; i++)
        {
            scale /= 10;
            fraction += (cell[i] - '0') * scale;
        }

        if (whole >= MaxWholeUnits)
        {
            return false;
        }

        var unitsPerSecond = (unit == SensorEpochUnit.Auto ? InferUnit(whole) : unit) switch
        {
            SensorEpochUnit.Milliseconds => 1_000L,
            SensorEpochUnit.Microseconds => 1_000_000L,
            SensorEpochUnit.Nanoseconds => 1_000_000_000L,
            _ => 1L,
        };
        var ticks = ((whole * NanosPerUnit) + fraction) * TimeSpan.TicksPerSecond / (unitsPerSecond * NanosPerUnit);
        var absolute = negative ? UnixEpochTicks - ticks : UnixEpochTicks + ticks;
        if (absolute < DateTime.MinValue.Ticks || absolute > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        utcTicks = (long)absolute;
        return true;
    }

    /// <summary>
    /// The unit of an epoch number by its magnitude: below 10^11 seconds (up to the year 5138), below 10^14
    /// milliseconds, below 10^17 microseconds, else nanoseconds. Each larger unit therefore reads dates from
    /// March 1973 on; earlier ones (or relative times such as an uptime in milliseconds) need an explicit unit.
    /// </summary>
    private static SensorEpochUnit InferUnit(Int128 whole)
    {
        if (whole < 100_000_000_000L)
        {
            return SensorEpochUnit.Seconds;
        }

        if (whole < 100_000_000_000_000L)
        {
            return SensorEpochUnit.Milliseconds;
        }

        return whole < 100_000_000_000_000_000L ? SensorEpochUnit.Microseconds : SensorEpochUnit.Nanoseconds;
    }
}
