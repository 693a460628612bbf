using System.Text.RegularExpressions;

namespace OrleansIngest.Infra.Tests.Containers;

/// <summary>One instruction of a Dockerfile: its keyword (upper case), its arguments with continuations joined, its line.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Line);

/// <summary>One build stage: its FROM image, its name, and its instructions after FROM.</summary>
internal sealed record DockerStage(string Image, string? Name, IReadOnlyList<DockerInstruction> Instructions);

/// <summary>
/// A Dockerfile read into stages and instructions (comments dropped, backslash continuations joined): enough for the
/// policy tests, which ask what each stage does, not how Docker would execute it.
/// </summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerInstruction> instructions)
    {
        Instructions = instructions;
        var stages = new List<DockerStage>();
        foreach (var instruction in instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                var parts = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
                var name = parts.Count >= 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null;
                stages.Add(new DockerStage(parts[0], name, []));
            }
            else if (stages.Count > 0)
            {
                var last = stages[^1];
                stages[^1] = last with { Instructions = [.. last.Instructions, instruction] };
            }
        }

        Stages = stages;
    }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    public IReadOnlyList<DockerStage> Stages { get; }

    public DockerStage FinalStage => Stages[^1];

    /// <summary>FROM images that are real images, not earlier stages.</summary>
    public IEnumerable<string> BaseImages
    {
        get
        {
            var stageNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var stage in Stages)
            {
                if (!stageNames.Contains(stage.Image))
                {
                    yield return stage.Image;
                }

                if (stage.Name is not null)
                {
                    stageNames.Add(stage.Name);
                }
            }
        }
    }

    public static Dockerfile Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var start = i + 1;
            var joined = line;
            while (joined.EndsWith('\\') && i + 1 < lines.Length)
            {
                joined = joined[..^1].TrimEnd();
                var next = lines[++i].Trim();
                if (!next.StartsWith('#'))
                {
                    joined += " " + next;
                }
            }

            var match = InstructionPattern().Match(joined);
            instructions.Add(new DockerInstruction(match.Groups[1].Value.ToUpperInvariant(), match.Groups[2].Value.Trim(), start));
        }

        return new Dockerfile(instructions);
    }

    [GeneratedRegex(@"^(\S+)\s*(.*)$", RegexOptions.Singleline)]
    private static partial Regex InstructionPattern();
}
