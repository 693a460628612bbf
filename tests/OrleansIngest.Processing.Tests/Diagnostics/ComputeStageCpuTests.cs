using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrleansIngest.Processing.Diagnostics;

namespace OrleansIngest.Processing.Tests.Diagnostics;

/// <summary>
/// The compute stages' CPU accounting: the calling thread's CPU time, which counts work and not waiting, summed per stage.
/// Other tests may add to the process-wide totals at the same time, so these assert lower bounds on them.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ComputeStageCpuTests
{
    [Fact]
    public void ThreadCpuTime_CountsWorkButNotSleep()
    {
        Assert.True(ThreadCpuTime.IsSupported, "CLOCK_THREAD_CPUTIME_ID should be readable on Linux.");

        var beforeSleep = ThreadCpuTime.Nanoseconds();
        Thread.Sleep(200);
        var slept = ThreadCpuTime.Nanoseconds() - beforeSleep;

        var worked = SpinCpu(TimeSpan.FromMilliseconds(50));

        Assert.InRange(slept, 0, 20_000_000);
        Assert.True(worked, "50 ms of this thread's CPU did not pass within 10 s of spinning: the clock does not count work.");
    }

    [Fact]
    public void ComputeStage_AddsItsThreadsCpuTimeToItsStage()
    {
        var before = PipelineTelemetry.ComputeCpu();
        using (PipelineTelemetry.StartComputeStage(PipelineTelemetry.FeaturesStage))
        {
            Assert.True(SpinCpu(TimeSpan.FromMilliseconds(40)));
        }

        using (PipelineTelemetry.StartComputeStage(PipelineTelemetry.InferenceStage))
        {
            Assert.True(SpinCpu(TimeSpan.FromMilliseconds(40)));
        }

        var spent = PipelineTelemetry.ComputeCpu() - before;
        Assert.True(spent.Features >= TimeSpan.FromMilliseconds(40), $"features gained {spent.Features.TotalMilliseconds:0.0} ms");
        Assert.True(spent.Inference >= TimeSpan.FromMilliseconds(40), $"inference gained {spent.Inference.TotalMilliseconds:0.0} ms");
        Assert.Equal(spent.Features + spent.Inference, spent.Total);
    }

    [Fact]
    public void StageCpuMetric_ReportsTheTotalsPerComputeStage()
    {
        using (PipelineTelemetry.StartComputeStage(PipelineTelemetry.InferenceStage))
        {
            Assert.True(SpinCpu(TimeSpan.FromMilliseconds(10)));
        }

        var observed = new Dictionary<string, double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == PipelineTelemetry.Name && instrument.Name == PipelineTelemetry.StageCpuMetric)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == PipelineTelemetry.StageTag)
                {
                    observed[(string)tag.Value!] = value;
                }
            }
        });
        listener.Start();
        var totals = PipelineTelemetry.ComputeCpu();
        listener.RecordObservableInstruments();

        Assert.Equal([PipelineTelemetry.FeaturesStage, PipelineTelemetry.InferenceStage], observed.Keys.Order());
        Assert.True(observed[PipelineTelemetry.InferenceStage] >= 0.01, $"inference {observed[PipelineTelemetry.InferenceStage]} s");
        Assert.True(observed[PipelineTelemetry.InferenceStage] >= totals.Inference.TotalSeconds - 1e-6, "the counter went backwards");
    }

    [Theory]
    [InlineData(PipelineTelemetry.DecodeStage)]
    [InlineData(PipelineTelemetry.WriteStage)]
    [InlineData(PipelineTelemetry.CommitStage)]
    public void ComputeStage_RefusesStagesThatAwait(string stage)
    {
        var exception = Assert.Throws<ArgumentException>(() => PipelineTelemetry.StartComputeStage(stage));
        Assert.Contains(stage, exception.Message, StringComparison.Ordinal);
    }

    /// <summary>Spins until this thread has used <paramref name="cpu"/> more CPU; false if 10 s of wall clock pass first.</summary>
    private static bool SpinCpu(TimeSpan cpu)
    {
        var until = ThreadCpuTime.Nanoseconds() + (cpu.Ticks * 100);
        var watch = Stopwatch.StartNew();
        while (ThreadCpuTime.Nanoseconds() < until)
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(10))
            {
                return false;
            }
        }

        return true;
    }
}
