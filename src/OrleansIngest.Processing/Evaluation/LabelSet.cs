using System.Globalization;
using System.Text.Json;

namespace OrleansIngest.Processing.Evaluation;

/// <summary>
/// Reference labels for evaluation: per row (<c>row_id</c> with <c>label</c> or <c>score</c>) and/or per time span
/// of a source (<c>source_uri,start_s,end_s</c> with an optional <c>label</c>; for VAD, the reference speech
/// intervals). Read from CSV (header row) or JSON Lines.
/// </summary>
public sealed class LabelSet
{
    private readonly Dictionary<string, bool> _rows;
    private readonly Dictionary<string, string> _rowClasses;
    private readonly Dictionary<string, List<TimeInterval>> _intervals;

    private LabelSet(Dictionary<string, bool> rows, Dictionary<string, string> rowClasses, Dictionary<string, List<TimeInterval>> intervals)
    {
        _rows = rows;
        _rowClasses = rowClasses;
        _intervals = intervals;
    }

    /// <summary>
    /// Row labels by row id, as positive/negative: 1/true/yes/speech/positive and a score ≥ 0.5 are positive;
    /// 0/false/no/nonspeech/silence/negative/normal and a score &lt; 0.5 are negative; any other class name (an
    /// anomaly class such as <c>drift</c>) is positive, so a score column is scored as "not the negative class".
    /// </summary>
    public IReadOnlyDictionary<string, bool> Rows => _rows;

    /// <summary>Row labels by row id as given (class names, for class columns); rows without a <c>label</c> are absent.</summary>
    public IReadOnlyDictionary<string, string> RowClasses => _rowClasses;

    /// <summary>Positive reference intervals by source URI, sorted by start.</summary>
    public IReadOnlyDictionary<string, List<TimeInterval>> Intervals => _intervals;

    /// <summary>Loads a <c>.csv</c>, <c>.jsonl</c> or <c>.ndjson</c> file.</summary>
    /// <exception cref="FormatException">A line lacks the columns of either form, or a value does not parse; the message names the line.</exception>
    public static LabelSet Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        return Parse(File.ReadAllLines(path), jsonLines: extension is ".jsonl" or ".ndjson", path);
    }

    /// <summary>Parses the lines of a label file.</summary>
    public static LabelSet Parse(IReadOnlyList<string> lines, bool jsonLines, string name = "labels")
    {
        ArgumentNullException.ThrowIfNull(lines);
        var rows = new Dictionary<string, bool>(StringComparer.Ordinal);
        var rowClasses = new Dictionary<string, string>(StringComparer.Ordinal);
        var intervals = new Dictionary<string, List<TimeInterval>>(StringComparer.Ordinal);
        string[]? header = null;
        for (var i = 0; i < lines.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            Dictionary<string, string> fields;
            if (jsonLines)
            {
                using var document = JsonDocument.Parse(lines[i]);
                fields = document.RootElement.EnumerateObject().ToDictionary(
                    p => p.Name,
                    p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(),
                    StringComparer.OrdinalIgnoreCase);
            }
            else if (header is null)
            {
                header = [.. lines[i].Split(',').Select(h => h.Trim())];
                continue;
            }
            else
            {
                var values = lines[i].Split(',');
                fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                for (var c = 0; c < header.Length && c < values.Length; c++)
                {
                    fields[header[c]] = values[c].Trim();
                }
            }

            var hasLabel = fields.TryGetValue("label", out var label) || fields.TryGetValue("score", out label);
            if (fields.TryGetValue("row_id", out var rowId) && rowId.Length > 0)
            {
                // A class name that is not a negative word (drift, spike…) counts as positive: "not the negative class".
                rows[rowId] = !hasLabel || !TryParsePositive(label!, out var isPositive) || isPositive;
                if (fields.TryGetValue("label", out var className) && className.Trim().Length > 0)
                {
                    rowClasses[rowId] = className.Trim();
                }

                continue;
            }

            var positive = !hasLabel || IsPositive(label!, name, i);
            if (fields.TryGetValue("source_uri", out var source) && fields.TryGetValue("start_s", out var start) && fields.TryGetValue("end_s", out var end))
            {
                if (positive)
                {
                    if (!intervals.TryGetValue(source, out var list))
                    {
                        intervals[source] = list = [];
                    }

                    list.Add(new TimeInterval(ParseNumber(start, name, i), ParseNumber(end, name, i)));
                }
            }
            else
            {
                throw new FormatException($"{name} line {i + 1}: needs 'row_id' or 'source_uri', 'start_s' and 'end_s'.");
            }
        }

        foreach (var list in intervals.Values)
        {
            list.Sort((a, b) => a.Start.CompareTo(b.Start));
        }

        return new LabelSet(rows, rowClasses, intervals);
    }

    /// <summary>Whether <paramref name="seconds"/> of <paramref name="sourceUri"/> lies inside a positive interval.</summary>
    public bool IsPositiveAt(string sourceUri, double seconds) =>
        _intervals.TryGetValue(sourceUri, out var list) && list.Any(r => seconds >= r.Start && seconds < r.End);

    private static bool IsPositive(string value, string name, int line) =>
        TryParsePositive(value, out var positive)
            ? positive
            : throw new FormatException($"{name} line {line + 1}: label '{value.Trim()}' is not 1/0, true/false, speech/silence or a score.");

    private static bool TryParsePositive(string value, out bool positive)
    {
        switch (value.Trim().ToLowerInvariant())
        {
            case "1" or "true" or "yes" or "speech" or "positive":
                positive = true;
                return true;
            case "0" or "false" or "no" or "nonspeech" or "non_speech" or "silence" or "negative" or "normal":
                positive = false;
                return true;
            case var other when double.TryParse(other, NumberStyles.Float, CultureInfo.InvariantCulture, out var score):
                positive = score >= 0.5;
                return true;
            default:
                positive = false;
                return false;
        }
    }

    private static double ParseNumber(string value, string name, int line) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FormatException($"{name} line {line + 1}: '{value}' is not a number.");
}
