namespace OrleansIngest.Processing.Inference;

/// <summary>Limits of <see cref="VadBatcher"/>.</summary>
/// <param name="MaxBatch">Streams advanced together by one model run; more active streams wait for a free slot.</param>
/// <param name="MaxPendingStreams">
/// Registered streams that may wait for a slot; further <see cref="VadBatcher.AnalyzeAsync"/> calls wait to register.
/// At most <paramref name="MaxBatch"/> + <paramref name="MaxPendingStreams"/> streams are held at once.
/// </param>
/// <param name="SpeechThreshold">Probability above which a frame counts as speech.</param>
public sealed record VadBatcherSettings(
    int MaxBatch = 64,
    int MaxPendingStreams = 256,
    float SpeechThreshold = SileroVad.DefaultSpeechThreshold);
