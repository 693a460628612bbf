using BenchmarkDotNet.Attributes;
using OrleansIngest.Processing.Dsp;

namespace OrleansIngest.Benchmarks.Dsp;

/// <summary>60 s of 44.1 kHz mono to 16 kHz in 8192-sample blocks. × real time = 60 s / mean.</summary>
[MemoryDiagnoser]
[RealTimeFactorColumn(Seconds)]
public class ResamplerBenchmarks
{
    public const double Seconds = 60;
    private const int InputRate = 44100;
    private const int Block = 8192;
    private float[] _input = [];
    private float[] _output = [];
    private PolyphaseResampler _resampler = null!;

    [GlobalSetup]
    public void Setup()
    {
        _input = BenchmarkAudio.Signal(InputRate, Seconds);
        _resampler = new PolyphaseResampler(InputRate, 16000);
        _output = new float[Block];
    }

    [Benchmark(Description = "resample 44.1k→16k, 60 s")]
    public long Resample()
    {
        for (var offset = 0; offset < _input.Length; offset += Block)
        {
            var block = _input.AsSpan(offset, Math.Min(Block, _input.Length - offset));
            _resampler.Process(block, _output);
        }

        _resampler.Flush(_output);
        return _resampler.OutputCount;
    }
}
