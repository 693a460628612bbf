using System.Xml.Linq;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace OrleansIngest.Silo.Admin.Security;

/// <summary>
/// The dashboard's data-protection key ring in one blob, shared by every silo that serves the dashboard: a sign-in
/// cookie or anti-forgery token issued by one replica is read by any other. Keys are appended with optimistic
/// concurrency (If-Match on the blob's ETag, If-None-Match for the first), so replicas rotating keys at once lose none.
/// The blob sits with the cluster's grain state: protected by the account's encryption and its RBAC, like the state.
/// </summary>
public sealed class BlobXmlRepository(BlobClient blob) : IXmlRepository
{
    private const int MaxAttempts = 30;
    private const string RootName = "repository";

    /// <inheritdoc />
    public IReadOnlyCollection<XElement> GetAllElements() => [.. Read().Document.Root!.Elements()];

    /// <inheritdoc />
    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        for (var attempt = 1; ; attempt++)
        {
            var (document, etag) = Read();
            document.Root!.Add(new XElement(element));
            var conditions = etag is { } current ? new BlobRequestConditions { IfMatch = current } : new BlobRequestConditions { IfNoneMatch = ETag.All };
            try
            {
                blob.Upload(BinaryData.FromString(document.ToString(SaveOptions.DisableFormatting)), new BlobUploadOptions { Conditions = conditions });
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Another replica wrote the ring in between: read it again and append to its version, after a random
                // pause that grows, so that replicas racing (all starting at once) spread out.
                Thread.Sleep(Random.Shared.Next(1, Math.Min(25 * attempt, 500)));
            }
        }
    }

    private (XDocument Document, ETag? ETag) Read()
    {
        try
        {
            var content = blob.DownloadContent();
            return (XDocument.Parse(content.Value.Content.ToString()), content.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            if (ex.ErrorCode == "ContainerNotFound")
            {
                blob.GetParentBlobContainerClient().CreateIfNotExists();
            }

            return (new XDocument(new XElement(RootName)), null);
        }
    }
}
