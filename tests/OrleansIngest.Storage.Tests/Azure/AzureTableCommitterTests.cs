using OrleansIngest.Storage.Tests.Commit;
using OrleansIngest.TestSupport.Azurite;

namespace OrleansIngest.Storage.Tests.Azure;

/// <summary>The commit protocol on Azure Blob Storage (Azurite).</summary>
[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class AzureTableCommitterTests(AzuriteFixture azurite) : TableCommitterContract
{
    protected override Task<ITableHarness> CreateTableAsync() => Task.FromResult<ITableHarness>(new AzureTableHarness(azurite));
}
