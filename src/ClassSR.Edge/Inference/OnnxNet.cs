using System.Runtime.InteropServices;
using ClassSR.Edge.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ClassSR.Edge.Inference;

/// <summary>
/// One ONNX model with one uint8 luma input and one output (uint8 luma for a branch, float
/// logits for the classifier), run on native buffers it owns.
/// Each input shape gets an IoBinding made once over those buffers, so after warm-up a run
/// allocates nothing: the caller writes the input span, calls Run, and reads the output span.
/// </summary>
public sealed unsafe class OnnxNet : IDisposable
{
    readonly InferenceSession _session;
    readonly RunOptions _run = new();
    readonly string _input, _output;
    readonly Dictionary<(int N, int H, int W), Binding> _bindings = [];
    byte* _in, _out;
    long _inCap, _outCap;
    Binding? _current;
    long _uses;

    public string Role { get; }
    public string File { get; }
    public double MacsPerLrPixel { get; }
    public int Halo { get; }
    public bool IsClassifier => Role == Roles.Classifier;
    /// <summary>The model set's scale: a branch maps H x W to Scale·H x Scale·W.</summary>
    public int Scale { get; }
    /// <summary>
    /// A branch whose output is Scale² phase planes, [N,Scale²,H,W] (plane dy*Scale+dx holds HR pixel (Scale·y+dy,
    /// Scale·x+dx)), for the merge to interleave; otherwise the HR plane itself, [N,1,Scale·H,Scale·W]. Same bytes,
    /// other order.
    /// </summary>
    public bool PhaseOutput { get; }

    sealed class Binding(OrtValue input, OrtValue output, OrtIoBinding io, long inCount, long outCount) : IDisposable
    {
        public readonly OrtValue Input = input, Output = output;
        public readonly OrtIoBinding Io = io;
        public readonly long InCount = inCount, OutCount = outCount;
        public long LastUsed;

        public void Dispose()
        {
            Io.Dispose();
            Input.Dispose();
            Output.Dispose();
        }
    }

    public OnnxNet(ModelSet set, ModelEntry entry, int threads, string? optimizedModelPath = null)
    {
        Role = entry.Role;
        File = set.PathOf(entry);
        MacsPerLrPixel = entry.MacsPerLrPixel;
        Halo = entry.Halo;
        Scale = set.Manifest.Scale;
        using var options = OrtHost.SessionOptions(threads, optimizedModelPath);
        try
        {
            _session = new InferenceSession(File, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelException($"'{File}': ONNX Runtime cannot load it ({FirstLine(e.Message)})");
        }
        if (_session.InputMetadata.Count != 1 || _session.OutputMetadata.Count != 1)
            throw new ModelException($"'{File}': expected one input and one output");
        _input = _session.InputMetadata.Keys.First();
        _output = _session.OutputMetadata.Keys.First();
        int[] o = _session.OutputMetadata[_output].Dimensions;
        PhaseOutput = !IsClassifier && o.Length == 4 && o[1] == Scale * Scale;
        CheckShapes(_session.InputMetadata[_input], _session.OutputMetadata[_output]);
    }

    void CheckShapes(NodeMetadata inMeta, NodeMetadata outMeta)
    {
        int[] i = inMeta.Dimensions, o = outMeta.Dimensions;
        var outType = IsClassifier ? TensorElementType.Float : TensorElementType.UInt8;
        bool ok = inMeta.ElementDataType == TensorElementType.UInt8 && outMeta.ElementDataType == outType && i.Length == 4 && i[1] == 1
            && (IsClassifier ? o.Length == 2 && o[1] == 3 : o.Length == 4 && (o[1] == 1 || PhaseOutput));
        if (!ok)
            throw new ModelException($"'{File}': input [{string.Join(",", i)}] / output [{string.Join(",", o)}] " +
                $"do not fit role '{Role}' (expected uint8 [N,1,H,W] -> {(IsClassifier ? "float [N,3]" : $"uint8 [N,{Scale * Scale},H,W] or [N,1,{Scale}H,{Scale}W] at x{Scale}")})");
    }

    static string FirstLine(string s)
    {
        int n = s.IndexOf('\n');
        return n < 0 ? s : s[..n];
    }

    long OutputBytes(int n, int h, int w) => IsClassifier ? n * 3L * sizeof(float) : (long)n * h * w * Scale * Scale;

    /// <summary>The fastest of <paramref name="runs"/> runs on one w x h input (after a warm-up run), in ms.</summary>
    public double BestRunMs(int w, int h, int runs)
    {
        Prepare(1, h, w).Fill(128);
        Run();
        long best = long.MaxValue;
        for (int i = 0; i < runs; i++)
        {
            long t = System.Diagnostics.Stopwatch.GetTimestamp();
            Run();
            best = Math.Min(best, System.Diagnostics.Stopwatch.GetTimestamp() - t);
        }
        return best * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
    }

    /// <summary>
    /// A run's cost as t = PerCallMs + PerPixelMs * pixels, least squares over the best of <paramref name="runs"/>
    /// runs on each shape (with two shapes, the line through both).
    /// </summary>
    public (double PerCallMs, double PerPixelMs) RunCost(ReadOnlySpan<(int W, int H)> shapes, int runs)
    {
        var pixels = new double[shapes.Length];
        var ms = new double[shapes.Length];
        for (int i = 0; i < shapes.Length; i++)
        {
            pixels[i] = (double)shapes[i].W * shapes[i].H;
            ms[i] = BestRunMs(shapes[i].W, shapes[i].H, runs);
        }
        double mx = pixels.Average(), my = ms.Average(), sxy = 0, sxx = 0;
        for (int i = 0; i < shapes.Length; i++)
        {
            sxy += (pixels[i] - mx) * (ms[i] - my);
            sxx += (pixels[i] - mx) * (pixels[i] - mx);
        }
        double b = sxy / sxx;
        return (my - b * mx, b);
    }

    /// <summary>Selects the binding for this shape (made on first use) and returns its input buffer.</summary>
    public Span<byte> Prepare(int n, int h, int w)
    {
        if (!_bindings.TryGetValue((n, h, w), out var b))
        {
            // Temporal reuse plans regions of many shapes; the bindings they leave are bounded here, the least recently
            // used half going (the shapes a steady stream uses stay).
            if (_bindings.Count >= MaxShapes)
                Evict();
            b = Bind(n, h, w);
        }
        b.LastUsed = ++_uses;
        _current = b;
        return new Span<byte>(_in, checked((int)b.InCount));
    }

    void Evict()
    {
        long median = _bindings.Values.Select(v => v.LastUsed).Order().ElementAt(_bindings.Count / 2);
        foreach (var (key, old) in _bindings.Where(kv => kv.Value.LastUsed < median).ToList())
        {
            old.Dispose();
            _bindings.Remove(key);
        }
    }

    Binding Bind(int n, int h, int w)
    {
        long inCount = (long)n * h * w, outCount = OutputBytes(n, h, w);
        if (inCount > _inCap || outCount > _outCap)
            Grow(Math.Max(inCount, _inCap), Math.Max(outCount, _outCap));
        var mem = OrtMemoryInfo.DefaultInstance;
        var input = OrtValue.CreateTensorValueWithData(mem, TensorElementType.UInt8, [n, 1, h, w], (IntPtr)_in, inCount);
        long[] outShape = IsClassifier ? [n, 3] : PhaseOutput ? [n, Scale * Scale, h, w] : [n, 1, h * Scale, w * Scale];
        var output = OrtValue.CreateTensorValueWithData(mem, IsClassifier ? TensorElementType.Float : TensorElementType.UInt8,
            outShape, (IntPtr)_out, outCount);
        var io = _session.CreateIoBinding();
        io.BindInput(_input, input);
        io.BindOutput(_output, output);
        var b = new Binding(input, output, io, inCount, outCount);
        _bindings[(n, h, w)] = b;
        return b;
    }

    void Grow(long inCap, long outCap)
    {
        // Bindings point into the old buffers: drop them all. Only happens while warming up.
        foreach (var b in _bindings.Values)
            b.Dispose();
        _bindings.Clear();
        _current = null;
        NativeMemory.AlignedFree(_in);
        NativeMemory.AlignedFree(_out);
        _in = (byte*)NativeMemory.AlignedAlloc((nuint)inCap, 64);
        _out = (byte*)NativeMemory.AlignedAlloc((nuint)outCap, 64);
        _inCap = inCap;
        _outCap = outCap;
    }

    /// <summary>Runs the shape chosen by the last Prepare; returns a branch's uint8 output.</summary>
    public ReadOnlySpan<byte> Run()
    {
        var b = _current ?? throw new InvalidOperationException("Prepare must be called before Run");
        _session.RunWithBinding(_run, b.Io);
        return new ReadOnlySpan<byte>(_out, checked((int)b.OutCount));
    }

    /// <summary>Runs the classifier: three float logits per input.</summary>
    public ReadOnlySpan<float> RunLogits() => MemoryMarshal.Cast<byte, float>(Run());

    public int CachedShapes => _bindings.Count;
    public const int MaxShapes = 1024;

    public void Dispose()
    {
        foreach (var b in _bindings.Values)
            b.Dispose();
        _bindings.Clear();
        _session.Dispose();
        _run.Dispose();
        NativeMemory.AlignedFree(_in);
        NativeMemory.AlignedFree(_out);
        _in = _out = null;
    }
}
