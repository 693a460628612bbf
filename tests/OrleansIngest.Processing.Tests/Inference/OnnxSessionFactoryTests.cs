using Microsoft.ML.OnnxRuntime;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Tests.Models;

namespace OrleansIngest.Processing.Tests.Inference;

[Trait("Category", "Unit")]
public sealed class OnnxSessionFactoryTests
{
    private static readonly string[] CpuOnlyBuild = ["CPUExecutionProvider"];

    // Claims CUDA is in the build, so a CUDA attempt really happens (and fails on a node without CUDA libraries).
    private static readonly string[] BuildClaimingCuda = ["CUDAExecutionProvider", "CPUExecutionProvider"];

    [Fact]
    public void OnnxSessionFactory_CpuNeverTriesCuda()
    {
        var result = OnnxSessionFactory.Create(TestModels.PcmRmsBytes, "cpu", 1, null, BuildClaimingCuda);
        using var session = result.Session;

        Assert.Equal("cpu", result.RequestedProvider);
        Assert.Equal("cpu", result.ActualProvider);
        Assert.Null(result.FallbackReason);
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("auto")]
    [InlineData("AUTO")]
    public void OnnxSessionFactory_CudaOrAutoFallsBackToCpuWithTheReasonWhenTheBuildHasNoCuda(string provider)
    {
        var result = OnnxSessionFactory.Create(TestModels.PcmRmsBytes, provider, 1, null, CpuOnlyBuild);
        using var session = result.Session;

        Assert.Equal(provider.ToLowerInvariant(), result.RequestedProvider);
        Assert.Equal("cpu", result.ActualProvider);
        Assert.Contains("no CUDA execution provider", result.FallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public void OnnxSessionFactory_AutoFallsBackToCpuWhenCudaFailsToLoad()
    {
        var result = OnnxSessionFactory.Create(TestModels.PcmRmsBytes, "auto", 1, null, BuildClaimingCuda);
        using var session = result.Session;

        if (HasWorkingCuda())
        {
            // A GPU node: the attempt succeeds, so there is nothing to fall back from.
            Assert.Equal("cuda", result.ActualProvider);
            Assert.Null(result.FallbackReason);
        }
        else
        {
            Assert.Equal("cpu", result.ActualProvider);
            Assert.StartsWith("the CUDA execution provider failed to load", result.FallbackReason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void OnnxSessionFactory_OnThisBuildAutoReportsWhereTheSessionRuns()
    {
        var result = OnnxSessionFactory.Create(TestModels.PcmRmsBytes, "auto");
        using var session = result.Session;

        // Either CUDA works (no reason) or the session runs on the CPU and says why.
        Assert.Equal(result.ActualProvider == "cpu", result.FallbackReason is not null);
    }

    [Theory]
    [InlineData(null, "cpu")]
    [InlineData("", "cpu")]
    [InlineData(" Cuda ", "cuda")]
    [InlineData("auto", "auto")]
    public void OnnxSessionFactory_NormalizesProviderPreferences(string? given, string expected) =>
        Assert.Equal(expected, OnnxSessionFactory.NormalizeProvider(given));

    [Fact]
    public void OnnxSessionFactory_RejectsUnknownProvider()
    {
        var error = Assert.Throws<ArgumentException>(() => OnnxSessionFactory.Create(TestModels.PcmRmsBytes, "tpu"));

        Assert.Contains("'tpu'", error.Message, StringComparison.Ordinal);
    }

    private static bool HasWorkingCuda()
    {
        if (!OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider"))
        {
            return false;
        }

        var result = OnnxSessionFactory.Create(TestModels.PcmRmsBytes, "cuda");
        result.Session.Dispose();
        return result.ActualProvider == "cuda";
    }
}
