namespace OrleansIngest.Processing.Synthetic;

/// <summary>Sample encodings <see cref="WavEncoder"/> writes.</summary>
public enum WavSampleFormat
{
    /// <summary>8-bit unsigned PCM (offset 128).</summary>
    Pcm8,

    /// <summary>16-bit signed PCM.</summary>
    Pcm16,

    /// <summary>24-bit signed PCM, packed in 3 bytes.</summary>
    Pcm24,

    /// <summary>32-bit signed PCM.</summary>
    Pcm32,

    /// <summary>32-bit IEEE float.</summary>
    Float32,

    /// <summary>64-bit IEEE float.</summary>
    Float64,
}

/// <summary>Header variants for <see cref="WavEncoder"/>.</summary>
[Flags]
public enum WavWriteOptions
{
    /// <summary>Plain <c>WAVE_FORMAT_PCM</c>/<c>WAVE_FORMAT_IEEE_FLOAT</c> header in a RIFF container.</summary>
    None = 0,

    /// <summary>Write a <c>WAVE_FORMAT_EXTENSIBLE</c> fmt chunk (valid bits, channel mask, sub-format GUID).</summary>
    Extensible = 1,

    /// <summary>Write an RF64 container with a ds64 chunk even when RIFF's 32-bit sizes would do.</summary>
    Rf64 = 2,
}
