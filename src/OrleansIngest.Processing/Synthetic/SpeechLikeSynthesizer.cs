namespace OrleansIngest.Processing.Synthetic;

/// <summary>
/// A deterministic, endless, speech-like signal: phrases of syllables (a Rosenberg glottal pulse train with
/// intonation and declination, through three Klatt formant resonators gliding between vowel targets, some
/// syllables opened by a fricative noise burst) alternating with pauses, over a low noise floor. It is not
/// speech, but it has the envelope, pitch and spectral structure that VAD and log-mel features react to.
/// </summary>
internal sealed class SpeechLikeSynthesizer
{
    private const double MaxPhraseSeconds = 3.5;
    private const double NoiseFloor = 0.0015;
    private const int CoefficientStride = 32;

    // (F1, F2, F3) in Hz of a few English vowels (Peterson & Barney averages).
    private static readonly (double F1, double F2, double F3)[] Vowels =
    [
        (730, 1090, 2440),
        (530, 1840, 2480),
        (270, 2290, 3010),
        (570, 840, 2410),
        (300, 870, 2240),
        (660, 1720, 2410),
        (490, 1350, 1690),
    ];

    private static readonly double[] Bandwidths = [80, 100, 150];

    private readonly int _sampleRate;
    private readonly DeterministicRandom _random;
    private readonly float[] _segment;
    private readonly Resonator[] _formants = new Resonator[3];
    private readonly double[] _frequencies = [500, 1500, 2500];
    private int _segmentLength;
    private int _segmentPosition;
    private bool _nextIsSpeech;

    public SpeechLikeSynthesizer(int sampleRate, DeterministicRandom random)
    {
        _sampleRate = sampleRate;
        _random = random;
        _segment = new float[(int)Math.Ceiling(MaxPhraseSeconds * sampleRate)];
    }

    /// <summary>Fills <paramref name="destination"/> with the next samples of the signal.</summary>
    public void Render(Span<float> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_segmentPosition == _segmentLength)
            {
                NextSegment();
            }

            var count = Math.Min(destination.Length, _segmentLength - _segmentPosition);
            for (var i = 0; i < count; i++)
            {
                destination[i] = _segment[_segmentPosition + i] + (float)(NoiseFloor * _random.NextTriangular());
            }

            _segmentPosition += count;
            destination = destination[count..];
        }
    }

    private void NextSegment()
    {
        _segmentPosition = 0;
        if (_nextIsSpeech)
        {
            _segmentLength = (int)(_random.Uniform(1.0, MaxPhraseSeconds) * _sampleRate);
            RenderPhrase(_segment.AsSpan(0, _segmentLength));
        }
        else
        {
            _segmentLength = (int)(_random.Uniform(0.25, 1.2) * _sampleRate);
            _segment.AsSpan(0, _segmentLength).Clear();
        }

        _nextIsSpeech = !_nextIsSpeech;
    }

    private void RenderPhrase(Span<float> phrase)
    {
        var f0Base = _random.Uniform(95, 230);
        var intonationPhase = _random.Uniform(0, 2 * Math.PI);
        var level = _random.Uniform(0.25, 0.6);
        double glottalPhase = 0, previousGlottal = 0, previousNoise = 0;
        for (var f = 0; f < _formants.Length; f++)
        {
            _formants[f] = default;
        }

        var position = 0;
        while (position < phrase.Length)
        {
            var length = Math.Min(phrase.Length - position, (int)(_random.Uniform(0.12, 0.3) * _sampleRate));
            var vowel = Vowels[_random.Next(Vowels.Length)];
            var fricative = _random.NextDouble() < 0.45 ? (int)(_random.Uniform(0.03, 0.08) * _sampleRate) : 0;
            fricative = Math.Min(fricative, length / 2);
            var f0 = f0Base;
            for (var i = 0; i < length; i++)
            {
                var n = position + i;

                // Formants and pitch move slowly; updating them every few samples is inaudible and much cheaper.
                if (i % CoefficientStride == 0)
                {
                    GlideFormants(vowel);
                    var t = (double)n / _sampleRate;
                    var declination = 1 - (0.15 * n / phrase.Length);
                    f0 = f0Base * declination * (1 + (0.12 * Math.Sin((2 * Math.PI * 0.7 * t) + intonationPhase)));
                }

                glottalPhase += f0 / _sampleRate;
                if (glottalPhase >= 1)
                {
                    glottalPhase -= 1;
                }

                // Differentiating the glottal flow models the lip radiation's +6 dB/octave tilt.
                var glottal = Rosenberg(glottalPhase);
                var excitation = glottal - previousGlottal;
                previousGlottal = glottal;
                var voiced = excitation;
                for (var k = 0; k < _formants.Length; k++)
                {
                    voiced = _formants[k].Process(voiced);
                }

                var envelope = 0.5 - (0.5 * Math.Cos(2 * Math.PI * i / length));
                double sample;
                if (i < fricative)
                {
                    var noise = _random.NextGaussian();
                    var burst = 0.5 - (0.5 * Math.Cos(2 * Math.PI * i / fricative));
                    sample = (noise - previousNoise) * 0.02 * burst;
                    previousNoise = noise;
                }
                else
                {
                    sample = voiced * envelope;
                }

                phrase[n] = (float)sample;
            }

            position += length;
        }

        var peak = 0f;
        foreach (var x in phrase)
        {
            peak = Math.Max(peak, Math.Abs(x));
        }

        if (peak > 0)
        {
            var gain = (float)(level / peak);
            for (var n = 0; n < phrase.Length; n++)
            {
                phrase[n] *= gain;
            }
        }
    }

    private void GlideFormants((double F1, double F2, double F3) target)
    {
        ReadOnlySpan<double> targets = [target.F1, target.F2, target.F3];
        var limit = 0.42 * _sampleRate;
        for (var k = 0; k < _formants.Length; k++)
        {
            _frequencies[k] += (targets[k] - _frequencies[k]) * 0.15;
            _formants[k].Tune(Math.Min(_frequencies[k], limit), Bandwidths[k], _sampleRate);
        }
    }

    private static double Rosenberg(double phase)
    {
        const double Opening = 0.4;
        const double Closing = 0.16;
        if (phase < Opening)
        {
            return 0.5 * (1 - Math.Cos(Math.PI * phase / Opening));
        }

        return phase < Opening + Closing ? Math.Cos(Math.PI * (phase - Opening) / (2 * Closing)) : 0;
    }

    /// <summary>Klatt's two-pole resonator with unity gain at DC.</summary>
    private struct Resonator
    {
        private double _a;
        private double _b;
        private double _c;
        private double _y1;
        private double _y2;

        public void Tune(double frequency, double bandwidth, int sampleRate)
        {
            var r = Math.Exp(-Math.PI * bandwidth / sampleRate);
            _c = -r * r;
            _b = 2 * r * Math.Cos(2 * Math.PI * frequency / sampleRate);
            _a = 1 - _b - _c;
        }

        public double Process(double x)
        {
            var y = (_a * x) + (_b * _y1) + (_c * _y2);
            _y2 = _y1;
            _y1 = y;
            return y;
        }
    }
}
