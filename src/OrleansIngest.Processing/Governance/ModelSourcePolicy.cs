using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Governance;

/// <summary>
/// Where a pipeline may load models from: local paths (the image, a mounted volume) or a blob storage account with
/// the model's SHA-256 pinned. Anything else over http(s) — a model hub, an arbitrary web server — is rejected at
/// submit time, so a run makes no outbound call the operator did not configure and loads no bytes it cannot verify.
/// </summary>
public static class ModelSourcePolicy
{
    /// <summary>Throws <see cref="FormatException"/> when a model path of <paramref name="pipeline"/> is not allowed.</summary>
    public static void Enforce(PipelineDefinition pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        Check("audio.vadModelPath", pipeline.Audio.VadModelPath, pipeline.Audio.VadModelSha256);
    }

    /// <summary>Whether <paramref name="path"/> with <paramref name="sha256"/> may be loaded; the reason when not.</summary>
    public static string? Violation(string path, string sha256)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!path.Contains("://", StringComparison.Ordinal) || path.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!Uri.TryCreate(path, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return $"'{path}' is neither a local path nor an http(s) URL.";
        }

        // A storage account (or the local Azurite emulator); never a model hub or another web server.
        var isBlobAccount = (uri.Scheme == "https" && uri.Host.EndsWith(".blob.core.windows.net", StringComparison.OrdinalIgnoreCase))
            || (uri.IsLoopback && uri.Segments.Length > 2);
        if (!isBlobAccount)
        {
            return $"'{uri.GetLeftPart(UriPartial.Path)}' is not a blob storage account; models load from local paths or a storage account.";
        }

        return sha256.Length == 64 && sha256.All(Uri.IsHexDigit)
            ? null
            : $"'{uri.GetLeftPart(UriPartial.Path)}' is remote, so its SHA-256 must be pinned (64 hex digits).";
    }

    private static void Check(string setting, string path, string sha256)
    {
        if (Violation(path, sha256) is { } reason)
        {
            throw new FormatException($"{setting}: {reason}");
        }
    }
}
