namespace OrleansIngest.Processing.Decoding;

/// <summary>Format of an audio source as found in its container.</summary>
/// <param name="Codec">Sample encoding, ffmpeg-style (e.g. <c>pcm_s16le</c>, <c>pcm_f32le</c>).</param>
/// <param name="SampleRate">Frames per second.</param>
/// <param name="Channels">Channel count in the container (the source itself yields the mono downmix).</param>
/// <param name="BitsPerSample">Container bits per sample.</param>
/// <param name="TotalFrames">Number of frames the source will yield, when known.</param>
public sealed record AudioFormatInfo(string Codec, int SampleRate, int Channels, int BitsPerSample, long? TotalFrames);
