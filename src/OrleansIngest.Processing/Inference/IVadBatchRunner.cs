namespace OrleansIngest.Processing.Inference;

/// <summary>One batched model step; the seam that lets tests hold or fail the batcher's loop at a chosen step.</summary>
internal interface IVadBatchRunner
{
    /// <summary>Runs <paramref name="batchSize"/> rows; see <see cref="SileroVadModel.Run(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int)"/>.</summary>
    void Run(ReadOnlySpan<float> input, ReadOnlySpan<float> state, Span<float> nextState, Span<float> probabilities, int batchSize);
}
