using OrleansIngest.TestSupport;

namespace OrleansIngest.Infra.Tests.Kubernetes;

[Trait("Category", "Unit")]
public sealed class KubernetesFileTests
{
    [Fact]
    public void Kustomization_ListsEveryManifestInTheFolder()
    {
        var folder = Path.Combine(TestTools.RepositoryRoot, KubernetesManifests.Folder);
        var kustomization = File.ReadAllLines(Path.Combine(folder, "kustomization.yaml"));
        var listed = kustomization.SkipWhile(l => l != "resources:").Skip(1).TakeWhile(l => l.StartsWith("  - ", StringComparison.Ordinal))
            .Select(l => l[4..].Trim()).ToHashSet();
        var files = Directory.GetFiles(folder, "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").ToHashSet();

        Assert.Equal(files.Order(), listed.Order());
    }

    [Fact]
    public void SiloSettings_NameTheStorageEndpointsAndHoldNoSecrets()
    {
        var settings = File.ReadAllLines(Path.Combine(TestTools.RepositoryRoot, KubernetesManifests.Folder, "silo.env"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);

        Assert.Matches(@"^https://[^/]+\.table\.core\.windows\.net$", settings["ORLEANSINGEST__CLUSTER__TABLESERVICEURI"]);
        Assert.Matches(@"^https://[^/]+\.blob\.core\.windows\.net$", settings["ORLEANSINGEST__CLUSTER__BLOBSERVICEURI"]);
        Assert.Matches(@"^https://[^/]+\.queue\.core\.windows\.net$", settings["ORLEANSINGEST__EVENTS__QUEUE__SERVICEURI"]);
        Assert.Equal("blob-events", settings["ORLEANSINGEST__EVENTS__QUEUE__NAME"]);
        Assert.Equal("true", settings["ORLEANSINGEST__STORAGE__USEDEFAULTAZURECREDENTIAL"]);
        Assert.Equal("false", settings["ORLEANSINGEST__ADMIN__ADMINTOKENENABLED"]);
        foreach (var (name, value) in settings)
        {
            Assert.DoesNotContain("CONNECTIONSTRING", name, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("AccountKey=", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("sig=", value, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void SiloSettings_ReadTheGovernanceKeysFromTheKeyVaultMountAsRawBytes()
    {
        var folder = Path.Combine(TestTools.RepositoryRoot, KubernetesManifests.Folder);
        var settings = File.ReadAllLines(Path.Combine(folder, "silo.env"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);
        var provider = File.ReadAllText(Path.Combine(folder, "secretproviderclass.yaml"));

        foreach (var key in new[] { "GOVERNANCE__SOURCEKEYFILE", "GOVERNANCE__KEYENCRYPTIONKEYFILE" })
        {
            var path = settings[key];
            Assert.StartsWith("/mnt/secrets-store/", path, StringComparison.Ordinal);
            var objectName = Path.GetFileName(path);

            // The secret holds base64 text; the driver must write the decoded 32 bytes the silo reads.
            Assert.Matches($@"objectName: {objectName}\s+objectType: secret\s+objectEncoding: base64", provider);
        }
    }
}
