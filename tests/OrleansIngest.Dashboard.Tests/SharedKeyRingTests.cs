using System.Xml.Linq;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using OrleansIngest.Silo.Admin.Security;
using OrleansIngest.TestSupport.Azurite;

namespace OrleansIngest.Dashboard.Tests;

/// <summary>
/// Dashboard replicas share one data-protection key ring in a blob (Azurite here), so what one replica protects — a
/// sign-in cookie, an anti-forgery token — another reads, and replicas adding keys at once lose none.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SharedKeyRingTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public void WhatOneReplicaProtects_AnotherUnprotects()
    {
        var blob = KeyRing();
        using var first = Replica(blob);
        using var second = Replica(blob);

        var cookie = first.GetRequiredService<IDataProtectionProvider>().CreateProtector("session").Protect("signed in as admin");

        Assert.Equal("signed in as admin", second.GetRequiredService<IDataProtectionProvider>().CreateProtector("session").Unprotect(cookie));
    }

    [Fact]
    public void WithoutTheSharedRing_AnotherReplicaCannotReadIt()
    {
        using var first = Replica(KeyRing());
        using var second = Replica(KeyRing());

        var cookie = first.GetRequiredService<IDataProtectionProvider>().CreateProtector("session").Protect("signed in as admin");

        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => second.GetRequiredService<IDataProtectionProvider>().CreateProtector("session").Unprotect(cookie));
    }

    [Fact]
    public async Task ReplicasStoringKeysAtOnce_LoseNone()
    {
        var blob = KeyRing();
        var repositories = Enumerable.Range(0, 3).Select(_ => new BlobXmlRepository(blob)).ToList();

        await Task.WhenAll(repositories.SelectMany((repository, r) => Enumerable.Range(0, 4).Select(i =>
            Task.Run(() => repository.StoreElement(new XElement("key", new XAttribute("id", $"{r}-{i}")), $"{r}-{i}")))));

        var ids = new BlobXmlRepository(blob).GetAllElements().Select(e => e.Attribute("id")!.Value).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 3).SelectMany(r => Enumerable.Range(0, 4).Select(i => $"{r}-{i}")).Order(), ids);
    }

    private BlobClient KeyRing() =>
        new BlobContainerClient(azurite.ConnectionString, "k" + Guid.NewGuid().ToString("N")[..20]).GetBlobClient("dashboard/key-ring.xml");

    private static ServiceProvider Replica(BlobClient keyRing)
    {
        var services = new ServiceCollection();
        services.AddDataProtection()
            .SetApplicationName("OrleansIngest.Dashboard")
            .AddKeyManagementOptions(o => o.XmlRepository = new BlobXmlRepository(keyRing));
        return services.BuildServiceProvider();
    }
}
