namespace OrleansIngest.Processing.Inference;

/// <summary>One row's value of an input binding: float32 data and its shape without the batch axis.</summary>
/// <param name="Data">Row-major values; length is the product of <paramref name="Shape"/>.</param>
/// <param name="Shape">Dimensions, e.g. <c>[80, frames]</c>.</param>
public sealed record ModelTensor(float[] Data, int[] Shape)
{
    /// <summary>Whether two tensors can share a batch (same shape).</summary>
    public bool SameShape(ModelTensor other) => other is not null && Shape.AsSpan().SequenceEqual(other.Shape);
}
