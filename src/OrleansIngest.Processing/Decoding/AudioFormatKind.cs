namespace OrleansIngest.Processing.Decoding;

/// <summary>An audio format recognised by its content (magic bytes), whatever the file is called.</summary>
public enum AudioFormatKind
{
    /// <summary>RIFF, RF64 or BW64 WAVE (PCM or IEEE float).</summary>
    Wav,

    /// <summary>Native FLAC (<c>fLaC</c>).</summary>
    Flac,

    /// <summary>MPEG-1/2/2.5 audio layer I, II or III (MP3), optionally behind an ID3v2 tag.</summary>
    Mpeg,

    /// <summary>Vorbis in Ogg.</summary>
    Vorbis,

    /// <summary>Opus in Ogg.</summary>
    Opus,

    /// <summary>ISO base media file (MP4, M4A, 3GP): AAC, ALAC and other codecs, decoded by ffmpeg.</summary>
    Mp4,

    /// <summary>Raw AAC in ADTS frames, decoded by ffmpeg.</summary>
    Adts,
}
