using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage.Azure;
using OrleansIngest.Storage.Local;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Storage.Tests.Azure;

[Trait("Category", "Unit")]
public sealed class AzureBlobClientFactoryTests
{
    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private const string Secret = "sig=SECRETSIGNATURE";

    [Fact]
    public void Resolve_SplitsAnAccountUrlIntoContainerAndPrefix()
    {
        var factory = new AzureBlobClientFactory(new AzureStorageSettings(SasToken: "sv=2024-01-01&" + Secret));

        var location = factory.Resolve("https://acct.blob.core.windows.net/raw/audio/2026");

        Assert.Equal("raw", location.Container.Name);
        Assert.Equal("acct", location.Container.AccountName);
        Assert.Equal("audio/2026", location.Prefix);
        Assert.Equal("https://acct.blob.core.windows.net/raw", location.Container.Uri.AbsoluteUri);
    }

    [Fact]
    public void Resolve_UnderstandsAzuritePathStyleUrlsAndCachesTheContainerClient()
    {
        var factory = new AzureBlobClientFactory(new AzureStorageSettings(ConnectionString: ConnectionString(10_000)));

        var first = factory.Resolve("http://127.0.0.1:10000/devstoreaccount1/out/tables");
        var second = factory.Resolve("http://127.0.0.1:10000/devstoreaccount1/out/other/");

        Assert.Equal("out", first.Container.Name);
        Assert.Equal("tables", first.Prefix);
        Assert.Equal("other", second.Prefix);
        Assert.Same(first.Container, second.Container);
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1/out", first.Container.Uri.AbsoluteUri);
    }

    [Fact]
    public void Resolve_WithoutCredentialsNamesTheMissingSetting()
    {
        var factory = new AzureBlobClientFactory(null);

        var ex = Assert.Throws<InvalidOperationException>(() => factory.Resolve("https://acct.blob.core.windows.net/raw/x"));

        Assert.Contains(AzureStorageSettings.ConnectionStringKey, ex.Message, StringComparison.Ordinal);
        Assert.Contains(AzureStorageSettings.ConnectionStringEnvironmentVariable, ex.Message, StringComparison.Ordinal);
        Assert.Contains("https://acct.blob.core.windows.net/raw/x", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_RefusesAUrlOfAnotherAccountThanTheConnectionString()
    {
        var factory = new AzureBlobClientFactory(new AzureStorageSettings(ConnectionString: ConnectionString(10_000)));

        var ex = Assert.Throws<InvalidOperationException>(() => factory.Resolve("https://acct.blob.core.windows.net/raw"));

        Assert.Contains("'acct'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'devstoreaccount1'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(DevelopmentKey, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_RefusesASasInTheUrlWithoutRepeatingIt()
    {
        var factory = new AzureBlobClientFactory(new AzureStorageSettings(UseDefaultAzureCredential: true));

        var ex = Assert.Throws<ArgumentException>(() => factory.Resolve("https://acct.blob.core.windows.net/raw/x?sv=1&" + Secret));

        Assert.DoesNotContain("SECRET", ex.Message, StringComparison.Ordinal);
        Assert.Contains("OrleansIngest:Storage:SasToken", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://acct.blob.core.windows.net")]
    [InlineData("https://acct.blob.core.windows.net/")]
    [InlineData("ftp://acct.blob.core.windows.net/raw")]
    public void Resolve_RefusesUrlsWithoutAContainer(string url)
    {
        var factory = new AzureBlobClientFactory(new AzureStorageSettings(UseDefaultAzureCredential: true));

        Assert.Throws<ArgumentException>(() => factory.Resolve(url));
    }

    [Fact]
    public void Resolve_ReportsABadConnectionStringWithoutQuotingIt()
    {
        var factory = new AzureBlobClientFactory(new AzureStorageSettings(ConnectionString: "AccountKey=" + Secret));

        var ex = Assert.Throws<InvalidOperationException>(() => factory.Resolve("https://acct.blob.core.windows.net/raw"));

        Assert.Contains(AzureStorageSettings.ConnectionStringKey, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_DropsQueryFragmentAndUserInformation()
    {
        Assert.Equal("https://acct.blob.core.windows.net/raw/a%20b.wav", AzureBlobClientFactory.Redact("https://user:pw@acct.blob.core.windows.net/raw/a%20b.wav?" + Secret + "#x"));
        Assert.Equal("not a url", AzureBlobClientFactory.Redact("not a url?" + Secret));
    }

    [Fact]
    public void Settings_ToStringHidesSecrets()
    {
        var text = new AzureStorageSettings(ConnectionString(1), Secret, UseDefaultAzureCredential: true).ToString();

        Assert.DoesNotContain(DevelopmentKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", text, StringComparison.Ordinal);
        Assert.Contains("UseDefaultAzureCredential = True", text, StringComparison.Ordinal);
    }

    [Fact]
    public void StorageResolver_KeepsLocalLocationsLocalAndSendsBlobUrlsToAzure()
    {
        using var temp = new TempDirectory();
        var resolver = new StorageResolver(new AzureStorageSettings(ConnectionString: ConnectionString(10_000)));
        const string output = "http://127.0.0.1:10000/devstoreaccount1/out/run1";

        Assert.IsType<LocalTableStore>(resolver.GetTable(temp.Path, "t"));
        Assert.IsType<LocalTableStore>(resolver.GetTable(new Uri(temp.Path).AbsoluteUri, "t"));
        Assert.IsType<LocalBlobStore>(resolver.GetSource(temp.Path));
        var table = Assert.IsType<AzureTableStore>(resolver.GetTable(output, "audio_segments"));
        Assert.Same(table, resolver.GetTable(output, "audio_segments"));
        Assert.Equal(output + "/audio_segments", table.TableUri);
        Assert.IsType<AzureBlobStore>(resolver.GetSource("http://127.0.0.1:10000/devstoreaccount1/raw"));
    }

    [Fact]
    public void StorageResolver_WithoutSettingsRefusesBlobUrlsNamingTheSetting()
    {
        var resolver = new StorageResolver();

        var source = Assert.Throws<InvalidOperationException>(() => resolver.GetSource("https://acct.blob.core.windows.net/raw"));
        var table = Assert.Throws<InvalidOperationException>(() => resolver.GetTable("https://acct.blob.core.windows.net/out", "t"));

        Assert.Contains(AzureStorageSettings.ConnectionStringEnvironmentVariable, source.Message, StringComparison.Ordinal);
        Assert.Contains(AzureStorageSettings.ConnectionStringKey, table.Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => resolver.GetSource("s3://bucket/raw"));
        Assert.IsAssignableFrom<IStorageResolver>(resolver);
    }

    private static string ConnectionString(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevelopmentKey};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
}
