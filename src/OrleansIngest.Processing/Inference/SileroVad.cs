namespace OrleansIngest.Processing.Inference;

/// <summary>Framing constants of Silero VAD and a one-stream (batch 1) analysis.</summary>
public static class SileroVad
{
    /// <summary>Sample rate the model is run at.</summary>
    public const int SampleRate = 16000;

    /// <summary>New samples per model step (32 ms).</summary>
    public const int ChunkSamples = 512;

    /// <summary>Samples carried over from the previous chunk in front of each chunk.</summary>
    public const int ContextSamples = 64;

    /// <summary>Samples in one row of the model input: context followed by the chunk.</summary>
    public const int InputSamples = ContextSamples + ChunkSamples;

    /// <summary>Width of one layer of the recurrent state.</summary>
    public const int StateWidth = 128;

    /// <summary>Layers of the recurrent state (the leading dimension of <c>state</c>).</summary>
    public const int StateLayers = 2;

    /// <summary>Floats of recurrent state one stream carries (all layers).</summary>
    public const int StateSizePerStream = StateLayers * StateWidth;

    /// <summary>Default probability above which a frame counts as speech (Silero's own default).</summary>
    public const float DefaultSpeechThreshold = 0.5f;

    /// <summary>Number of frames a stream of <paramref name="sampleCount"/> samples yields.</summary>
    public static int FrameCount(int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        return (int)(((long)sampleCount + ChunkSamples - 1) / ChunkSamples);
    }

    /// <summary>
    /// Runs one stream alone at batch size 1. <see cref="VadBatcher"/> gives the same result far faster
    /// when many streams are analysed at once; this is the reference it is tested against.
    /// </summary>
    /// <param name="model">The loaded model.</param>
    /// <param name="samples16k">Mono samples at 16 kHz, nominally in [-1, 1].</param>
    /// <param name="speechThreshold">Probability above which a frame counts as speech.</param>
    /// <param name="cancellationToken">Checked once per frame.</param>
    public static VadResult Analyze(
        SileroVadModel model,
        ReadOnlySpan<float> samples16k,
        float speechThreshold = DefaultSpeechThreshold,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var probabilities = new float[FrameCount(samples16k.Length)];
        Span<float> input = stackalloc float[InputSamples];
        Span<float> state = stackalloc float[StateSizePerStream];
        Span<float> nextState = stackalloc float[StateSizePerStream];
        Span<float> probability = stackalloc float[1];
        input.Clear();
        state.Clear();

        for (var frame = 0; frame < probabilities.Length; frame++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            VadStream.FillInputRow(samples16k, frame, input);
            model.Run(input, state, nextState, probability, 1);
            nextState.CopyTo(state);
            probabilities[frame] = probability[0];
        }

        return VadResult.FromFrameProbabilities(probabilities, speechThreshold);
    }
}
