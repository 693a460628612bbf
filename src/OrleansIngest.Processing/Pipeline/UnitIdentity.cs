using System.Security.Cryptography;
using System.Text;

namespace OrleansIngest.Processing.Pipeline;

/// <summary>The idempotency key of a unit: one blob version, (source URI, ETag, size).</summary>
public static class UnitIdentity
{
    /// <summary>A stable 32-hex-digit id for the blob version.</summary>
    public static string Compute(string sourceUri, string eTag, long size)
    {
        var text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{sourceUri}\n{eTag}\n{size}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }
}
