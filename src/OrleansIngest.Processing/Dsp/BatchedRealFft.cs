using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OrleansIngest.Processing.Dsp;

/// <summary>
/// Power spectra of real frames, <see cref="Vector{T}.Count"/> frames at a time: every SIMD lane holds
/// a different frame, so the FFT butterflies are plain vector arithmetic with no shuffles. The real
/// transform of size N is a complex transform of size N/2 (even samples as real part, odd samples as
/// imaginary part) plus a split step; the complex transform is a mixed-radix (2, 3, 4, 5) Stockham
/// FFT with precomputed twiddles. Holds its scratch buffers: not thread-safe.
/// </summary>
/// <remarks>
/// The kernels are compiled fully optimised at their first call (<see cref="MethodImplOptions.AggressiveOptimization"/>):
/// under tiering they ran at tier 0, with <c>Fma</c> and the <see cref="Vector{T}"/> constructor as calls, for
/// the first seconds of every silo, because the busy start-up keeps delaying the tier-up.
/// </remarks>
internal sealed class BatchedRealFft
{
    private static readonly Dictionary<int, Plan> Plans = [];

    private readonly Plan _plan;
    private readonly Vector<float>[] _re;
    private readonly Vector<float>[] _im;
    private readonly Vector<float>[] _re2;
    private readonly Vector<float>[] _im2;

    public BatchedRealFft(int size)
    {
        Size = size;
        lock (Plans)
        {
            if (!Plans.TryGetValue(size, out var plan))
            {
                plan = new Plan(size);
                Plans[size] = plan;
            }

            _plan = plan;
        }

        var half = size / 2;
        _re = new Vector<float>[half];
        _im = new Vector<float>[half];
        _re2 = new Vector<float>[half];
        _im2 = new Vector<float>[half];
    }

    /// <summary>Frame length N.</summary>
    public int Size { get; }

    /// <summary>Frames per batch (SIMD lanes).</summary>
    public static int BatchSize => Vector<float>.Count;

    /// <summary>Number of power bins, N/2 + 1.</summary>
    public int Bins => (Size / 2) + 1;

    /// <summary>Input: sample 2m of each frame goes to element m, lane = frame.</summary>
    public Span<Vector<float>> EvenSamples => _re;

    /// <summary>Input: sample 2m + 1 of each frame goes to element m, lane = frame.</summary>
    public Span<Vector<float>> OddSamples => _im;

    /// <summary>Input samples as floats, index <c>m * BatchSize + lane</c>.</summary>
    public Span<float> EvenSampleLanes => MemoryMarshal.Cast<Vector<float>, float>(_re.AsSpan());

    /// <summary>Input samples as floats, index <c>m * BatchSize + lane</c>.</summary>
    public Span<float> OddSampleLanes => MemoryMarshal.Cast<Vector<float>, float>(_im.AsSpan());

    /// <summary>
    /// True when <see cref="LoadWindowedFrames"/> can run: AVX, eight lanes, and a frame length divisible by eight.
    /// </summary>
    public bool CanLoadWindowedFrames => Avx.IsSupported && BatchSize == Vector256<float>.Count && Size % 8 == 0;

    /// <summary>
    /// Fills every lane from its own frame of <see cref="Size"/> floats times <paramref name="window"/>, even and odd
    /// samples apart: eight samples of the eight frames at a time, one contiguous load per frame and an 8 × 8 transpose
    /// in registers (AVX2 gathers of the same samples ran at half the speed on AMD Zen 4). Needs
    /// <see cref="CanLoadWindowedFrames"/>; the caller guarantees each pointer has <see cref="Size"/> readable floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void LoadWindowedFrames(ReadOnlySpan<nint> frames, ReadOnlySpan<float> window)
    {
        if (!CanLoadWindowedFrames || frames.Length != BatchSize || window.Length < Size)
        {
            throw new InvalidOperationException($"Needs AVX, {Vector256<float>.Count} frames and a window of {Size}; got {frames.Length} frames and {window.Length}.");
        }

        float* f0 = (float*)frames[0], f1 = (float*)frames[1], f2 = (float*)frames[2], f3 = (float*)frames[3];
        float* f4 = (float*)frames[4], f5 = (float*)frames[5], f6 = (float*)frames[6], f7 = (float*)frames[7];
        ref var even = ref MemoryMarshal.GetArrayDataReference(_re);
        ref var odd = ref MemoryMarshal.GetArrayDataReference(_im);
        fixed (float* w0 = window)
        {
            for (var at = 0; at < Size; at += 8)
            {
                // Rows are the frames' samples at..at+7; columns are one sample of all eight frames.
                var t0 = Avx.UnpackLow(Avx.LoadVector256(f0 + at), Avx.LoadVector256(f1 + at));
                var t1 = Avx.UnpackHigh(Avx.LoadVector256(f0 + at), Avx.LoadVector256(f1 + at));
                var t2 = Avx.UnpackLow(Avx.LoadVector256(f2 + at), Avx.LoadVector256(f3 + at));
                var t3 = Avx.UnpackHigh(Avx.LoadVector256(f2 + at), Avx.LoadVector256(f3 + at));
                var t4 = Avx.UnpackLow(Avx.LoadVector256(f4 + at), Avx.LoadVector256(f5 + at));
                var t5 = Avx.UnpackHigh(Avx.LoadVector256(f4 + at), Avx.LoadVector256(f5 + at));
                var t6 = Avx.UnpackLow(Avx.LoadVector256(f6 + at), Avx.LoadVector256(f7 + at));
                var t7 = Avx.UnpackHigh(Avx.LoadVector256(f6 + at), Avx.LoadVector256(f7 + at));
                var u0 = Avx.Shuffle(t0, t2, 0x44);
                var u1 = Avx.Shuffle(t0, t2, 0xEE);
                var u2 = Avx.Shuffle(t1, t3, 0x44);
                var u3 = Avx.Shuffle(t1, t3, 0xEE);
                var u4 = Avx.Shuffle(t4, t6, 0x44);
                var u5 = Avx.Shuffle(t4, t6, 0xEE);
                var u6 = Avx.Shuffle(t5, t7, 0x44);
                var u7 = Avx.Shuffle(t5, t7, 0xEE);
                var w = w0 + at;
                var m = at / 2;
                Unsafe.Add(ref even, m) = (Avx.Permute2x128(u0, u4, 0x20) * Vector256.Create(w[0])).AsVector();
                Unsafe.Add(ref odd, m) = (Avx.Permute2x128(u1, u5, 0x20) * Vector256.Create(w[1])).AsVector();
                Unsafe.Add(ref even, m + 1) = (Avx.Permute2x128(u2, u6, 0x20) * Vector256.Create(w[2])).AsVector();
                Unsafe.Add(ref odd, m + 1) = (Avx.Permute2x128(u3, u7, 0x20) * Vector256.Create(w[3])).AsVector();
                Unsafe.Add(ref even, m + 2) = (Avx.Permute2x128(u0, u4, 0x31) * Vector256.Create(w[4])).AsVector();
                Unsafe.Add(ref odd, m + 2) = (Avx.Permute2x128(u1, u5, 0x31) * Vector256.Create(w[5])).AsVector();
                Unsafe.Add(ref even, m + 3) = (Avx.Permute2x128(u2, u6, 0x31) * Vector256.Create(w[6])).AsVector();
                Unsafe.Add(ref odd, m + 3) = (Avx.Permute2x128(u3, u7, 0x31) * Vector256.Create(w[7])).AsVector();
            }
        }
    }

    /// <summary>
    /// Transforms the input (destroying it) and writes 4·|X[k]|² for k = 0..N/2 (the factor 4 is left
    /// for the caller to fold into its next scaling).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ComputePower4(Span<Vector<float>> power)
    {
        var half = Size / 2;
        if (power.Length < half + 1)
        {
            throw new ArgumentException("Power buffer is too short.", nameof(power));
        }

        var (re, im) = Transform();
        ref var zr = ref MemoryMarshal.GetArrayDataReference(re);
        ref var zi = ref MemoryMarshal.GetArrayDataReference(im);
        ref var p = ref MemoryMarshal.GetReference(power);

        // X[0] = Zr0 + Zi0 and X[N/2] = Zr0 - Zi0; doubled to match the 2·X scale of the split below.
        var two = new Vector<float>(2f);
        var sum = (zr + zi) * two;
        var difference = (zr - zi) * two;
        p = sum * sum;
        Unsafe.Add(ref p, half) = difference * difference;

        ref var cos = ref MemoryMarshal.GetArrayDataReference(_plan.SplitCos);
        ref var sin = ref MemoryMarshal.GetArrayDataReference(_plan.SplitSin);
        for (var k = 1; k < half; k++)
        {
            var ar = Unsafe.Add(ref zr, k);
            var ai = Unsafe.Add(ref zi, k);
            var br = Unsafe.Add(ref zr, half - k);
            var bi = Unsafe.Add(ref zi, half - k);

            // 2·E = Z[k] + conj(Z[N/2-k]); 2·O = (Z[k] - conj(Z[N/2-k])) / i; 2·X = 2·E + W^k·2·O.
            var er = ar + br;
            var ei = ai - bi;
            var or = ai + bi;
            var oi = br - ar;
            var c = new Vector<float>(Unsafe.Add(ref cos, k));
            var s = new Vector<float>(Unsafe.Add(ref sin, k));
            var xr = Fma(c, or, Fma(s, oi, er));
            var xi = Fma(c, oi, Fma(-s, or, ei));
            Unsafe.Add(ref p, k) = Fma(xr, xr, xi * xi);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (Vector<float>[] Re, Vector<float>[] Im) Transform()
    {
        var (xr, xi, yr, yi) = (_re, _im, _re2, _im2);
        var n = Size / 2;
        var stride = 1;
        foreach (var stage in _plan.Stages)
        {
            var m = n / stage.Radix;
            switch (stage.Radix)
            {
                case 2:
                    Radix2(xr, xi, yr, yi, m, stride, stage);
                    break;
                case 3:
                    Radix3(xr, xi, yr, yi, m, stride, stage);
                    break;
                case 4:
                    Radix4(xr, xi, yr, yi, m, stride, stage);
                    break;
                default:
                    Radix5(xr, xi, yr, yi, m, stride, stage);
                    break;
            }

            (xr, yr) = (yr, xr);
            (xi, yi) = (yi, xi);
            n = m;
            stride *= stage.Radix;
        }

        return (xr, xi);
    }

    // Stockham decimation in frequency: inputs x[r + s(q + m·j)], outputs y[r + s(P·q + j)] = DFT_P(a)_j · w^(q·j).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix2(Vector<float>[] xr, Vector<float>[] xi, Vector<float>[] yr, Vector<float>[] yi, int m, int s, Stage stage)
    {
        ref var ar = ref MemoryMarshal.GetArrayDataReference(xr);
        ref var ai = ref MemoryMarshal.GetArrayDataReference(xi);
        ref var br = ref MemoryMarshal.GetArrayDataReference(yr);
        ref var bi = ref MemoryMarshal.GetArrayDataReference(yi);
        for (var q = 0; q < m; q++)
        {
            var w1r = new Vector<float>(stage.TwiddleRe[q]);
            var w1i = new Vector<float>(stage.TwiddleIm[q]);
            var w1n = -w1i;
            for (var r = 0; r < s; r++)
            {
                var i0 = r + (s * q);
                var i1 = i0 + (s * m);
                var a0r = Unsafe.Add(ref ar, i0);
                var a0i = Unsafe.Add(ref ai, i0);
                var a1r = Unsafe.Add(ref ar, i1);
                var a1i = Unsafe.Add(ref ai, i1);
                var o = r + (s * 2 * q);
                Unsafe.Add(ref br, o) = a0r + a1r;
                Unsafe.Add(ref bi, o) = a0i + a1i;
                var dr = a0r - a1r;
                var di = a0i - a1i;
                Unsafe.Add(ref br, o + s) = Fma(dr, w1r, di * w1n);
                Unsafe.Add(ref bi, o + s) = Fma(dr, w1i, di * w1r);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix3(Vector<float>[] xr, Vector<float>[] xi, Vector<float>[] yr, Vector<float>[] yi, int m, int s, Stage stage)
    {
        ref var ar = ref MemoryMarshal.GetArrayDataReference(xr);
        ref var ai = ref MemoryMarshal.GetArrayDataReference(xi);
        ref var br = ref MemoryMarshal.GetArrayDataReference(yr);
        ref var bi = ref MemoryMarshal.GetArrayDataReference(yi);
        var half = new Vector<float>(0.5f);
        var sin60 = new Vector<float>((float)Math.Sin(2 * Math.PI / 3));
        for (var q = 0; q < m; q++)
        {
            var w1r = new Vector<float>(stage.TwiddleRe[2 * q]);
            var w1i = new Vector<float>(stage.TwiddleIm[2 * q]);
            var w1n = -w1i;
            var w2r = new Vector<float>(stage.TwiddleRe[(2 * q) + 1]);
            var w2i = new Vector<float>(stage.TwiddleIm[(2 * q) + 1]);
            var w2n = -w2i;
            for (var r = 0; r < s; r++)
            {
                var i0 = r + (s * q);
                var a0r = Unsafe.Add(ref ar, i0);
                var a0i = Unsafe.Add(ref ai, i0);
                var a1r = Unsafe.Add(ref ar, i0 + (s * m));
                var a1i = Unsafe.Add(ref ai, i0 + (s * m));
                var a2r = Unsafe.Add(ref ar, i0 + (2 * s * m));
                var a2i = Unsafe.Add(ref ai, i0 + (2 * s * m));
                var tr = a1r + a2r;
                var ti = a1i + a2i;
                var mr = Fma(-half, tr, a0r);
                var mi = Fma(-half, ti, a0i);
                var nr = sin60 * (a1r - a2r);
                var ni = sin60 * (a1i - a2i);
                var o = r + (s * 3 * q);
                Unsafe.Add(ref br, o) = a0r + tr;
                Unsafe.Add(ref bi, o) = a0i + ti;
                var b1r = mr + ni;
                var b1i = mi - nr;
                var b2r = mr - ni;
                var b2i = mi + nr;
                Unsafe.Add(ref br, o + s) = Fma(b1r, w1r, b1i * w1n);
                Unsafe.Add(ref bi, o + s) = Fma(b1r, w1i, b1i * w1r);
                Unsafe.Add(ref br, o + (2 * s)) = Fma(b2r, w2r, b2i * w2n);
                Unsafe.Add(ref bi, o + (2 * s)) = Fma(b2r, w2i, b2i * w2r);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix4(Vector<float>[] xr, Vector<float>[] xi, Vector<float>[] yr, Vector<float>[] yi, int m, int s, Stage stage)
    {
        ref var ar = ref MemoryMarshal.GetArrayDataReference(xr);
        ref var ai = ref MemoryMarshal.GetArrayDataReference(xi);
        ref var br = ref MemoryMarshal.GetArrayDataReference(yr);
        ref var bi = ref MemoryMarshal.GetArrayDataReference(yi);
        var sm = s * m;
        for (var q = 0; q < m; q++)
        {
            var w1r = new Vector<float>(stage.TwiddleRe[3 * q]);
            var w1i = new Vector<float>(stage.TwiddleIm[3 * q]);
            var w1n = -w1i;
            var w2r = new Vector<float>(stage.TwiddleRe[(3 * q) + 1]);
            var w2i = new Vector<float>(stage.TwiddleIm[(3 * q) + 1]);
            var w2n = -w2i;
            var w3r = new Vector<float>(stage.TwiddleRe[(3 * q) + 2]);
            var w3i = new Vector<float>(stage.TwiddleIm[(3 * q) + 2]);
            var w3n = -w3i;
            for (var r = 0; r < s; r++)
            {
                var i0 = r + (s * q);
                var a0r = Unsafe.Add(ref ar, i0);
                var a0i = Unsafe.Add(ref ai, i0);
                var a1r = Unsafe.Add(ref ar, i0 + sm);
                var a1i = Unsafe.Add(ref ai, i0 + sm);
                var a2r = Unsafe.Add(ref ar, i0 + (2 * sm));
                var a2i = Unsafe.Add(ref ai, i0 + (2 * sm));
                var a3r = Unsafe.Add(ref ar, i0 + (3 * sm));
                var a3i = Unsafe.Add(ref ai, i0 + (3 * sm));
                var t0r = a0r + a2r;
                var t0i = a0i + a2i;
                var t1r = a0r - a2r;
                var t1i = a0i - a2i;
                var t2r = a1r + a3r;
                var t2i = a1i + a3i;
                var t3r = a1r - a3r;
                var t3i = a1i - a3i;
                var o = r + (s * 4 * q);
                Unsafe.Add(ref br, o) = t0r + t2r;
                Unsafe.Add(ref bi, o) = t0i + t2i;
                var b1r = t1r + t3i;
                var b1i = t1i - t3r;
                var b2r = t0r - t2r;
                var b2i = t0i - t2i;
                var b3r = t1r - t3i;
                var b3i = t1i + t3r;
                Unsafe.Add(ref br, o + s) = Fma(b1r, w1r, b1i * w1n);
                Unsafe.Add(ref bi, o + s) = Fma(b1r, w1i, b1i * w1r);
                Unsafe.Add(ref br, o + (2 * s)) = Fma(b2r, w2r, b2i * w2n);
                Unsafe.Add(ref bi, o + (2 * s)) = Fma(b2r, w2i, b2i * w2r);
                Unsafe.Add(ref br, o + (3 * s)) = Fma(b3r, w3r, b3i * w3n);
                Unsafe.Add(ref bi, o + (3 * s)) = Fma(b3r, w3i, b3i * w3r);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix5(Vector<float>[] xr, Vector<float>[] xi, Vector<float>[] yr, Vector<float>[] yi, int m, int s, Stage stage)
    {
        ref var ar = ref MemoryMarshal.GetArrayDataReference(xr);
        ref var ai = ref MemoryMarshal.GetArrayDataReference(xi);
        ref var br = ref MemoryMarshal.GetArrayDataReference(yr);
        ref var bi = ref MemoryMarshal.GetArrayDataReference(yi);
        var c1 = new Vector<float>((float)Math.Cos(2 * Math.PI / 5));
        var c2 = new Vector<float>((float)Math.Cos(4 * Math.PI / 5));
        var s1 = new Vector<float>((float)Math.Sin(2 * Math.PI / 5));
        var s2 = new Vector<float>((float)Math.Sin(4 * Math.PI / 5));
        var s1n = -s1;
        var sm = s * m;
        for (var q = 0; q < m; q++)
        {
            var tw = 4 * q;
            var w1r = new Vector<float>(stage.TwiddleRe[tw]);
            var w1i = new Vector<float>(stage.TwiddleIm[tw]);
            var w1n = -w1i;
            var w2r = new Vector<float>(stage.TwiddleRe[tw + 1]);
            var w2i = new Vector<float>(stage.TwiddleIm[tw + 1]);
            var w2n = -w2i;
            var w3r = new Vector<float>(stage.TwiddleRe[tw + 2]);
            var w3i = new Vector<float>(stage.TwiddleIm[tw + 2]);
            var w3n = -w3i;
            var w4r = new Vector<float>(stage.TwiddleRe[tw + 3]);
            var w4i = new Vector<float>(stage.TwiddleIm[tw + 3]);
            var w4n = -w4i;
            for (var r = 0; r < s; r++)
            {
                var i0 = r + (s * q);
                var a0r = Unsafe.Add(ref ar, i0);
                var a0i = Unsafe.Add(ref ai, i0);
                var a1r = Unsafe.Add(ref ar, i0 + sm);
                var a1i = Unsafe.Add(ref ai, i0 + sm);
                var a2r = Unsafe.Add(ref ar, i0 + (2 * sm));
                var a2i = Unsafe.Add(ref ai, i0 + (2 * sm));
                var a3r = Unsafe.Add(ref ar, i0 + (3 * sm));
                var a3i = Unsafe.Add(ref ai, i0 + (3 * sm));
                var a4r = Unsafe.Add(ref ar, i0 + (4 * sm));
                var a4i = Unsafe.Add(ref ai, i0 + (4 * sm));

                var t1r = a1r + a4r;
                var t1i = a1i + a4i;
                var t2r = a2r + a3r;
                var t2i = a2i + a3i;
                var t3r = a1r - a4r;
                var t3i = a1i - a4i;
                var t4r = a2r - a3r;
                var t4i = a2i - a3i;

                var m1r = Fma(c2, t2r, Fma(c1, t1r, a0r));
                var m1i = Fma(c2, t2i, Fma(c1, t1i, a0i));
                var m2r = Fma(c1, t2r, Fma(c2, t1r, a0r));
                var m2i = Fma(c1, t2i, Fma(c2, t1i, a0i));
                var n1r = Fma(s1, t3r, s2 * t4r);
                var n1i = Fma(s1, t3i, s2 * t4i);
                var n2r = Fma(s2, t3r, s1n * t4r);
                var n2i = Fma(s2, t3i, s1n * t4i);

                var b1r = m1r + n1i;
                var b1i = m1i - n1r;
                var b4r = m1r - n1i;
                var b4i = m1i + n1r;
                var b2r = m2r + n2i;
                var b2i = m2i - n2r;
                var b3r = m2r - n2i;
                var b3i = m2i + n2r;

                var o = r + (s * 5 * q);
                Unsafe.Add(ref br, o) = a0r + t1r + t2r;
                Unsafe.Add(ref bi, o) = a0i + t1i + t2i;
                Unsafe.Add(ref br, o + s) = Fma(b1r, w1r, b1i * w1n);
                Unsafe.Add(ref bi, o + s) = Fma(b1r, w1i, b1i * w1r);
                Unsafe.Add(ref br, o + (2 * s)) = Fma(b2r, w2r, b2i * w2n);
                Unsafe.Add(ref bi, o + (2 * s)) = Fma(b2r, w2i, b2i * w2r);
                Unsafe.Add(ref br, o + (3 * s)) = Fma(b3r, w3r, b3i * w3n);
                Unsafe.Add(ref bi, o + (3 * s)) = Fma(b3r, w3i, b3i * w3r);
                Unsafe.Add(ref br, o + (4 * s)) = Fma(b4r, w4r, b4i * w4n);
                Unsafe.Add(ref bi, o + (4 * s)) = Fma(b4r, w4i, b4i * w4r);
            }
        }
    }

    // Fused where the hardware has FMA; the rounding difference is far below the float32 noise.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Fma(Vector<float> a, Vector<float> b, Vector<float> c) => Vector.MultiplyAddEstimate(a, b, c);

    private sealed record Stage(int Radix, float[] TwiddleRe, float[] TwiddleIm);

    private sealed class Plan
    {
        public Plan(int size)
        {
            if (size < 4 || size % 2 != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(size), size, "Frame size must be even and at least 4.");
            }

            var half = size / 2;
            var radices = new List<int>();
            var rest = half;
            foreach (var radix in (ReadOnlySpan<int>)[4, 5, 3, 2])
            {
                while (rest % radix == 0)
                {
                    radices.Add(radix);
                    rest /= radix;
                }
            }

            if (rest != 1)
            {
                throw new ArgumentOutOfRangeException(nameof(size), size, "Half the frame size must factor into 2, 3 and 5.");
            }

            var n = half;
            foreach (var radix in radices)
            {
                var m = n / radix;
                var re = new float[m * (radix - 1)];
                var im = new float[m * (radix - 1)];
                for (var q = 0; q < m; q++)
                {
                    for (var j = 1; j < radix; j++)
                    {
                        var angle = -2 * Math.PI * q * j / n;
                        re[(q * (radix - 1)) + j - 1] = (float)Math.Cos(angle);
                        im[(q * (radix - 1)) + j - 1] = (float)Math.Sin(angle);
                    }
                }

                Stages.Add(new Stage(radix, re, im));
                n = m;
            }

            SplitCos = new float[half];
            SplitSin = new float[half];
            for (var k = 0; k < half; k++)
            {
                SplitCos[k] = (float)Math.Cos(2 * Math.PI * k / size);
                SplitSin[k] = (float)Math.Sin(2 * Math.PI * k / size);
            }
        }

        public List<Stage> Stages { get; } = [];

        public float[] SplitCos { get; }

        public float[] SplitSin { get; }
    }
}
