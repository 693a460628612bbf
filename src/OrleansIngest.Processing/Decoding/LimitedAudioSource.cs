using System.Globalization;

namespace OrleansIngest.Processing.Decoding;

/// <summary>
/// Enforces <see cref="AudioDecoderOptions"/> on any decoder: channel and rate ranges and the declared duration
/// when opened; the decoded duration and the unit's time budget on every read. Owns the inner source.
/// </summary>
internal sealed class LimitedAudioSource : IAudioSource
{
    private readonly IAudioSource _inner;
    private readonly AudioDecoderOptions _options;
    private readonly string _sourceUri;
    private readonly long _startTimestamp;
    private readonly long _maxFrames;
    private long _frames;

    public LimitedAudioSource(IAudioSource inner, AudioDecoderOptions options, string sourceUri, long startTimestamp)
    {
        _inner = inner;
        _options = options;
        _sourceUri = sourceUri;
        _startTimestamp = startTimestamp;
        var format = inner.Format;
        if (format.Channels < 1 || format.Channels > options.MaxChannels)
        {
            throw Invalid($"{format.Codec} stream has {format.Channels} channels; 1 to {options.MaxChannels} are accepted");
        }

        if (format.SampleRate < options.MinSampleRate || format.SampleRate > options.MaxSampleRate)
        {
            throw Invalid($"{format.Codec} stream has a sample rate of {format.SampleRate} Hz; {options.MinSampleRate} to {options.MaxSampleRate} Hz are accepted");
        }

        _maxFrames = (long)Math.Min(options.MaxDuration.TotalSeconds * format.SampleRate, long.MaxValue / 2);
        if (format.TotalFrames > _maxFrames)
        {
            throw Invalid(string.Create(CultureInfo.InvariantCulture, $"{format.Codec} stream declares {format.TotalFrames / (double)format.SampleRate:0.#} s of audio, more than the maximum duration of {options.MaxDuration}"));
        }
    }

    public AudioFormatInfo Format => _inner.Format;

    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default)
    {
        if (_options.TimeProvider.GetElapsedTime(_startTimestamp) > _options.TimeBudget)
        {
            throw Invalid(string.Create(CultureInfo.InvariantCulture, $"decoding exceeded the time budget of {_options.TimeBudget} after {_frames} samples"));
        }

        var read = await _inner.ReadAsync(destination, cancellationToken);
        _frames += read;
        if (_frames > _maxFrames)
        {
            throw Invalid($"decoded audio exceeds the maximum duration of {_options.MaxDuration}");
        }

        return read;
    }

    public void Dispose() => _inner.Dispose();

    private InvalidMediaException Invalid(string reason) => new(_sourceUri, 0, reason);
}
