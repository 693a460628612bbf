using System.Buffers;
using System.Buffers.Binary;

namespace OrleansIngest.Processing.Decoding.Flac;

/// <summary>Where a decoded frame sits in the stream.</summary>
/// <param name="Length">Bytes of the frame, header to CRC-16 footer.</param>
/// <param name="BlockSize">Samples per channel.</param>
/// <param name="Number">Frame number (fixed block size) or first sample number (variable block size).</param>
/// <param name="VariableBlockSize">The blocking strategy bit.</param>
internal readonly record struct FlacFrame(int Length, int BlockSize, long Number, bool VariableBlockSize);

/// <summary>
/// Decodes one FLAC frame into per-channel sample buffers: header (CRC-8 checked), constant, verbatim, fixed and
/// LPC subframes with Rice-coded residuals, wasted bits, stereo decorrelation, CRC-16 over the frame. Buffers are
/// sized once from STREAMINFO; nothing is allocated per frame.
/// </summary>
internal sealed class FlacFrameDecoder : IDisposable
{
    private const int MaxLpcOrder = 32;
    private const int ChannelLeftSide = 8;
    private const int ChannelSideRight = 9;
    private const int ChannelMidSide = 10;

    private static readonly int[] SampleRates = [0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000];
    private static readonly int[] SampleSizes = [0, 8, 12, 0, 16, 20, 24, 32];

    private readonly FlacStreamInfo _info;
    private readonly string _sourceUri;
    private readonly long[][] _channels;
    private long _frameOffset;

    public FlacFrameDecoder(FlacStreamInfo info, string sourceUri)
    {
        _info = info;
        _sourceUri = sourceUri;
        _channels = new long[info.Channels][];
        for (var c = 0; c < _channels.Length; c++)
        {
            _channels[c] = ArrayPool<long>.Shared.Rent(info.MaxBlockSize);
        }
    }

    /// <summary>The decoded samples of channel <paramref name="channel"/> of the last frame.</summary>
    public ReadOnlySpan<long> Channel(int channel, int count) => _channels[channel].AsSpan(0, count);

    /// <summary>Decodes the frame at the start of <paramref name="data"/>, which begins at byte <paramref name="frameOffset"/>.</summary>
    /// <exception cref="FlacDataEndedException"><paramref name="data"/> ends inside the frame.</exception>
    /// <exception cref="InvalidMediaException">The frame is malformed or fails a CRC.</exception>
    public FlacFrame Decode(ReadOnlySpan<byte> data, long frameOffset)
    {
        _frameOffset = frameOffset;
        if (data.Length < 2)
        {
            throw new FlacDataEndedException();
        }

        if (data[0] != 0xFF || (data[1] & 0xFE) != 0xF8)
        {
            throw Invalid(0, $"lost frame sync: expected a frame header (0xFFF8 or 0xFFF9), found 0x{data[0]:X2}{data[1]:X2}");
        }

        var variable = (data[1] & 1) != 0;
        var position = 2;
        var codes = Byte(data, ref position);
        var blockSizeCode = codes >> 4;
        var rateCode = codes & 0xF;
        var format = Byte(data, ref position);
        var channelCode = format >> 4;
        var sizeCode = (format >> 1) & 0x7;
        if ((format & 1) != 0)
        {
            throw Invalid(3, "frame header reserved bit is set");
        }

        var number = ReadCodedNumber(data, ref position, variable);
        var blockSize = blockSizeCode switch
        {
            0 => throw Invalid(2, "frame header uses the reserved block size code 0"),
            1 => 192,
            <= 5 => 576 << (blockSizeCode - 2),
            6 => Byte(data, ref position) + 1,
            7 => ((Byte(data, ref position) << 8) | Byte(data, ref position)) + 1,
            _ => 256 << (blockSizeCode - 8),
        };
        var sampleRate = rateCode switch
        {
            0 => _info.SampleRate,
            <= 11 => SampleRates[rateCode],
            12 => Byte(data, ref position) * 1000,
            13 => (Byte(data, ref position) << 8) | Byte(data, ref position),
            14 => ((Byte(data, ref position) << 8) | Byte(data, ref position)) * 10,
            _ => throw Invalid(2, "frame header uses the invalid sample rate code 15"),
        };

        var crcPosition = position;
        var crc8 = Byte(data, ref position);
        var expectedCrc8 = FlacCrc.Crc8(data[..crcPosition]);
        if (crc8 != expectedCrc8)
        {
            throw Invalid(crcPosition, $"frame header CRC-8 mismatch (stored 0x{crc8:X2}, computed 0x{expectedCrc8:X2}): corrupted frame");
        }

        CheckHeader(blockSize, sampleRate, channelCode, sizeCode);

        var reader = new FlacBitReader(data, position);
        for (var c = 0; c < _info.Channels; c++)
        {
            var sideChannel = (channelCode == ChannelLeftSide && c == 1) || (channelCode == ChannelSideRight && c == 0) || (channelCode == ChannelMidSide && c == 1);
            DecodeSubframe(ref reader, _channels[c].AsSpan(0, blockSize), _info.BitsPerSample + (sideChannel ? 1 : 0), c);
        }

        reader.AlignToByte();
        var footer = reader.BytesConsumed;
        if (data.Length < footer + 2)
        {
            throw new FlacDataEndedException();
        }

        var storedCrc = BinaryPrimitives.ReadUInt16BigEndian(data[footer..]);
        var crc16 = FlacCrc.Crc16(data[..footer]);
        if (storedCrc != crc16)
        {
            throw Invalid(footer, $"frame CRC-16 mismatch (stored 0x{storedCrc:X4}, computed 0x{crc16:X4}): corrupted frame");
        }

        Decorrelate(channelCode, blockSize);
        return new FlacFrame(footer + 2, blockSize, number, variable);
    }

    public void Dispose()
    {
        for (var c = 0; c < _channels.Length; c++)
        {
            if (_channels[c] is { Length: > 0 } buffer)
            {
                ArrayPool<long>.Shared.Return(buffer);
                _channels[c] = [];
            }
        }
    }

    private void CheckHeader(int blockSize, int sampleRate, int channelCode, int sizeCode)
    {
        if (blockSize > _info.MaxBlockSize)
        {
            throw Invalid(2, $"frame block size {blockSize} exceeds the STREAMINFO maximum of {_info.MaxBlockSize}");
        }

        if (sampleRate != _info.SampleRate)
        {
            throw Invalid(2, $"frame sample rate {sampleRate} Hz differs from the STREAMINFO rate of {_info.SampleRate} Hz");
        }

        var channels = channelCode switch
        {
            < ChannelLeftSide => channelCode + 1,
            <= ChannelMidSide => 2,
            _ => throw Invalid(3, $"frame header uses the reserved channel assignment {channelCode}"),
        };
        if (channels != _info.Channels)
        {
            throw Invalid(3, $"frame has {channels} channels but STREAMINFO declares {_info.Channels}");
        }

        var bits = sizeCode == 0 ? _info.BitsPerSample : SampleSizes[sizeCode];
        if (bits == 0)
        {
            throw Invalid(3, "frame header uses the reserved sample size code 3");
        }

        if (bits != _info.BitsPerSample)
        {
            throw Invalid(3, $"frame has {bits} bits per sample but STREAMINFO declares {_info.BitsPerSample}");
        }
    }

    private void DecodeSubframe(ref FlacBitReader reader, Span<long> samples, int bits, int channel)
    {
        var start = reader.BytesConsumed;
        if (reader.ReadBits(1) != 0)
        {
            throw Invalid(start, $"channel {channel} subframe padding bit is set");
        }

        var type = (int)reader.ReadBits(6);
        var wasted = 0;
        if (reader.ReadBits(1) != 0)
        {
            var zeros = reader.ReadUnary();
            if (zeros + 1 >= bits)
            {
                throw Invalid(start, $"channel {channel} subframe declares {zeros + 1} wasted bits of {bits}");
            }

            wasted = (int)zeros + 1;
        }

        bits -= wasted;
        switch (type)
        {
            case 0:
                samples.Fill(reader.ReadSigned(bits));
                break;
            case 1:
                for (var i = 0; i < samples.Length; i++)
                {
                    samples[i] = reader.ReadSigned(bits);
                }

                break;
            case >= 8 and <= 12:
                DecodeFixed(ref reader, samples, bits, type - 8, channel);
                break;
            case >= 32:
                DecodeLpc(ref reader, samples, bits, type - 31, channel);
                break;
            default:
                throw Invalid(start, $"channel {channel} subframe uses the reserved type 0x{type:X2}");
        }

        if (wasted > 0)
        {
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] <<= wasted;
            }
        }
    }

    private void DecodeFixed(ref FlacBitReader reader, Span<long> s, int bits, int order, int channel)
    {
        CheckOrder(ref reader, s.Length, order, channel);
        for (var i = 0; i < order; i++)
        {
            s[i] = reader.ReadSigned(bits);
        }

        ReadResidual(ref reader, s, order, channel);
        switch (order)
        {
            case 1:
                for (var i = 1; i < s.Length; i++)
                {
                    s[i] += s[i - 1];
                }

                break;
            case 2:
                for (var i = 2; i < s.Length; i++)
                {
                    s[i] += (2 * s[i - 1]) - s[i - 2];
                }

                break;
            case 3:
                for (var i = 3; i < s.Length; i++)
                {
                    s[i] += (3 * (s[i - 1] - s[i - 2])) + s[i - 3];
                }

                break;
            case 4:
                for (var i = 4; i < s.Length; i++)
                {
                    s[i] += (4 * (s[i - 1] + s[i - 3])) - (6 * s[i - 2]) - s[i - 4];
                }

                break;
            default:
                break;
        }
    }

    private void DecodeLpc(ref FlacBitReader reader, Span<long> s, int bits, int order, int channel)
    {
        CheckOrder(ref reader, s.Length, order, channel);
        for (var i = 0; i < order; i++)
        {
            s[i] = reader.ReadSigned(bits);
        }

        var at = reader.BytesConsumed;
        var precision = (int)reader.ReadBits(4) + 1;
        if (precision == 16)
        {
            throw Invalid(at, $"channel {channel} LPC subframe uses the invalid coefficient precision code 15");
        }

        var shift = (int)reader.ReadSigned(5);
        if (shift < 0)
        {
            throw Invalid(at, $"channel {channel} LPC subframe has a negative quantization shift ({shift})");
        }

        Span<long> coefficients = stackalloc long[MaxLpcOrder];
        coefficients = coefficients[..order];
        for (var i = 0; i < order; i++)
        {
            coefficients[i] = reader.ReadSigned(precision);
        }

        ReadResidual(ref reader, s, order, channel);
        for (var i = order; i < s.Length; i++)
        {
            long sum = 0;
            var history = s.Slice(i - order, order);
            for (var j = 0; j < order; j++)
            {
                sum += coefficients[j] * history[order - 1 - j];
            }

            s[i] += sum >> shift;
        }
    }

    private void ReadResidual(ref FlacBitReader reader, Span<long> s, int order, int channel)
    {
        var at = reader.BytesConsumed;
        var method = reader.ReadBits(2);
        if (method > 1)
        {
            throw Invalid(at, $"channel {channel} residual uses the reserved coding method {method}");
        }

        var parameterBits = method == 0 ? 4 : 5;
        var escape = (1 << parameterBits) - 1;
        var partitionOrder = (int)reader.ReadBits(4);
        var partitionSize = s.Length >> partitionOrder;
        if ((partitionSize << partitionOrder) != s.Length || partitionSize < order)
        {
            throw Invalid(at, $"channel {channel} residual partition order {partitionOrder} does not fit the block size {s.Length} with predictor order {order}");
        }

        var index = order;
        for (var partition = 0; partition < 1 << partitionOrder; partition++)
        {
            var count = partition == 0 ? partitionSize - order : partitionSize;
            var parameter = (int)reader.ReadBits(parameterBits);
            var target = s.Slice(index, count);
            if (parameter == escape)
            {
                var raw = (int)reader.ReadBits(5);
                if (raw == 0)
                {
                    target.Clear();
                }
                else
                {
                    for (var i = 0; i < target.Length; i++)
                    {
                        target[i] = reader.ReadSigned(raw);
                    }
                }
            }
            else
            {
                reader.ReadRice(target, parameter);
            }

            index += count;
        }
    }

    private void CheckOrder(ref FlacBitReader reader, int blockSize, int order, int channel)
    {
        if (order > blockSize)
        {
            throw Invalid(reader.BytesConsumed, $"channel {channel} predictor order {order} exceeds the block size {blockSize}");
        }
    }

    private void Decorrelate(int channelCode, int blockSize)
    {
        if (channelCode < ChannelLeftSide)
        {
            return;
        }

        var first = _channels[0].AsSpan(0, blockSize);
        var second = _channels[1].AsSpan(0, blockSize);
        switch (channelCode)
        {
            case ChannelLeftSide:
                for (var i = 0; i < blockSize; i++)
                {
                    second[i] = first[i] - second[i];
                }

                break;
            case ChannelSideRight:
                for (var i = 0; i < blockSize; i++)
                {
                    first[i] += second[i];
                }

                break;
            default:
                for (var i = 0; i < blockSize; i++)
                {
                    var side = second[i];
                    var mid = (first[i] << 1) | (side & 1);
                    first[i] = (mid + side) >> 1;
                    second[i] = (mid - side) >> 1;
                }

                break;
        }
    }

    private long ReadCodedNumber(ReadOnlySpan<byte> data, ref int position, bool variable)
    {
        var at = position;
        var first = Byte(data, ref position);
        int extra;
        long value;
        switch (first)
        {
            case < 0x80:
                return first;
            case >= 0xC0 and < 0xE0:
                (extra, value) = (1, first & 0x1F);
                break;
            case >= 0xE0 and < 0xF0:
                (extra, value) = (2, first & 0x0F);
                break;
            case >= 0xF0 and < 0xF8:
                (extra, value) = (3, first & 0x07);
                break;
            case >= 0xF8 and < 0xFC:
                (extra, value) = (4, first & 0x03);
                break;
            case >= 0xFC and < 0xFE:
                (extra, value) = (5, first & 0x01);
                break;
            case 0xFE when variable:
                (extra, value) = (6, 0);
                break;
            default:
                throw Invalid(at, $"frame header has an invalid coded {(variable ? "sample" : "frame")} number (first byte 0x{first:X2})");
        }

        for (var i = 0; i < extra; i++)
        {
            var next = Byte(data, ref position);
            if ((next & 0xC0) != 0x80)
            {
                throw Invalid(position - 1, $"frame header has an invalid coded {(variable ? "sample" : "frame")} number (continuation byte 0x{next:X2})");
            }

            value = (value << 6) | (uint)(next & 0x3F);
        }

        return value;
    }

    private static int Byte(ReadOnlySpan<byte> data, ref int position)
    {
        if (position >= data.Length)
        {
            throw new FlacDataEndedException();
        }

        return data[position++];
    }

    private InvalidMediaException Invalid(int offsetInFrame, string reason) =>
        new(_sourceUri, _frameOffset + offsetInFrame, reason);
}
