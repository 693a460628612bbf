using System.Globalization;
using System.Text;
using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Parses sensor CSV: the first non-blank line is the header (see <see cref="SensorCsvHeader"/>), every later one a
/// record of a timestamp, an optional sensor id and channel values. Raises <see cref="InvalidMediaException"/> with
/// the line number (and column) for anything malformed.
/// </summary>
internal sealed class SensorCsvParser : ISensorRecordParser
{
    private const int MaxExcerpt = 40;
    private const int MaxNumberChars = 128;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly string _sourceUri;
    private readonly SensorWindowSettings _settings;
    private SensorCsvHeader? _header;
    private CsvCell[] _cells = [];
    private double[] _values = [];
    private char[] _chars = new char[256];
    private char[] _sensorId = new char[64];
    private int _sensorIdLength;

    public SensorCsvParser(string sourceUri, SensorWindowSettings settings)
    {
        _sourceUri = sourceUri;
        _settings = settings;
    }

    public string[] ChannelNames => _header?.ChannelNames ?? [];

    public string NoRecordsReason => _header is null ? "the file is empty (no header line)" : "the file has a header but no data rows";

    public long Ticks { get; private set; }

    public bool HasSensorId => _header?.SensorIdColumn >= 0;

    public ReadOnlySpan<char> SensorId => _sensorId.AsSpan(0, _sensorIdLength);

    public ReadOnlySpan<double> Values => _values;

    public static string Excerpt(string text) => Excerpt(text.AsSpan());

    public static string Excerpt(ReadOnlySpan<char> text) =>
        text.Length <= MaxExcerpt ? text.ToString() : string.Concat(text[..MaxExcerpt], "…");

    public bool Parse(ReadOnlySpan<byte> bytes, long lineNumber, long offset, bool parseValues)
    {
        var line = Decode(bytes);
        if (_header is null)
        {
            _header = SensorCsvHeader.Parse(line, lineNumber, _sourceUri, offset, _settings.MaxChannels);
            _cells = new CsvCell[_header.ColumnCount];
            _values = new double[_header.ChannelColumns.Length];
            return false;
        }

        ParseRecord(_header, line, lineNumber, offset, parseValues);
        return true;
    }

    private ReadOnlySpan<char> Decode(ReadOnlySpan<byte> bytes)
    {
        // The line reader has checked the bytes are valid UTF-8, which never decodes to more chars than bytes.
        if (_chars.Length < bytes.Length)
        {
            _chars = new char[Math.Max(bytes.Length, _chars.Length * 2)];
        }

        var count = Utf8.GetChars(bytes, _chars);
        return _chars.AsSpan(0, count);
    }

    private void ParseRecord(SensorCsvHeader header, ReadOnlySpan<char> line, long lineNumber, long offset, bool parseValues)
    {
        var count = CsvTokenizer.Split(line, header.Delimiter, _cells, out var error);
        if (count < 0)
        {
            throw Invalid(offset, $"line {lineNumber}: {error}");
        }

        if (count != header.ColumnCount)
        {
            throw Invalid(offset, $"line {lineNumber} has {count} cells, but the header has {header.ColumnCount} columns");
        }

        var timestampCell = _cells[header.TimestampColumn].Slice(line);
        var timestampError = SensorTimestampParser.TryParse(timestampCell, _settings.EpochUnit, out var ticks);
        if (timestampError is not null)
        {
            throw Invalid(offset, $"line {lineNumber}, column '{header.ColumnNames[header.TimestampColumn]}': '{Excerpt(timestampCell)}' {timestampError}");
        }

        Ticks = ticks;
        if (header.SensorIdColumn >= 0)
        {
            var idCell = _cells[header.SensorIdColumn];
            if (idCell.Length == 0)
            {
                throw Invalid(offset, $"line {lineNumber}, column '{header.ColumnNames[header.SensorIdColumn]}': the sensor id is empty");
            }

            if (idCell.Length > SensorLimits.MaxNameLength)
            {
                throw Invalid(offset, $"line {lineNumber}, column '{header.ColumnNames[header.SensorIdColumn]}': the sensor id is longer than {SensorLimits.MaxNameLength} characters");
            }

            CopySensorId(line, idCell);
        }

        if (!parseValues)
        {
            return;
        }

        var channels = header.ChannelColumns;
        for (var c = 0; c < channels.Length; c++)
        {
            var cell = _cells[channels[c]].Slice(line);
            var numberError = TryParseValue(header.Delimiter, cell, out var value);
            if (numberError is not null)
            {
                throw Invalid(offset, $"line {lineNumber}, column '{header.ColumnNames[channels[c]]}': '{Excerpt(cell)}' {numberError}");
            }

            _values[c] = value;
        }
    }

    private void CopySensorId(ReadOnlySpan<char> line, CsvCell cell)
    {
        if (_sensorId.Length < cell.Length)
        {
            _sensorId = new char[Math.Max(cell.Length, _sensorId.Length * 2)];
        }

        var text = cell.Slice(line);
        if (!cell.HasEscapedQuotes)
        {
            text.CopyTo(_sensorId);
            _sensorIdLength = text.Length;
            return;
        }

        // "" inside a quoted cell is one quote.
        var length = 0;
        for (var i = 0; i < text.Length; i++)
        {
            _sensorId[length++] = text[i];
            if (text[i] == '"')
            {
                i++;
            }
        }

        _sensorIdLength = length;
    }

    /// <summary>
    /// Empty, <c>NA</c>, <c>null</c> and any spelling of NaN are missing values (pandas and numpy write NaN for a
    /// missing float); infinities are faults of the producer (an overflow, a division by zero) and are rejected.
    /// </summary>
    private static string? TryParseValue(char delimiter, scoped ReadOnlySpan<char> cell, out double value)
    {
        value = double.NaN;
        if (cell.IsEmpty
            || cell.Equals("NA", StringComparison.OrdinalIgnoreCase)
            || cell.Equals("null", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // Semicolon files usually come from locales that write a decimal comma.
        Span<char> decimalPoint = stackalloc char[MaxNumberChars];
        if (delimiter == ';' && cell.Length <= MaxNumberChars && cell.Contains(',') && !cell.Contains('.'))
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

        if (double.IsInfinity(value))
        {
            value = double.NaN;
            return "is not a finite number";
        }

        return null;
    }

    private InvalidMediaException Invalid(long offset, string reason) => new(_sourceUri, offset, reason);
}
