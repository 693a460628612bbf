using System.Runtime.InteropServices;
using OrleansIngest.Processing.Onnx;

namespace OrleansIngest.Processing.Features;

/// <summary>
/// Generates Whisper's log-mel as an ONNX model (opset 17), the same computation as <see cref="WhisperLogMel"/>:
/// a strided Conv1d over a Hann-windowed real and imaginary Fourier basis (2 × 201 kernels of 400 taps, stride
/// 160), squared, projected by the mel filter bank stacked twice ([80, 402]: re² and im² share the weights, so one
/// MatMul both sums them and projects), clamped at 1e-10, log10, floored at (max − 8) per item, (x + 4) / 4.
/// <para>
/// Input <c>padded_audio</c> is float32 [batch, 1, (frames − 1) × 160 + 400]: each segment already reflect-padded
/// by 200 samples at its start and cut so that exactly <c>frames</c> = samples / 160 windows fit (the host pads,
/// because numpy's reflection of signals shorter than the padding repeats and ONNX <c>Pad</c> does not).
/// Output <c>log_mel</c> is float32 [batch, 80, frames], band-major per item like <see cref="WhisperLogMel"/>.
/// All items of a run have the same length; the maximum is taken per item.
/// </para>
/// The model is generated in memory each time (a few milliseconds, 0.8 MB of weights), so no file can drift from
/// the code; <see cref="Build"/> returns the same bytes for the same constants.
/// </summary>
public static class OnnxLogMelGraph
{
    /// <summary>Name of the graph input.</summary>
    public const string InputName = "padded_audio";

    /// <summary>Name of the graph output.</summary>
    public const string OutputName = "log_mel";

    /// <summary>ONNX operator set the graph uses.</summary>
    public const int OpsetVersion = 17;

    /// <summary>Version of the generated graph; bump it when the graph changes.</summary>
    public const string GraphVersion = "1";

    private const int IrVersion = 8;
    private const int FloatType = 1;
    private const int IntsAttribute = 7;
    private const int IntAttribute = 2;
    private const int FourierKernels = 2 * WhisperLogMel.FrequencyBins;

    /// <summary>Samples of the padded input for <paramref name="frames"/> output frames: (frames − 1) × 160 + 400.</summary>
    public static int PaddedLength(int frames)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        return ((frames - 1) * WhisperLogMel.HopLength) + WhisperLogMel.FftSize;
    }

    /// <summary>The serialized ONNX <c>ModelProto</c>.</summary>
    public static byte[] Build()
    {
        var model = new OnnxProtoWriter()
            .Int64(1, IrVersion)
            .String(2, "OrleansIngest")
            .String(3, GraphVersion)
            .Message(7, WriteGraph)
            .Message(8, opset => opset.String(1, string.Empty).Int64(2, OpsetVersion));
        return model.ToArray();
    }

    /// <summary>
    /// Kernels [402, 1, 400]: rows 0–200 are window[n]·cos(2πkn/400), rows 201–401 are −window[n]·sin(2πkn/400),
    /// computed in double and rounded once.
    /// </summary>
    public static float[] FourierBasis()
    {
        var window = WhisperLogMel.HannWindow;
        var bins = WhisperLogMel.FrequencyBins;
        var size = WhisperLogMel.FftSize;
        var basis = new float[FourierKernels * size];
        for (var k = 0; k < bins; k++)
        {
            for (var n = 0; n < size; n++)
            {
                // k·n mod size keeps the angle small, so cos/sin are exact to double precision.
                var angle = 2 * Math.PI * ((long)k * n % size) / size;
                basis[(k * size) + n] = (float)(window[n] * Math.Cos(angle));
                basis[((bins + k) * size) + n] = (float)(-window[n] * Math.Sin(angle));
            }
        }

        return basis;
    }

    /// <summary>The mel filter bank side by side with itself: [80, 402].</summary>
    public static float[] StackedMelFilters()
    {
        var filters = WhisperLogMel.MelFilters;
        var bins = WhisperLogMel.FrequencyBins;
        var stacked = new float[WhisperLogMel.MelBands * FourierKernels];
        for (var band = 0; band < WhisperLogMel.MelBands; band++)
        {
            var row = filters.Slice(band * bins, bins);
            row.CopyTo(stacked.AsSpan(band * FourierKernels, bins));
            row.CopyTo(stacked.AsSpan((band * FourierKernels) + bins, bins));
        }

        return stacked;
    }

    private static void WriteGraph(OnnxProtoWriter graph)
    {
        Node(graph, "Conv", [InputName, "fourier_basis"], "spectrum", conv => Ints(conv, "strides", WhisperLogMel.HopLength));
        Node(graph, "Mul", ["spectrum", "spectrum"], "squared");
        Node(graph, "MatMul", ["mel_filters", "squared"], "mel_power");
        Node(graph, "Max", ["mel_power", "power_floor"], "clamped");
        Node(graph, "Log", ["clamped"], "natural_log");
        Node(graph, "Mul", ["natural_log", "log10_of_e"], "log10");
        Node(graph, "ReduceMax", ["log10"], "peak", reduce =>
        {
            Ints(reduce, "axes", 1, 2);
            reduce.Message(5, attribute => attribute.String(1, "keepdims").Int64(3, 1).Int64(20, IntAttribute));
        });
        Node(graph, "Sub", ["peak", "dynamic_range"], "floor");
        Node(graph, "Max", ["log10", "floor"], "floored");
        Node(graph, "Add", ["floored", "four"], "shifted");
        Node(graph, "Mul", ["shifted", "quarter"], OutputName);

        graph.String(2, "whisper_log_mel");
        Initializer(graph, "fourier_basis", [FourierKernels, 1, WhisperLogMel.FftSize], FourierBasis());
        Initializer(graph, "mel_filters", [WhisperLogMel.MelBands, FourierKernels], StackedMelFilters());
        Initializer(graph, "power_floor", [], [1e-10f]);
        Initializer(graph, "log10_of_e", [], [(float)(1 / Math.Log(10))]);
        Initializer(graph, "dynamic_range", [], [8f]);
        Initializer(graph, "four", [], [4f]);
        Initializer(graph, "quarter", [], [0.25f]);
        Value(graph, 11, InputName, "batch", 1L, "padded_samples");
        Value(graph, 12, OutputName, "batch", (long)WhisperLogMel.MelBands, "frames");
    }

    private static void Node(OnnxProtoWriter graph, string op, string[] inputs, string output, Action<OnnxProtoWriter>? attributes = null) =>
        graph.Message(1, node =>
        {
            foreach (var input in inputs)
            {
                node.String(1, input);
            }

            node.String(2, output).String(3, output).String(4, op);
            attributes?.Invoke(node);
        });

    private static void Ints(OnnxProtoWriter node, string name, params long[] values) =>
        node.Message(5, attribute =>
        {
            attribute.String(1, name);
            foreach (var value in values)
            {
                attribute.Int64(8, value);
            }

            attribute.Int64(20, IntsAttribute);
        });

    private static void Initializer(OnnxProtoWriter graph, string name, long[] dims, float[] values) =>
        graph.Message(5, tensor =>
        {
            foreach (var dim in dims)
            {
                tensor.Int64(1, dim);
            }

            tensor.Int64(2, FloatType).String(8, name);
            // raw_data is little-endian; x64 and arm64 are too, which Directory.Build.props' RID pins.
            tensor.Bytes(9, MemoryMarshal.AsBytes(values.AsSpan()));
        });

    // dims: a string is a symbolic dimension (dim_param), a long a fixed one (dim_value).
    private static void Value(OnnxProtoWriter graph, int field, string name, params object[] dims) =>
        graph.Message(field, value => value
            .String(1, name)
            .Message(2, type => type.Message(1, tensor => tensor
                .Int64(1, FloatType)
                .Message(2, shape =>
                {
                    foreach (var dim in dims)
                    {
                        shape.Message(1, d =>
                        {
                            if (dim is string symbol)
                            {
                                d.String(2, symbol);
                            }
                            else
                            {
                                d.Int64(1, (long)dim);
                            }
                        });
                    }
                }))));
}
