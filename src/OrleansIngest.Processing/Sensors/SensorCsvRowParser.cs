using System.Globalization;
using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Parses data lines against a header into a timestamp, a sensor id cell and channel values (NaN = missing),
/// raising <see cref="InvalidMediaException"/> with the line number for anything malformed.
/// </summary>
internal sealed class SensorCsvRowParser
{
    private const int MaxExcerpt = 40;
    private const int MaxNumberChars = 128;

    private readonly SensorCsvHeader _header;
    private readonly string _sourceUri;
    private readonly CsvCell[] _cells;

    public SensorCsvRowParser(SensorCsvHeader header, string sourceUri)
    {
        _header = header;
        _sourceUri = sourceUri;
        _cells = new CsvCell[header.ColumnCount];
        Values = new double[header.ChannelColumns.Length];
    }

    /// <summary>UTC ticks of the last parsed row.</summary>
    public long Ticks { get; private set; }

    /// <summary>Channel values of the last parsed row; NaN marks a missing cell.</summary>
    public double[] Values { get; }

    /// <summary>The sensor id cell of the last parsed row (only when the header has a sensor_id column).</summary>
    public CsvCell SensorIdCell { get; private set; }

    public static string Excerpt(string text) => Excerpt(text.AsSpan());

    public static string Excerpt(ReadOnlySpan<char> text) =>
        text.Length <= MaxExcerpt ? text.ToString() : string.Concat(text[..MaxExcerpt], "…");

    /// <summary>Parses a data line; channel values only when <paramref name="parseValues"/> is set.</summary>
    public void Parse(ReadOnlySpan<char> line, int lineNumber, long offset, bool parseValues)
    {
        var count = CsvTokenizer.Split(line, _header.Delimiter, _cells, out var error);
        if (count < 0)
        {
            throw Invalid(offset, $"line {lineNumber}: {error}");
        }

        if (count != _header.ColumnCount)
        {
            throw Invalid(offset, $"line {lineNumber} has {count} cells, but the header has {_header.ColumnCount} columns");
        }

        var timestampCell = _cells[_header.TimestampColumn].Slice(line);
        var timestampError = SensorTimestampParser.TryParse(timestampCell, out var ticks);
        if (timestampError is not null)
        {
            throw Invalid(offset, $"line {lineNumber}, column '{_header.ColumnNames[_header.TimestampColumn]}': '{Excerpt(timestampCell)}' {timestampError}");
        }

        Ticks = ticks;
        if (_header.SensorIdColumn >= 0)
        {
            SensorIdCell = _cells[_header.SensorIdColumn];
            if (SensorIdCell.Length == 0)
            {
                throw Invalid(offset, $"line {lineNumber}, column '{_header.ColumnNames[_header.SensorIdColumn]}': the sensor id is empty");
            }
        }

        if (!parseValues)
        {
            return;
        }

        var channels = _header.ChannelColumns;
        for (var c = 0; c < channels.Length; c++)
        {
            var cell = _cells[channels[c]].Slice(line);
            var numberError = TryParseValue(cell, out var value);
            if (numberError is not null)
            {
                throw Invalid(offset, $"line {lineNumber}, column '{_header.ColumnNames[channels[c]]}': '{Excerpt(cell)}' {numberError}");
            }

            Values[c] = value;
        }
    }

    private string? TryParseValue(scoped ReadOnlySpan<char> cell, out double value)
    {
        value = double.NaN;
        if (cell.IsEmpty
            || cell.Equals("NaN", StringComparison.OrdinalIgnoreCase)
            || cell.Equals("NA", StringComparison.OrdinalIgnoreCase)
            || cell.Equals("null", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // Semicolon files usually come from locales that write a decimal comma.
        Span<char> decimalPoint = stackalloc char[MaxNumberChars];
        if (_header.Delimiter == ';' && cell.Length <= MaxNumberChars && cell.Contains(',') && !cell.Contains('.'))
        {
            cell.CopyTo(decimalPoint);
            decimalPoint = decimalPoint[..cell.Length];
            decimalPoint.Replace(',', '.');
            cell = decimalPoint;
        }

        if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            value = double.NaN;
            return "is not a number";
        }

        if (!double.IsFinite(value))
        {
            value = double.NaN;
            return "is not a finite number";
        }

        return null;
    }

    private InvalidMediaException Invalid(long offset, string reason) => new(_sourceUri, offset, reason);
}
