using OrleansIngest.Processing.Inference;

namespace OrleansIngest.Processing.Tests.Inference;

/// <summary>One model per test collection, as in production (one session per process).</summary>
public sealed class SileroVadModelFixture : IDisposable
{
    public SileroVadModel Model { get; } =
        new(new OnnxModelSettings(SileroVadModel.DefaultModelPath, SileroVadModel.PinnedSha256));

    public void Dispose() => Model.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SileroVadCollection : ICollectionFixture<SileroVadModelFixture>
{
    public const string Name = "SileroVad";
}
