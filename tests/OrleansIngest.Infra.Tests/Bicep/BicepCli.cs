using System.Reflection;
using System.Text.RegularExpressions;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Infra.Tests.Bicep;

/// <summary>One Bicep diagnostic line (<c>file(line,column) : Level CODE: message</c>).</summary>
public sealed record BicepDiagnostic(string Level, string Code, string Line);

/// <summary>The Bicep CLI from the <c>Azure.Bicep.CommandLine.linux-x64</c> package, run offline.</summary>
public static partial class BicepCli
{
    private const string ExecutableMetadataKey = "BicepExecutable";

    // The CLI checks for newer versions and module metadata over HTTPS; a closed local port fails those calls fast
    // instead of waiting on this machine's blocked network.
    private const string DeadProxy = "http://127.0.0.1:9";

    /// <summary>Path of the <c>bicep</c> binary that restore put in the NuGet cache.</summary>
    public static string ExecutablePath
    {
        get
        {
            var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(attribute => attribute.Key == ExecutableMetadataKey)?.Value;
            if (string.IsNullOrEmpty(path) || !File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"The Bicep CLI was not found at '{path}'; restore tests/OrleansIngest.Infra.Tests (it references Azure.Bicep.CommandLine.linux-x64).");
            }

            return path;
        }
    }

    /// <summary>Runs <c>bicep</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public static async Task<ToolResult> RunAsync(
        IReadOnlyList<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        var startInfo = TestTools.CreateStartInfo(ExecutablePath, arguments, workingDirectory);
        startInfo.Environment["HTTPS_PROXY"] = DeadProxy;
        startInfo.Environment["HTTP_PROXY"] = DeadProxy;
        startInfo.Environment["NO_PROXY"] = string.Empty;
        return await TestTools.RunAsync(startInfo, timeout, cancellationToken);
    }

    /// <summary>Every diagnostic (any level) the CLI printed.</summary>
    public static IReadOnlyList<BicepDiagnostic> ParseDiagnostics(ToolResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return [.. (result.StandardOutput + "\n" + result.StandardError)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => (Line: line, Match: DiagnosticPattern().Match(line)))
            .Where(candidate => candidate.Match.Success)
            .Select(candidate => new BicepDiagnostic(candidate.Match.Groups["level"].Value, candidate.Match.Groups["code"].Value, candidate.Line))];
    }

    [GeneratedRegex(@"\(\d+,\d+\) : (?<level>Error|Warning|Info) (?<code>[A-Za-z0-9-]+):")]
    private static partial Regex DiagnosticPattern();
}
