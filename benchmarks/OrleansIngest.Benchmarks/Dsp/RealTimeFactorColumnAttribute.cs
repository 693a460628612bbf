using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace OrleansIngest.Benchmarks.Dsp;

/// <summary>Adds a "× real time" column: seconds of audio processed per second of wall time (mean).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RealTimeFactorColumnAttribute(double audioSeconds) : ColumnConfigBaseAttribute(new RealTimeFactorColumn(audioSeconds))
{
    public double AudioSeconds => audioSeconds;

    private sealed class RealTimeFactorColumn(double audioSeconds) : IColumn
    {
        public string Id => nameof(RealTimeFactorColumn);

        public string ColumnName => "× real time";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => $"Audio seconds ({audioSeconds}) divided by the mean wall time";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return mean is > 0 ? (audioSeconds / (mean.Value * 1e-9)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "-";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
