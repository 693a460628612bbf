using System.Runtime.InteropServices;

namespace OrleansIngest.Processing.Tests.Features;

/// <summary>
/// Locates the team's shared reference folder (<c>&lt;repo&gt;/../shared/reference</c>) by walking up from
/// the test assembly, and reads its raw little-endian arrays.
/// </summary>
internal static class SharedReference
{
    private static readonly Lazy<string> Folder = new(Locate);

    public static string Path(string fileName) => System.IO.Path.Combine(Folder.Value, fileName);

    public static double[] ReadFloat64(string fileName) => Read<double>(fileName);

    public static float[] ReadFloat32(string fileName) => Read<float>(fileName);

    private static T[] Read<T>(string fileName)
        where T : struct
    {
        var bytes = File.ReadAllBytes(Path(fileName));
        return MemoryMarshal.Cast<byte, T>(bytes).ToArray();
    }

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "reference");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"The shared reference folder (shared/reference, a sibling of the repository) was not found above {AppContext.BaseDirectory}. " +
            "It holds the golden log-mel files these tests compare against; check it out next to the repository.");
    }
}
