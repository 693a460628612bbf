using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace OrleansIngest.Silo.Admin.Ui;

/// <summary>One embedded static file of the UI.</summary>
internal sealed record AdminUiAsset(string Name, byte[] Content, string ContentType, string ETag);

/// <summary>The UI's files, read once from the assembly's resources (logical names <c>AdminUi/&lt;file&gt;</c>).</summary>
internal sealed class AdminUiAssets
{
    public const string ResourcePrefix = "AdminUi/";
    public const string ShellName = "index.html";
    public const string IconName = "favicon.svg";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    private AdminUiAssets(IReadOnlyDictionary<string, AdminUiAsset> files, string shell, AdminUiAsset icon)
    {
        Files = files;
        Shell = shell;
        Icon = icon;
    }

    /// <summary>The files under <c>/ui/</c> by name (the shell excluded: it is served at the page routes).</summary>
    public IReadOnlyDictionary<string, AdminUiAsset> Files { get; }

    /// <summary>The page shell's text, with its <c>{{…}}</c> placeholders.</summary>
    public string Shell { get; }

    /// <summary>The icon, also served at <c>/favicon.ico</c>.</summary>
    public AdminUiAsset Icon { get; }

    /// <exception cref="InvalidOperationException">The assembly lacks the shell or the icon (a broken build).</exception>
    public static AdminUiAssets Load()
    {
        var assembly = typeof(AdminUiAssets).Assembly;
        var files = new Dictionary<string, AdminUiAsset>(StringComparer.Ordinal);
        string? shell = null;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            var content = Read(assembly, resource);
            if (name == ShellName)
            {
                shell = Encoding.UTF8.GetString(content);
                continue;
            }

            var contentType = ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");
            var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12))}\"";
            files[name] = new AdminUiAsset(name, content, contentType, etag);
        }

        if (shell is null || !files.TryGetValue(IconName, out var icon))
        {
            throw new InvalidOperationException($"The admin UI's files are missing from {assembly.GetName().Name} (embedded as {ResourcePrefix}*).");
        }

        return new AdminUiAssets(files, shell, icon);
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Resource {resource} is listed but cannot be opened.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
