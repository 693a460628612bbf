using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>The column layout read from the header line.</summary>
internal sealed class SensorCsvHeader
{
    public const string TimestampColumnName = "timestamp";
    public const string ShortTimestampColumnName = "ts";
    public const string SensorIdColumnName = "sensor_id";

    private SensorCsvHeader(char delimiter, string[] columnNames, int timestampColumn, int sensorIdColumn, int[] channelColumns)
    {
        Delimiter = delimiter;
        ColumnNames = columnNames;
        TimestampColumn = timestampColumn;
        SensorIdColumn = sensorIdColumn;
        ChannelColumns = channelColumns;
        ChannelNames = Array.ConvertAll(channelColumns, c => columnNames[c]);
    }

    public char Delimiter { get; }

    public string[] ColumnNames { get; }

    public int ColumnCount => ColumnNames.Length;

    public int TimestampColumn { get; }

    /// <summary>-1 when the file holds one sensor.</summary>
    public int SensorIdColumn { get; }

    public int[] ChannelColumns { get; }

    public string[] ChannelNames { get; }

    public static SensorCsvHeader Parse(ReadOnlySpan<char> line, long lineNumber, string sourceUri, long offset, int maxChannels)
    {
        var first = line.TrimStart(" \t");
        if (first.StartsWith('{') || first.StartsWith('['))
        {
            throw new InvalidMediaException(
                sourceUri,
                offset,
                $"line {lineNumber} (header) starts with '{first[0]}': the file is JSON, not CSV");
        }

        var delimiter = CsvTokenizer.DetectDelimiter(line);

        // Count first, then split into an array of exactly that size.
        var count = CsvTokenizer.Split(line, delimiter, [], out var error);
        if (count < 0)
        {
            throw new InvalidMediaException(sourceUri, offset, $"line {lineNumber} (header): {error}");
        }

        var cells = new CsvCell[count];
        CsvTokenizer.Split(line, delimiter, cells, out _);

        // No column is called like a timestamp, so a first line that starts with one is data without a header.
        if (SensorTimestampParser.TryParse(cells[0].Slice(line), SensorEpochUnit.Auto, out _) is null)
        {
            throw new InvalidMediaException(
                sourceUri,
                offset,
                $"line {lineNumber} starts with a timestamp, not a header: sensor CSV needs a header line naming a '{TimestampColumnName}' column");
        }

        var names = new string[count];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        int timestamp = -1, sensorId = -1;
        var channels = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            var name = cells[i].ToText(line);
            if (name.Length == 0)
            {
                throw new InvalidMediaException(sourceUri, offset, $"line {lineNumber} (header): column {i + 1} has an empty name");
            }

            if (!seen.Add(name))
            {
                throw new InvalidMediaException(sourceUri, offset, $"line {lineNumber} (header): column '{name}' appears twice");
            }

            names[i] = name;
            if (name.Equals(TimestampColumnName, StringComparison.OrdinalIgnoreCase) || name.Equals(ShortTimestampColumnName, StringComparison.OrdinalIgnoreCase))
            {
                if (timestamp >= 0)
                {
                    throw new InvalidMediaException(
                        sourceUri,
                        offset,
                        $"line {lineNumber} (header): both '{names[timestamp]}' and '{name}' name the timestamp column");
                }

                timestamp = i;
            }
            else if (name.Equals(SensorIdColumnName, StringComparison.OrdinalIgnoreCase))
            {
                sensorId = i;
            }
            else
            {
                channels.Add(i);
            }
        }

        if (timestamp < 0)
        {
            throw new InvalidMediaException(
                sourceUri,
                offset,
                $"line {lineNumber} (header): no '{TimestampColumnName}' column among {Describe(names)}");
        }

        if (channels.Count > maxChannels)
        {
            throw new InvalidMediaException(
                sourceUri,
                offset,
                $"line {lineNumber} (header): {channels.Count} channel columns, more than the {maxChannels} allowed");
        }

        if (channels.Count == 0)
        {
            throw new InvalidMediaException(
                sourceUri,
                offset,
                $"line {lineNumber} (header): no channel columns besides {Describe(names)}");
        }

        return new SensorCsvHeader(delimiter, names, timestamp, sensorId, [.. channels]);
    }

    private static string Describe(string[] names)
    {
        const int Shown = 8;
        var shown = string.Join(", ", names.Take(Shown).Select(n => $"'{SensorCsvParser.Excerpt(n)}'"));
        return names.Length > Shown ? $"{shown} and {names.Length - Shown} more" : shown;
    }
}
