using OrleansIngest.Processing.Onnx;

namespace OrleansIngest.Processing.Inference;

/// <summary>The Silero VAD graph without its STFT, and what the host needs to compute that STFT itself.</summary>
/// <param name="Model">Serialized <c>ModelProto</c>: inputs <see cref="MagnitudeInput"/> and <c>state</c>, outputs as the original.</param>
/// <param name="Window">Analysis window (the basis' zero-frequency row), <see cref="FftSize"/> taps.</param>
/// <param name="FftSize">Frame length N of the STFT.</param>
/// <param name="Hop">Samples between frames (the convolution's stride).</param>
/// <param name="PadRight">Samples reflected onto the end of each input row before framing.</param>
/// <param name="Frames">Frames per input row.</param>
internal sealed record SileroStftSplitModel(byte[] Model, float[] Window, int FftSize, int Hop, int PadRight, int Frames)
{
    /// <summary>Name of the input that replaces <c>input</c>: float32 [batch, N/2 + 1, frames], |STFT|.</summary>
    public const string MagnitudeInput = "stft_magnitude";

    /// <summary>Frequency bins, N/2 + 1.</summary>
    public int Bins => (FftSize / 2) + 1;
}

/// <summary>
/// Cuts the STFT out of Silero VAD v5's ONNX graph. The graph computes |STFT| of each 576-sample row as a dense
/// Conv1d over a windowed Fourier basis (258 kernels × 256 taps, stride 128): a quarter of the model's time on a
/// CPU core at batch 32, for what an FFT does in a twentieth of the arithmetic. The split graph starts at the
/// magnitude instead, and keeps only the 16 kHz branch of the sample-rate <c>If</c> (the pipeline runs VAD at
/// 16 kHz only), so the host computes the magnitude with <see cref="SileroStftFrontEnd"/>.
/// <para>
/// Everything is found by structure, not by node name: the single top-level <c>If</c> on <c>Equal(sr, 16000)</c>;
/// in its 16 kHz branch the <c>Conv</c> whose kernel is a constant [2·(N/2 + 1), 1, N] basis; the <c>Sqrt</c>
/// downstream of it. The basis must be a windowed DFT to 1e-5, or the split is refused. The nodes kept are those
/// the outputs need once the magnitude is given, nested subgraphs' references included. A graph that does not
/// match raises <see cref="InvalidDataException"/> saying what was missing; <see cref="SileroVadModel"/> then runs
/// the model whole. The padding and layout conventions the host applies are checked by running both graphs.
/// </para>
/// </summary>
internal static class SileroStftSplit
{
    // onnx.proto3 field numbers.
    private const int ModelGraph = 7;
    private const int GraphNode = 1;
    private const int GraphName = 2;
    private const int GraphInitializer = 5;
    private const int GraphInput = 11;
    private const int GraphOutput = 12;
    private const int NodeInput = 1;
    private const int NodeOutput = 2;
    private const int NodeName = 3;
    private const int NodeOpType = 4;
    private const int NodeAttribute = 5;
    private const int AttributeName = 1;
    private const int AttributeTensor = 5;
    private const int AttributeGraph = 6;
    private const int AttributeInts = 8;
    private const int AttributeGraphs = 11;
    private const int TensorDims = 1;
    private const int TensorDataType = 2;
    private const int TensorFloatData = 4;
    private const int TensorInt64Data = 7;
    private const int TensorName = 8;
    private const int TensorRawData = 9;
    private const int ValueInfoName = 1;
    private const int FloatType = 1;
    private const int Int64Type = 7;
    private const double BasisTolerance = 1e-5;

    /// <summary>Splits <paramref name="model"/>; see the class remarks.</summary>
    /// <exception cref="InvalidDataException">The graph is not Silero VAD v5's as described.</exception>
    public static SileroStftSplitModel Split(ReadOnlyMemory<byte> model)
    {
        var modelFields = OnnxProtoReader.ReadFields(model);
        var graphFields = OnnxProtoReader.ReadFields(Single(modelFields, ModelGraph, "graph").Payload);
        var nodes = graphFields.Where(f => f.Number == GraphNode).Select(Node.Parse).ToList();
        var sampleRateIf = nodes.Where(n => n.OpType == "If").ToList() is [var onlyIf]
            ? onlyIf
            : throw new InvalidDataException("the graph does not have exactly one top-level If (Silero switches on the sample rate there).");
        var branchFields = OnnxProtoReader.ReadFields(sampleRateIf.Subgraph(SixteenKilohertzBranch(nodes, sampleRateIf)));
        var branch = branchFields.Where(f => f.Number == GraphNode).Select(Node.Parse).ToList();
        var producers = ProducersByOutput(branch);

        var stftConv = branch.Where(n => n.OpType == "Conv" && n.Inputs.Count >= 2 && IsBasisConstant(producers, n.Inputs[1])).ToList() is [var conv]
            ? conv
            : throw new InvalidDataException("the 16 kHz branch has no single Conv over a constant [2·(N/2+1), 1, N] Fourier basis.");
        var (basisDims, basis) = ConstantFloats(producers[stftConv.Inputs[1]]);
        var fftSize = checked((int)basisDims[2]);
        var strides = stftConv.Ints("strides");
        var hop = strides is [var stride] && stride > 0 ? checked((int)stride) : throw new InvalidDataException("the STFT Conv has no single stride.");
        if (stftConv.Ints("pads").Any(p => p != 0) || stftConv.Ints("dilations").Any(d => d != 1))
        {
            throw new InvalidDataException("the STFT Conv pads or dilates; Silero pads with a Pad node before it.");
        }

        var window = CheckFourierBasis(basis, fftSize);
        var magnitude = MagnitudeOutput(branch, stftConv);
        var branchOutputs = branchFields.Where(f => f.Number == GraphOutput).Select(ValueInfoNameOf).ToList();
        if (branchOutputs.Count != sampleRateIf.Outputs.Count)
        {
            throw new InvalidDataException($"the 16 kHz branch has {branchOutputs.Count} outputs; the If has {sampleRateIf.Outputs.Count}.");
        }

        // Backwards from the outputs, with the magnitude given: what the split graph must still compute.
        var needed = graphFields.Where(f => f.Number == GraphOutput).Select(ValueInfoNameOf).ToHashSet(StringComparer.Ordinal);
        var keptTop = KeepNeeded(nodes, needed, magnitude, replace: sampleRateIf, replacementInputs: branchOutputs);
        var keptBranch = KeepNeeded(branch, needed, magnitude, replace: null, replacementInputs: []);
        var topInputs = graphFields.Where(f => f.Number == GraphInput).ToList();
        var initializers = graphFields.Concat(branchFields).Where(f => f.Number == GraphInitializer).ToList();
        var unresolved = needed.Where(name => !producers.ContainsKey(name) && !keptTop.Any(n => n.Outputs.Contains(name))
            && !initializers.Any(i => TensorNameOf(i) == name) && !topInputs.Any(i => ValueInfoNameOf(i) == name)).ToList();
        if (unresolved.Count > 0 || needed.Contains("input"))
        {
            throw new InvalidDataException($"the graph still needs {string.Join(", ", needed.Contains("input") ? ["input"] : unresolved)} once the STFT is given.");
        }

        var frames = ((SileroVad.InputSamples + (fftSize / 4) - fftSize) / hop) + 1;
        // The graph input takes the magnitude tensor's place under a stable name (ONNX Runtime removes the Identity).
        var graph = new OnnxProtoWriter()
            .Message(GraphNode, n => n.String(NodeInput, SileroStftSplitModel.MagnitudeInput).String(NodeOutput, magnitude).String(NodeName, "orleansingest_stft_magnitude").String(NodeOpType, "Identity"));
        foreach (var node in keptBranch)
        {
            graph.Raw(node.Field);
        }

        // The If's outputs are now the branch's outputs, renamed by Identity.
        for (var i = 0; i < branchOutputs.Count; i++)
        {
            var (from, to) = (branchOutputs[i], sampleRateIf.Outputs[i]);
            graph.Message(GraphNode, n => n.String(NodeInput, from).String(NodeOutput, to).String(NodeName, $"orleansingest_stft_split_{i}").String(NodeOpType, "Identity"));
        }

        foreach (var node in keptTop.Where(n => !ReferenceEquals(n, sampleRateIf)))
        {
            graph.Raw(node.Field);
        }

        foreach (var field in graphFields.Where(f => f.Number == GraphName))
        {
            graph.Raw(field);
        }

        foreach (var initializer in initializers.Where(i => needed.Contains(TensorNameOf(i))))
        {
            graph.Raw(initializer);
        }

        graph.Message(GraphInput, input => input
            .String(ValueInfoName, SileroStftSplitModel.MagnitudeInput)
            .Message(2, type => type.Message(1, tensor => tensor
                .Int64(1, FloatType)
                .Message(2, shape => shape
                    .Message(1, d => d.String(2, "batch"))
                    .Message(1, d => d.Int64(1, (fftSize / 2) + 1))
                    .Message(1, d => d.Int64(1, frames))))));
        foreach (var input in topInputs.Where(i => needed.Contains(ValueInfoNameOf(i))))
        {
            graph.Raw(input);
        }

        foreach (var output in graphFields.Where(f => f.Number == GraphOutput))
        {
            graph.Raw(output);
        }

        var split = new OnnxProtoWriter();
        foreach (var field in modelFields)
        {
            if (field.Number == ModelGraph)
            {
                split.Bytes(ModelGraph, graph.WrittenSpan);
            }
            else
            {
                split.Raw(field);
            }
        }

        return new SileroStftSplitModel(split.ToArray(), window, fftSize, hop, fftSize / 4, frames);
    }

    /// <summary>Which branch of the sample-rate If runs at 16 kHz: it compares <c>sr</c> with a constant.</summary>
    private static string SixteenKilohertzBranch(List<Node> nodes, Node sampleRateIf)
    {
        var producers = ProducersByOutput(nodes);
        if (sampleRateIf.Inputs is not [var condition] || !producers.TryGetValue(condition, out var equal)
            || equal.OpType != "Equal" || !equal.Inputs.Contains("sr"))
        {
            throw new InvalidDataException("the top-level If does not test Equal(sr, constant).");
        }

        var constantName = equal.Inputs.First(i => i != "sr");
        var rate = producers.TryGetValue(constantName, out var constant) && constant.OpType == "Constant"
            ? ConstantInt64(constant)
            : throw new InvalidDataException("the sample rate If compares sr with something other than a constant.");
        return rate switch
        {
            SileroVad.SampleRate => "then_branch",
            8000 => "else_branch",
            _ => throw new InvalidDataException($"the sample rate If compares sr with {rate}, neither 16000 nor 8000."),
        };
    }

    /// <summary>
    /// Marks the nodes the <paramref name="needed"/> names require, last to first, adding their inputs (and every
    /// name their subgraphs read) to <paramref name="needed"/>. <paramref name="replace"/>, when met, stands for
    /// Identity nodes from <paramref name="replacementInputs"/>.
    /// </summary>
    private static List<Node> KeepNeeded(List<Node> nodes, HashSet<string> needed, string magnitude, Node? replace, List<string> replacementInputs)
    {
        var kept = new List<Node>();
        for (var i = nodes.Count - 1; i >= 0; i--)
        {
            var node = nodes[i];
            if (!node.Outputs.Any(needed.Contains))
            {
                continue;
            }

            kept.Add(node);
            var inputs = ReferenceEquals(node, replace) ? replacementInputs : node.Inputs.Concat(node.SubgraphReferences());
            foreach (var input in inputs.Where(n => n.Length > 0 && n != magnitude))
            {
                needed.Add(input);
            }
        }

        kept.Reverse();
        return kept;
    }

    /// <summary>The Sqrt fed (through Slice, Cast, Pow and Add) by the STFT Conv: |STFT|.</summary>
    private static string MagnitudeOutput(List<Node> branch, Node stftConv)
    {
        var reached = new HashSet<string>(stftConv.Outputs, StringComparer.Ordinal);
        var sqrts = new List<Node>();
        foreach (var node in branch.SkipWhile(n => !ReferenceEquals(n, stftConv)).Skip(1))
        {
            if (node.Inputs.Any(reached.Contains))
            {
                if (node.OpType == "Sqrt")
                {
                    sqrts.Add(node);
                    continue;
                }

                if (node.OpType is not ("Slice" or "Cast" or "Pow" or "Add" or "Split"))
                {
                    throw new InvalidDataException($"the STFT Conv feeds a {node.OpType} before its magnitude; expected only Slice, Cast, Pow, Add, Sqrt.");
                }

                reached.UnionWith(node.Outputs);
            }
        }

        return sqrts is [var sqrt] ? sqrt.Outputs[0] : throw new InvalidDataException($"the STFT Conv leads to {sqrts.Count} Sqrt nodes; expected one.");
    }

    /// <summary>
    /// Checks rows 0..N/2 are window·cos(2πkn/N) and rows N/2+1.. are ±window·sin(2πkn/N); returns the window.
    /// The magnitude does not depend on the sign of the imaginary rows.
    /// </summary>
    private static float[] CheckFourierBasis(float[] basis, int fftSize)
    {
        var bins = (fftSize / 2) + 1;
        var window = basis.AsSpan(0, fftSize).ToArray();
        var worst = 0.0;
        for (var k = 0; k < bins; k++)
        {
            for (var n = 0; n < fftSize; n++)
            {
                var angle = 2 * Math.PI * ((long)k * n % fftSize) / fftSize;
                var real = basis[(k * fftSize) + n] - (window[n] * Math.Cos(angle));
                var imaginary = Math.Abs(basis[((bins + k) * fftSize) + n]) - Math.Abs(window[n] * Math.Sin(angle));
                worst = Math.Max(worst, Math.Max(Math.Abs(real), Math.Abs(imaginary)));
            }
        }

        return worst <= BasisTolerance
            ? window
            : throw new InvalidDataException($"the STFT basis differs from a windowed DFT by {worst:G3} (tolerance {BasisTolerance:G1}).");
    }

    private static bool IsBasisConstant(Dictionary<string, Node> producers, string name)
    {
        if (!producers.TryGetValue(name, out var constant) || constant.OpType != "Constant" || constant.Tensor() is not { } tensor)
        {
            return false;
        }

        var dims = OnnxProtoReader.ReadInt64s(tensor, TensorDims);
        return dims is [var kernels, 1, var taps] && taps >= 4 && taps % 2 == 0 && kernels == 2 * ((taps / 2) + 1);
    }

    private static (List<long> Dims, float[] Values) ConstantFloats(Node constant)
    {
        var tensor = constant.Tensor() ?? throw new InvalidDataException($"Constant '{constant.Name}' holds no tensor.");
        if (tensor.FirstOrDefault(f => f.Number == TensorDataType).Varint != FloatType)
        {
            throw new InvalidDataException($"Constant '{constant.Name}' is not float32.");
        }

        var dims = OnnxProtoReader.ReadInt64s(tensor, TensorDims);
        var count = dims.Aggregate(1L, (a, b) => a * b);
        var raw = tensor.FirstOrDefault(f => f.Number == TensorRawData);
        var values = raw.Number != 0
            ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw.Payload.Span).ToArray()
            : [.. OnnxProtoReader.ReadFloats(tensor, TensorFloatData)];
        return values.Length == count ? (dims, values) : throw new InvalidDataException($"Constant '{constant.Name}' has {values.Length} values for {count}.");
    }

    private static long ConstantInt64(Node constant)
    {
        var tensor = constant.Tensor();
        if (tensor is null || tensor.FirstOrDefault(f => f.Number == TensorDataType).Varint != Int64Type)
        {
            throw new InvalidDataException($"Constant '{constant.Name}' is not an int64 tensor.");
        }

        var raw = tensor.FirstOrDefault(f => f.Number == TensorRawData);
        var values = raw.Number != 0
            ? [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(raw.Payload.Span)]
            : OnnxProtoReader.ReadInt64s(tensor, TensorInt64Data);
        return values is [var value] ? value : throw new InvalidDataException($"Constant '{constant.Name}' holds {values.Count} values, not one.");
    }

    private static Dictionary<string, Node> ProducersByOutput(List<Node> nodes)
    {
        var producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var output in node.Outputs.Where(o => o.Length > 0))
            {
                producers[output] = node;
            }
        }

        return producers;
    }

    private static OnnxProtoField Single(List<OnnxProtoField> fields, int number, string what) =>
        fields.Where(f => f.Number == number).ToList() is [var field] ? field : throw new InvalidDataException($"the model has no single {what}.");

    private static string ValueInfoNameOf(OnnxProtoField valueInfo) =>
        OnnxProtoReader.ReadFields(valueInfo.Payload).FirstOrDefault(f => f.Number == ValueInfoName).AsString();

    private static string TensorNameOf(OnnxProtoField tensor) =>
        OnnxProtoReader.ReadFields(tensor.Payload).FirstOrDefault(f => f.Number == TensorName).AsString();

    /// <summary>A <c>NodeProto</c>: names and attributes decoded, the field kept for copying it unchanged.</summary>
    private sealed record Node(OnnxProtoField Field, string Name, string OpType, List<string> Inputs, List<string> Outputs, List<List<OnnxProtoField>> Attributes)
    {
        public static Node Parse(OnnxProtoField field)
        {
            var fields = OnnxProtoReader.ReadFields(field.Payload);
            return new Node(
                field,
                fields.FirstOrDefault(f => f.Number == NodeName).AsString(),
                fields.FirstOrDefault(f => f.Number == NodeOpType).AsString(),
                [.. fields.Where(f => f.Number == NodeInput).Select(f => f.AsString())],
                [.. fields.Where(f => f.Number == NodeOutput).Select(f => f.AsString())],
                [.. fields.Where(f => f.Number == NodeAttribute).Select(f => OnnxProtoReader.ReadFields(f.Payload))]);
        }

        public List<OnnxProtoField>? Attribute(string name) =>
            Attributes.FirstOrDefault(a => a.FirstOrDefault(f => f.Number == AttributeName).AsString() == name);

        public List<long> Ints(string name) => Attribute(name) is { } attribute ? OnnxProtoReader.ReadInt64s(attribute, AttributeInts) : [];

        public List<OnnxProtoField>? Tensor() =>
            Attribute("value") is { } value && value.FirstOrDefault(f => f.Number == AttributeTensor) is { Number: AttributeTensor } tensor
                ? OnnxProtoReader.ReadFields(tensor.Payload)
                : null;

        public ReadOnlyMemory<byte> Subgraph(string name) =>
            Attribute(name)?.FirstOrDefault(f => f.Number == AttributeGraph) is { Number: AttributeGraph } graph
                ? graph.Payload
                : throw new InvalidDataException($"node '{Name}' has no subgraph '{name}'.");

        /// <summary>The outer-scope names this node's subgraphs read, at any depth.</summary>
        public IEnumerable<string> SubgraphReferences() =>
            Attributes
                .SelectMany(attribute => attribute.Where(f => f.Number is AttributeGraph or AttributeGraphs))
                .SelectMany(graph => OuterReferences(OnnxProtoReader.ReadFields(graph.Payload)));

        private static IEnumerable<string> OuterReferences(List<OnnxProtoField> graph)
        {
            var nodes = graph.Where(f => f.Number == GraphNode).Select(Parse).ToList();
            var local = nodes.SelectMany(n => n.Outputs)
                .Concat(graph.Where(f => f.Number == GraphInput).Select(ValueInfoNameOf))
                .Concat(graph.Where(f => f.Number == GraphInitializer).Select(TensorNameOf))
                .ToHashSet(StringComparer.Ordinal);
            return nodes.SelectMany(n => n.Inputs.Concat(n.SubgraphReferences())).Where(name => !local.Contains(name)).Distinct();
        }
    }
}
