namespace OrleansIngest.Processing.Sensors;

/// <summary>One cell of a line: its text range (inside quotes for a quoted cell).</summary>
internal readonly record struct CsvCell(int Start, int Length, bool HasEscapedQuotes)
{
    public ReadOnlySpan<char> Slice(ReadOnlySpan<char> line) => line.Slice(Start, Length);

    public string ToText(ReadOnlySpan<char> line)
    {
        var text = line.Slice(Start, Length).ToString();
        return HasEscapedQuotes ? text.Replace("\"\"", "\"", StringComparison.Ordinal) : text;
    }
}

/// <summary>
/// Splits one line into cells: RFC 4180 quoting within a line ("a;b" and "" escapes), spaces around cells
/// ignored. A record spanning several lines is not supported: sensor rows are one line each, and allowing it
/// would let one unterminated quote swallow the rest of the file.
/// </summary>
internal static class CsvTokenizer
{
    /// <summary>Counts delimiter candidates outside quotes and picks the most frequent (ties: comma, semicolon, tab).</summary>
    public static char DetectDelimiter(ReadOnlySpan<char> header)
    {
        int commas = 0, semicolons = 0, tabs = 0;
        var quoted = false;
        foreach (var c in header)
        {
            switch (c)
            {
                case '"':
                    quoted = !quoted;
                    break;
                case ',' when !quoted:
                    commas++;
                    break;
                case ';' when !quoted:
                    semicolons++;
                    break;
                case '\t' when !quoted:
                    tabs++;
                    break;
                default:
                    break;
            }
        }

        if (semicolons > commas && semicolons >= tabs)
        {
            return ';';
        }

        return tabs > commas && tabs > semicolons ? '\t' : ',';
    }

    /// <summary>
    /// Splits <paramref name="line"/>; stores at most <c>cells.Length</c> cells but returns the total count so a
    /// ragged row can be reported exactly. Returns -1 with <paramref name="error"/> set on broken quoting.
    /// </summary>
    public static int Split(ReadOnlySpan<char> line, char delimiter, Span<CsvCell> cells, out string? error)
    {
        error = null;
        var count = 0;
        var i = 0;
        while (true)
        {
            i = SkipBlanks(line, i, delimiter);
            CsvCell cell;
            if (i < line.Length && line[i] == '"')
            {
                var contentStart = ++i;
                var escaped = false;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        error = $"column {count + 1} has an unterminated quote";
                        return -1;
                    }

                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            escaped = true;
                            i += 2;
                            continue;
                        }

                        break;
                    }

                    i++;
                }

                cell = new CsvCell(contentStart, i - contentStart, escaped);
                i = SkipBlanks(line, i + 1, delimiter);
                if (i < line.Length && line[i] != delimiter)
                {
                    error = $"column {count + 1} has text after its closing quote";
                    return -1;
                }
            }
            else
            {
                var next = line[i..].IndexOf(delimiter);
                var end = next < 0 ? line.Length : i + next;
                var last = end;
                while (last > i && IsBlank(line[last - 1], delimiter))
                {
                    last--;
                }

                cell = new CsvCell(i, last - i, HasEscapedQuotes: false);
                i = end;
            }

            if (count < cells.Length)
            {
                cells[count] = cell;
            }

            count++;
            if (i >= line.Length)
            {
                return count;
            }

            i++;
        }
    }

    private static int SkipBlanks(ReadOnlySpan<char> line, int i, char delimiter)
    {
        while (i < line.Length && IsBlank(line[i], delimiter))
        {
            i++;
        }

        return i;
    }

    private static bool IsBlank(char c, char delimiter) => c != delimiter && (c == ' ' || c == '\t');
}
