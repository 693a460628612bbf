using System.Runtime.InteropServices;

namespace OrleansIngest.Storage.Local;

/// <summary>
/// Gives a fully written file a second name only if that name is free, atomically: link(2) fails with EEXIST
/// when the target exists, so of many racing writers exactly one wins and readers never see a partial file.
/// (File.Move without overwrite checks existence first on some file systems, which is a race.)
/// </summary>
internal static partial class ExclusiveLink
{
    private const int EExist = 17;

    /// <summary>Links <paramref name="source"/> as <paramref name="target"/>; false when the target exists.</summary>
    public static bool TryLink(string source, string target)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            try
            {
                File.Copy(source, target, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(target))
            {
                return false;
            }
        }

        if (Link(source, target) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno == EExist)
        {
            return false;
        }

        throw new IOException($"link('{source}', '{target}') failed with errno {errno}.");
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string oldPath, string newPath);
}
