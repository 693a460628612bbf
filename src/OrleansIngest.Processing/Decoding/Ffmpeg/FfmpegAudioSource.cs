using System.Buffers;
using System.Buffers.Binary;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace OrleansIngest.Processing.Decoding.Ffmpeg;

/// <summary>
/// Decodes with an ffmpeg child process: the blob streams into its stdin from a separate task while its
/// stdout (Sun AU, 32-bit big-endian float, native rate and channels) is read and downmixed block by block.
/// ffmpeg runs with <c>-xerror -err_detect explode</c> so damage fails instead of being concealed; a failure
/// becomes <see cref="InvalidMediaException"/> with the tail of its stderr. A time budget and a stall timeout
/// kill the process tree; so do cancellation and disposal. A crash of ffmpeg cannot take the silo down.
/// MP4 files whose index follows the audio are spooled to a temporary file first (ffmpeg must seek in them).
/// </summary>
internal sealed class FfmpegAudioSource : IAudioSource
{
    private const int AuHeaderSize = 24;
    private const uint AuMagic = 0x2E73_6E64;
    private const uint AuFloat32 = 6;
    private const int MaxAnnotationBytes = 64 * 1024;
    private const int OutputBlock = 64 * 1024;

    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly FfmpegDiagnostics _diagnostics;
    private readonly Task _stderrDrain;
    private readonly Task<long?>? _pump;
    private readonly CancellationTokenSource _budget;
    private readonly CancellationTokenSource _stall;
    private readonly CancellationTokenSource _lifetime;
    private readonly AudioDecoderOptions _options;
    private readonly string _sourceUri;
    private readonly long _declaredLength;
    private readonly string _what;
    private readonly string? _spoolPath;
    private byte[] _bytes;
    private float[] _interleaved;
    private int _byteStart;
    private int _byteEnd;
    private int _channels;
    private bool _ended;
    private bool _disposed;

    private FfmpegAudioSource(Process process, Task<long?>? pump, CancellationTokenSource lifetime, string? spoolPath, AudioDecoderOptions options, long startTimestamp, string sourceUri, long declaredLength, string what)
    {
        _process = process;
        _stdout = process.StandardOutput.BaseStream;
        _diagnostics = new FfmpegDiagnostics(options.MaxDiagnosticBytes);
        _stderrDrain = _diagnostics.DrainAsync(process.StandardError);
        _pump = pump;
        _lifetime = lifetime;
        _spoolPath = spoolPath;
        _options = options;
        _sourceUri = sourceUri;
        _declaredLength = declaredLength;
        _what = what;
        var left = options.TimeBudget - options.TimeProvider.GetElapsedTime(startTimestamp);
        _budget = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1), options.TimeProvider);
        _stall = new CancellationTokenSource(Timeout.InfiniteTimeSpan, options.TimeProvider);
        _bytes = ArrayPool<byte>.Shared.Rent(OutputBlock);
        _interleaved = ArrayPool<float>.Shared.Rent(OutputBlock / sizeof(float));
        Format = new AudioFormatInfo("unknown", 1, 1, 0, null);
    }

    public AudioFormatInfo Format { get; private set; }

    /// <summary>
    /// Starts ffmpeg on the file whose first byte is at the reader's position. Takes ownership of
    /// <paramref name="reader"/>, also when it fails.
    /// </summary>
    public static async ValueTask<IAudioSource> OpenAsync(
        ForwardStreamReader reader, AudioFormatKind format, AudioDecoderOptions options, long startTimestamp, CancellationToken cancellationToken)
    {
        ForwardStreamReader? owned = reader;
        FfmpegAudioSource? source = null;
        string? spoolPath = null;
        CancellationTokenSource? lifetime = new();
        try
        {
            var ffmpeg = await FfmpegLocator.LocateAsync(options.FfmpegPath, cancellationToken);
            var sourceUri = reader.SourceUri;
            var length = reader.Length;
            if (format == AudioFormatKind.Mp4 && !IsoBaseMediaLayout.IndexPrecedesMedia(reader.Buffered))
            {
                spoolPath = await SpoolAsync(reader, options, cancellationToken);
                reader.Dispose();
            }

            var process = Start(ffmpeg.Path, spoolPath);
            Task<long?>? pump = null;
            if (spoolPath is null)
            {
                pump = PumpAsync(reader, process.StandardInput.BaseStream, lifetime.Token);
            }

            owned = null;
            source = new FfmpegAudioSource(process, pump, lifetime, spoolPath, options, startTimestamp, sourceUri, length, format.ToString());
            lifetime = null;
            spoolPath = null;
            await source.ReadHeaderAsync(cancellationToken);
            var result = source;
            source = null;
            return result;
        }
        finally
        {
            owned?.Dispose();
            lifetime?.Dispose();
            if (source is not null)
            {
                source.Dispose();
            }
            else if (spoolPath is not null)
            {
                File.Delete(spoolPath);
            }
        }
    }

    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var frameBytes = _channels * sizeof(float);
        var written = 0;
        while (written < destination.Length)
        {
            var frames = Math.Min((_byteEnd - _byteStart) / frameBytes, destination.Length - written);
            if (frames > 0)
            {
                Convert(_bytes.AsSpan(_byteStart, frames * frameBytes), destination.Span.Slice(written, frames));
                _byteStart += frames * frameBytes;
                written += frames;
                continue;
            }

            if (_ended)
            {
                if (_byteEnd > _byteStart)
                {
                    throw Invalid(0, $"ffmpeg's output ended inside a sample frame ({_byteEnd - _byteStart} stray bytes)");
                }

                break;
            }

            if (await FillAsync(cancellationToken) == 0)
            {
                await CompleteAsync(cancellationToken);
                _ended = true;
            }
        }

        return written;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _lifetime.Cancel();
        Kill();
        _process.Dispose();
        _budget.Dispose();
        _stall.Dispose();
        _lifetime.Dispose();
        if (_spoolPath is not null)
        {
            File.Delete(_spoolPath);
        }

        ArrayPool<byte>.Shared.Return(_bytes);
        ArrayPool<float>.Shared.Return(_interleaved);
        _bytes = [];
        _interleaved = [];
    }

    private static Process Start(string ffmpeg, string? inputPath)
    {
        var startInfo = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardInput = inputPath is null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-xerror", "-threads", "1",
            "-err_detect", "explode", "-i", inputPath ?? "pipe:0",
            "-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1",
            "-c:a", "pcm_f32be", "-f", "au", "pipe:1",
        ];
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        try
        {
            return Process.Start(startInfo) ?? throw new InvalidOperationException($"ffmpeg ({ffmpeg}) could not be started.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"ffmpeg ({ffmpeg}) could not be started: {ex.Message}", ex);
        }
    }

    /// <summary>Copies the source into ffmpeg's stdin; returns the offset where the source ended early, if it did.</summary>
    private static async Task<long?> PumpAsync(ForwardStreamReader reader, Stream stdin, CancellationToken cancellationToken)
    {
        using (reader)
        {
            try
            {
                while (reader.Remaining > 0)
                {
                    if (reader.BufferedCount == 0 && await reader.FillAsync(reader.Remaining, cancellationToken) == 0)
                    {
                        return reader.Position;
                    }

                    var chunk = reader.BufferedMemory;
                    try
                    {
                        await stdin.WriteAsync(chunk, cancellationToken);
                    }
                    catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                    {
                        // ffmpeg stopped reading (it failed or was killed): its exit code tells why.
                        return null;
                    }

                    reader.Advance(chunk.Length);
                }

                return null;
            }
            finally
            {
                try
                {
                    stdin.Close();
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                {
                    // Broken pipe: ffmpeg is already gone.
                }
            }
        }
    }

    private static async Task<string> SpoolAsync(ForwardStreamReader reader, AudioDecoderOptions options, CancellationToken cancellationToken)
    {
        if (reader.Length > options.MaxSpoolBytes)
        {
            throw new InvalidMediaException(
                reader.SourceUri,
                0,
                $"the MP4 index follows the audio, so the file must be copied to disk to decode, but its {reader.Length} bytes exceed the spool limit of {options.MaxSpoolBytes} bytes");
        }

        var path = Path.Combine(options.SpoolDirectory ?? Path.GetTempPath(), $"orleansingest-{Guid.NewGuid():N}.mp4");
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, OutputBlock, FileOptions.Asynchronous);
            while (reader.Remaining > 0)
            {
                if (reader.BufferedCount == 0 && await reader.FillAsync(reader.Remaining, cancellationToken) == 0)
                {
                    throw new InvalidMediaException(reader.SourceUri, reader.Position, $"truncated file: the stream ended at byte {reader.Position}, before its declared length of {reader.Length} bytes");
                }

                var chunk = reader.BufferedMemory;
                await file.WriteAsync(chunk, cancellationToken);
                reader.Advance(chunk.Length);
            }

            return path;
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    private async ValueTask ReadHeaderAsync(CancellationToken cancellationToken)
    {
        while (_byteEnd < AuHeaderSize)
        {
            if (await FillAsync(cancellationToken) == 0)
            {
                await CompleteAsync(cancellationToken);
                throw Invalid(0, $"ffmpeg produced no audio ({_diagnostics.Tail()})");
            }
        }

        var header = _bytes.AsSpan(0, AuHeaderSize);
        var magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        var dataOffset = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        var encoding = BinaryPrimitives.ReadUInt32BigEndian(header[12..]);
        var rate = BinaryPrimitives.ReadUInt32BigEndian(header[16..]);
        var channels = BinaryPrimitives.ReadUInt32BigEndian(header[20..]);
        if (magic != AuMagic || encoding != AuFloat32 || dataOffset < AuHeaderSize || dataOffset > AuHeaderSize + MaxAnnotationBytes
            || rate is 0 or > int.MaxValue || channels is 0 or > OutputBlock / sizeof(float))
        {
            throw new InvalidOperationException($"ffmpeg wrote an unexpected AU header (magic 0x{magic:X8}, encoding {encoding}, {rate} Hz, {channels} channels).");
        }

        await SkipOutputAsync((int)dataOffset, cancellationToken);
        _channels = (int)channels;
        var codec = await _diagnostics.Codec.WaitAsync(_options.FfmpegStallTimeout, _options.TimeProvider, cancellationToken);
        Format = new AudioFormatInfo(codec ?? "unknown", (int)rate, _channels, 0, null);
    }

    private async ValueTask SkipOutputAsync(int count, CancellationToken cancellationToken)
    {
        while (_byteEnd - _byteStart < count)
        {
            if (await FillAsync(cancellationToken) == 0)
            {
                throw Invalid(0, "ffmpeg's output ended inside its AU header");
            }
        }

        _byteStart += count;
    }

    /// <summary>Reads once from ffmpeg's stdout into the free tail of the buffer; 0 at its end.</summary>
    private async ValueTask<int> FillAsync(CancellationToken cancellationToken)
    {
        if (_byteStart > 0)
        {
            Buffer.BlockCopy(_bytes, _byteStart, _bytes, 0, _byteEnd - _byteStart);
            _byteEnd -= _byteStart;
            _byteStart = 0;
        }

        _stall.CancelAfter(_options.FfmpegStallTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _budget.Token, _stall.Token);

        // Pipe reads may not observe cancellation: killing ffmpeg closes the pipe and ends the read.
        using var registration = linked.Token.Register(Kill);
        int read;
        try
        {
            read = await _stdout.ReadAsync(_bytes.AsMemory(_byteEnd, _bytes.Length - _byteEnd), linked.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            ThrowIfTimedOut(cancellationToken);
            throw;
        }

        ThrowIfTimedOut(cancellationToken);
        _stall.TryReset();
        _byteEnd += read;
        return read;
    }

    private void ThrowIfTimedOut(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_budget.IsCancellationRequested)
        {
            throw Invalid(0, string.Create(CultureInfo.InvariantCulture, $"decoding exceeded the time budget of {_options.TimeBudget} (ffmpeg was stopped)"));
        }

        if (_stall.IsCancellationRequested)
        {
            throw Invalid(0, string.Create(CultureInfo.InvariantCulture, $"ffmpeg produced no output for {_options.FfmpegStallTimeout.TotalSeconds:0.#} s and was stopped as hung"));
        }
    }

    /// <summary>At the end of ffmpeg's output: waits for it to exit and turns failures into reasons.</summary>
    private async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        _stall.CancelAfter(_options.FfmpegStallTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _budget.Token, _stall.Token);
        try
        {
            await _process.WaitForExitAsync(linked.Token);
            await _stderrDrain.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            ThrowIfTimedOut(cancellationToken);
            throw;
        }

        // A failure to read the blob (a transient storage error) surfaces as itself, never as bad media.
        var endedAt = _pump is null ? null : await _pump;
        if (_process.ExitCode != 0)
        {
            throw Invalid(0, string.Create(CultureInfo.InvariantCulture, $"ffmpeg could not decode the {_what} file (exit code {_process.ExitCode}): {_diagnostics.Tail()}"));
        }

        if (endedAt is long at)
        {
            throw Invalid(at, $"truncated file: the stream ended at byte {at}, before its declared length of {_declaredLength} bytes");
        }
    }

    private void Convert(ReadOnlySpan<byte> bigEndian, Span<float> mono)
    {
        var samples = MemoryMarshal.Cast<byte, uint>(bigEndian);
        var floats = _interleaved.AsSpan(0, samples.Length);
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(samples, MemoryMarshal.Cast<float, uint>(floats));
        }
        else
        {
            samples.CopyTo(MemoryMarshal.Cast<float, uint>(floats));
        }

        PcmConverter.Downmix(floats, _channels, mono);
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already exited, or never started.
        }
    }

    private InvalidMediaException Invalid(long offset, string reason) => new(_sourceUri, offset, reason);
}
