using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace OrleansIngest.Benchmarks.Inference;

/// <summary>Audio seconds processed per wall-clock second: the figure peers publish for VAD.</summary>
public sealed class RealTimeFactorColumn(double audioSecondsPerOperation) : IColumn
{
    public string Id => $"{nameof(RealTimeFactorColumn)}.{audioSecondsPerOperation}";

    public string ColumnName => "x real time";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => $"Audio seconds per wall second ({audioSecondsPerOperation} s of audio per operation)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        return statistics is null ? "NA" : (audioSecondsPerOperation / (statistics.Mean / 1e9)).ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>Adds the real-time factor for 60 s of audio per operation.</summary>
public sealed class SixtySecondsOfAudioConfig : ManualConfig
{
    public const int AudioSeconds = 60;

    public SixtySecondsOfAudioConfig() => AddColumn(new RealTimeFactorColumn(AudioSeconds));
}
