using System.Text;
using System.Text.Json;
using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Parses JSON Lines sensor records, <c>{"ts":…, "sensor_id":…, "values":{"temp":21.5,"hum":null}}</c>, one object
/// per line, with <see cref="Utf8JsonReader"/> straight over the line's bytes. The channels are the value names of
/// the file in order of first appearance: collected while they grow (the first pass, or the first record of a
/// single pass), then fixed. Raises <see cref="InvalidMediaException"/> naming the line for anything malformed.
/// </summary>
internal sealed class SensorJsonLinesParser : ISensorRecordParser
{
    private const int MaxExcerpt = 40;

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };

    private readonly string _sourceUri;
    private readonly SensorWindowSettings _settings;
    private readonly bool _fixedByScan;
    private readonly List<string> _channels = [];
    private readonly Dictionary<string, int> _channelIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _channelBySpan;
    private string[]? _channelArray;
    private double[] _values = [];
    private long[] _seenIn = [];
    private char[] _text = new char[256];
    private char[] _sensorId = new char[64];
    private int _sensorIdLength;
    private long _records;

    /// <param name="sourceUri">The source, for error reports.</param>
    /// <param name="settings">Bounds and the epoch unit.</param>
    /// <param name="scannedChannels">The channels the first pass found; null to collect them.</param>
    public SensorJsonLinesParser(string sourceUri, SensorWindowSettings settings, string[]? scannedChannels)
    {
        _sourceUri = sourceUri;
        _settings = settings;
        _channelBySpan = _channelIndex.GetAlternateLookup<ReadOnlySpan<char>>();
        if (scannedChannels is not null)
        {
            foreach (var name in scannedChannels)
            {
                AddChannel(name);
            }

            _fixedByScan = true;
        }
    }

    public string[] ChannelNames => _channelArray ??= [.. _channels];

    public string NoRecordsReason => "the file is empty (no JSON records)";

    public long Ticks { get; private set; }

    public bool HasSensorId { get; private set; }

    public ReadOnlySpan<char> SensorId => _sensorId.AsSpan(0, _sensorIdLength);

    public ReadOnlySpan<double> Values => _values;

    public bool Parse(ReadOnlySpan<byte> line, long lineNumber, long offset, bool parseValues)
    {
        _records++;
        HasSensorId = false;
        _sensorIdLength = 0;
        _values.AsSpan().Fill(double.NaN);

        // A single statistics pass takes its channels from the first record: windows already emitted cannot gain one.
        var growChannels = !_fixedByScan && (!parseValues || _records == 1);
        var reader = new Utf8JsonReader(line, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Invalid(offset, $"line {lineNumber} is not a JSON object");
            }

            bool hasTimestamp = false, hasSensorId = false, hasValues = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("ts"u8) || reader.ValueTextEquals("timestamp"u8))
                {
                    CheckOnce(ref hasTimestamp, "the timestamp ('ts')", lineNumber, offset);
                    reader.Read();
                    ParseTimestamp(ref reader, lineNumber, offset);
                }
                else if (reader.ValueTextEquals("sensor_id"u8))
                {
                    CheckOnce(ref hasSensorId, "'sensor_id'", lineNumber, offset);
                    reader.Read();
                    ParseSensorId(ref reader, lineNumber, offset);
                }
                else if (reader.ValueTextEquals("values"u8))
                {
                    CheckOnce(ref hasValues, "'values'", lineNumber, offset);
                    reader.Read();
                    ParseValues(ref reader, lineNumber, offset, parseValues, growChannels);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            // Anything after the object (a second value) makes the reader throw.
            reader.Read();
            if (!hasTimestamp)
            {
                throw Invalid(offset, $"line {lineNumber} has no 'ts' member");
            }

            if (!hasValues)
            {
                throw Invalid(offset, $"line {lineNumber} has no 'values' object");
            }
        }
        catch (JsonException ex)
        {
            throw Invalid(offset, $"line {lineNumber}: {DescribeJsonError(line, ex)}", ex);
        }

        return true;
    }

    private static string DescribeJsonError(ReadOnlySpan<byte> line, JsonException ex)
    {
        var at = (int)Math.Clamp(ex.BytePositionInLine ?? 0, 0, line.Length);

        // The reader stops after the sign of -Infinity.
        if (at > 0 && line[at - 1] == (byte)'-' && line[at..].StartsWith("Infinity"u8))
        {
            at--;
        }

        var rest = line[at..];
        foreach (var literal in (ReadOnlySpan<string>)["NaN", "Infinity", "-Infinity"])
        {
            if (rest.StartsWith(Encoding.ASCII.GetBytes(literal)))
            {
                return $"'{literal}' at column {at + 1} is not JSON (write null for a missing value)";
            }
        }

        // The message ends with the reader's own position, which the column already gives.
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return $"invalid JSON at column {at + 1}: {(cut > 0 ? message[..cut] : message)}";
    }

    private void CheckOnce(ref bool seen, string what, long lineNumber, long offset)
    {
        if (seen)
        {
            throw Invalid(offset, $"line {lineNumber} has {what} twice");
        }

        seen = true;
    }

    private void ParseTimestamp(ref Utf8JsonReader reader, long lineNumber, long offset)
    {
        ReadOnlySpan<char> text = reader.TokenType switch
        {
            JsonTokenType.String => CopyString(ref reader),
            JsonTokenType.Number => CopyNumber(ref reader),
            _ => throw Invalid(offset, $"line {lineNumber}, 'ts': {Describe(reader.TokenType)}, not a string or a number"),
        };

        var error = SensorTimestampParser.TryParse(text, _settings.EpochUnit, out var ticks);
        if (error is not null)
        {
            throw Invalid(offset, $"line {lineNumber}, 'ts': '{Excerpt(text)}' {error}");
        }

        Ticks = ticks;
    }

    private void ParseSensorId(ref Utf8JsonReader reader, long lineNumber, long offset)
    {
        ReadOnlySpan<char> text = reader.TokenType switch
        {
            JsonTokenType.String => CopyString(ref reader),
            JsonTokenType.Number => CopyNumber(ref reader),
            _ => throw Invalid(offset, $"line {lineNumber}, 'sensor_id': {Describe(reader.TokenType)}, not a string or a number"),
        };

        if (text.IsEmpty)
        {
            throw Invalid(offset, $"line {lineNumber}, 'sensor_id': the sensor id is empty");
        }

        if (text.Length > SensorLimits.MaxNameLength)
        {
            throw Invalid(offset, $"line {lineNumber}, 'sensor_id': the sensor id is longer than {SensorLimits.MaxNameLength} characters");
        }

        if (_sensorId.Length < text.Length)
        {
            _sensorId = new char[Math.Max(text.Length, _sensorId.Length * 2)];
        }

        text.CopyTo(_sensorId);
        _sensorIdLength = text.Length;
        HasSensorId = true;
    }

    private void ParseValues(ref Utf8JsonReader reader, long lineNumber, long offset, bool parseValues, bool growChannels)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Invalid(offset, $"line {lineNumber}, 'values': {Describe(reader.TokenType)}, not an object");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var channel = FindChannel(CopyString(ref reader), lineNumber, offset, growChannels);
            if (_seenIn[channel] == _records)
            {
                throw Invalid(offset, $"line {lineNumber}, 'values': '{Excerpt(_channels[channel])}' appears twice");
            }

            _seenIn[channel] = _records;
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    break;
                case JsonTokenType.Number when parseValues:
                    // TryGetDouble fails for numbers beyond the double range.
                    if (!reader.TryGetDouble(out var value) || !double.IsFinite(value))
                    {
                        throw Invalid(offset, $"line {lineNumber}, value '{Excerpt(_channels[channel])}': '{Excerpt(CopyNumber(ref reader))}' is not a finite number");
                    }

                    _values[channel] = value;
                    break;
                case JsonTokenType.Number:
                    break;
                default:
                    throw Invalid(offset, $"line {lineNumber}, value '{Excerpt(_channels[channel])}': {Describe(reader.TokenType)}, not a number or null");
            }
        }
    }

    private int FindChannel(ReadOnlySpan<char> name, long lineNumber, long offset, bool growChannels)
    {
        if (_channelBySpan.TryGetValue(name, out var index))
        {
            return index;
        }

        if (_fixedByScan)
        {
            throw SensorWindowReader.SourceChanged(_sourceUri);
        }

        if (!growChannels)
        {
            throw Invalid(
                offset,
                $"line {lineNumber}, 'values': '{Excerpt(name)}' is not a value of the first record; records with different values need the two-pass read (AssumeSorted is set)");
        }

        if (name.IsEmpty)
        {
            throw Invalid(offset, $"line {lineNumber}, 'values': a value has an empty name");
        }

        if (name.Length > SensorLimits.MaxNameLength)
        {
            throw Invalid(offset, $"line {lineNumber}, 'values': the name '{Excerpt(name)}' is longer than {SensorLimits.MaxNameLength} characters");
        }

        if (_channels.Count >= _settings.MaxChannels)
        {
            throw Invalid(offset, $"line {lineNumber}, 'values': more than {_settings.MaxChannels} distinct value names in the file");
        }

        return AddChannel(name.ToString());
    }

    private int AddChannel(string name)
    {
        var index = _channels.Count;
        _channels.Add(name);
        _channelIndex.Add(name, index);
        _channelArray = null;
        Array.Resize(ref _values, index + 1);
        Array.Resize(ref _seenIn, index + 1);
        _values[index] = double.NaN;
        return index;
    }

    private ReadOnlySpan<char> CopyString(ref Utf8JsonReader reader)
    {
        // Unescaped UTF-16 never has more chars than the escaped UTF-8 has bytes.
        var bytes = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (_text.Length < bytes)
        {
            _text = new char[Math.Max(bytes, _text.Length * 2)];
        }

        var length = reader.CopyString(_text);
        return _text.AsSpan(0, length);
    }

    private ReadOnlySpan<char> CopyNumber(ref Utf8JsonReader reader)
    {
        // A number token is ASCII.
        var raw = reader.ValueSpan;
        if (_text.Length < raw.Length)
        {
            _text = new char[Math.Max(raw.Length, _text.Length * 2)];
        }

        var length = Encoding.ASCII.GetChars(raw, _text);
        return _text.AsSpan(0, length);
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        _ => token.ToString(),
    };

    private static string Excerpt(ReadOnlySpan<char> text) =>
        text.Length <= MaxExcerpt ? text.ToString() : string.Concat(text[..MaxExcerpt], "…");

    private InvalidMediaException Invalid(long offset, string reason, Exception? inner = null) => new(_sourceUri, offset, reason, inner);
}
