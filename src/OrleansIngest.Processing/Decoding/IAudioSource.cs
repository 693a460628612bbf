namespace OrleansIngest.Processing.Decoding;

/// <summary>
/// A decoded audio stream read block by block in bounded memory. Yields mono float samples (the
/// arithmetic mean of the channels) at <see cref="AudioFormatInfo.SampleRate"/> of <see cref="Format"/>.
/// Not thread-safe: one reader at a time.
/// </summary>
public interface IAudioSource : IDisposable
{
    /// <summary>Format of the source.</summary>
    AudioFormatInfo Format { get; }

    /// <summary>
    /// Reads up to <c>destination.Length</c> mono samples. Returns the count written, 0 only at the end.
    /// Throws <see cref="InvalidMediaException"/> when the remaining input turns out to be malformed.
    /// </summary>
    ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default);
}
