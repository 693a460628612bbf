namespace OrleansIngest.Processing.Pipeline;

/// <summary>
/// Path globs: <c>*</c> matches within one path segment, <c>**/</c> matches zero or more whole segments,
/// <c>?</c> one character. Case-insensitive, forward slashes.
/// </summary>
public static class Glob
{
    /// <summary>Whether <paramref name="path"/> matches <paramref name="pattern"/>.</summary>
    public static bool IsMatch(string pattern, string path)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(path);
        return Match(pattern.AsSpan(), path.AsSpan());
    }

    private static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> path)
    {
        while (pattern.Length > 0)
        {
            if (pattern.StartsWith("**/"))
            {
                var rest = pattern[3..];
                // Zero segments, or skip one segment at a time.
                if (Match(rest, path))
                {
                    return true;
                }

                for (var i = 0; i < path.Length; i++)
                {
                    if (path[i] == '/' && Match(rest, path[(i + 1)..]))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (pattern.SequenceEqual("**"))
            {
                return true;
            }

            var c = pattern[0];
            if (c == '*')
            {
                var rest = pattern[1..];
                for (var i = 0; i <= path.Length; i++)
                {
                    if (Match(rest, path[i..]))
                    {
                        return true;
                    }

                    if (i < path.Length && path[i] == '/')
                    {
                        return false;
                    }
                }

                return false;
            }

            if (path.Length == 0)
            {
                return false;
            }

            if (c == '?' ? path[0] == '/' : char.ToLowerInvariant(c) != char.ToLowerInvariant(path[0]))
            {
                return false;
            }

            pattern = pattern[1..];
            path = path[1..];
        }

        return path.Length == 0;
    }
}
