using System.Diagnostics;
using System.Globalization;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Engine;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>
/// Capture thread -> upscale thread -> sinks (each on its own thread), joined by newest-wins slots that pass
/// references to pooled frames (<see cref="FrameRing"/>): a captured frame is written once by the source, an upscaled
/// one once by the upscaler, and every sink reads the same one. The capture thread also keeps the picture alive when
/// the source goes: it republishes the last good frame marked NO SIGNAL once a second and reopens the source with
/// backoff (0.25 s doubling to 1 s).
/// </summary>
public sealed class FramePipeline : IDisposable
{
    // The cap bounds how long a camera that is plugged back in waits to be noticed: under 2 s with the open.
    static readonly TimeSpan MinBackoff = TimeSpan.FromSeconds(0.25), MaxBackoff = TimeSpan.FromSeconds(1);
    static readonly long NoSignalPeriod = Stopwatch.Frequency;

    readonly IFrameSource _source;
    volatile Upscaler _upscaler;
    Upscaler? _pendingUpscaler;
    readonly FrameSink[] _sinks;
    readonly Log _log;
    readonly CancellationTokenSource _stop = new();
    readonly FrameSlot<PipelineFrame> _toUpscale = new();
    readonly FrameRing _captured = new("captured"), _upscaled = new("upscaled");
    readonly ClassMap _classMap = new();
    readonly long _startTicks = Stopwatch.GetTimestamp();
    Thread? _capture, _upscale;

    // Written by the capture thread.
    readonly RateMeter _capturedRate = new();
    PipelineFrame? _lastGood;
    long _sequence, _capturedCount, _reopens;
    volatile bool _signal, _ended;
    volatile string? _lastError;
    volatile int _sourceWidth, _sourceHeight;
    long _stream;

    // Written by the upscale thread.
    readonly RateMeter _processedRate = new();
    readonly Ewma _upscaleMs = new();
    readonly Lock _statsGate = new();
    readonly double[] _shares = new double[3];
    double _macsRatio, _reusedShare;
    readonly Ewma _reusedMean = new();
    long _processed, _cacheResets;
    volatile int _outWidth, _outHeight;

    // The frame-budget controller: options set from any thread, the controller itself on the upscale thread only.
    volatile BudgetOptions _budgetOptions = BudgetOptions.Off;
    FrameBudget? _budget;
    volatile FrameBudget? _budgetView;
    volatile string? _holdCause;
    long _holdSince;
    readonly HoldCause _cause = new(new IO.Thermal.SystemProbe());

    public FramePipeline(IFrameSource source, Upscaler upscaler, IEnumerable<FrameSink> sinks, Log log)
    {
        _source = source;
        _upscaler = upscaler;
        _sinks = [.. sinks];
        _log = log;
    }

    /// <summary>The source ended for good (see <see cref="IFrameSource.EndIsFinal"/>).</summary>
    public Action? SourceEnded { get; set; }

    /// <summary>
    /// After the source ended for good, keep showing its last frame as NO SIGNAL (a server's viewers) rather
    /// than stop producing frames (a y4m pipe, whose reader wants the end of the stream).
    /// </summary>
    public bool HoldLastFrameAtEnd { get; set; } = true;

    /// <summary>Capture waits for the upscaler instead of dropping frames: a file or pipe transcoded to a pipe.</summary>
    public bool Lossless
    {
        get => _toUpscale.Lossless;
        set => _toUpscale.Lossless = value;
    }

    /// <summary>The upscaler failed; the pipeline stopped processing.</summary>
    public Action<Exception>? Faulted { get; set; }

    public IReadOnlyList<FrameSink> Sinks => _sinks;

    /// <summary>The pooled frames: what the source writes into, and what the upscaler writes for the sinks.</summary>
    public FrameRing CapturedFrames => _captured;
    public FrameRing UpscaledFrames => _upscaled;

    /// <summary>Which branch each cell of the newest frame went to (/classes).</summary>
    public ClassMapState ClassMap() => _classMap.State();

    /// <summary>What the frame-budget controller holds to; a change applies between two frames (SIGHUP).</summary>
    public BudgetOptions Budget
    {
        get => _budgetOptions;
        set => _budgetOptions = value;
    }

    /// <summary>The source is delivering frames (false while NO SIGNAL is shown).</summary>
    public bool Signal => _signal;

    /// <summary>Frames upscaled so far; a watchdog reads it to tell a working pipeline from a stuck one.</summary>
    public long ProcessedFrames => Interlocked.Read(ref _processed);

    /// <summary>The upscaler in use (it changes after <see cref="ReplaceUpscaler"/> takes effect).</summary>
    public Upscaler Upscaler => _upscaler;

    /// <summary>
    /// Called on the upscale thread with an upscaler it will never touch again (replaced, or superseded before
    /// it was used), so its owner can free it.
    /// </summary>
    public Action<Upscaler>? Retired { get; set; }

    /// <summary>
    /// Switches to <paramref name="next"/> between two frames: the upscale thread is the only one that touches
    /// an upscaler, so the switch happens there rather than under a lock on every frame.
    /// </summary>
    public void ReplaceUpscaler(Upscaler next)
    {
        if (Interlocked.Exchange(ref _pendingUpscaler, next) is { } superseded)
            Retired?.Invoke(superseded);
    }

    public void Start()
    {
        foreach (var s in _sinks)
            s.Start();
        _upscale = new Thread(UpscaleLoop) { IsBackground = true, Name = "classsr-upscale" };
        _capture = new Thread(CaptureLoop) { IsBackground = true, Name = "classsr-capture" };
        _upscale.Start();
        _capture.Start();
    }

    /// <summary>
    /// Stops every stage within about <paramref name="timeout"/>. A thread stuck in a blocking read (stdin,
    /// a FIFO nobody opened) is left behind; it is a background thread and dies with the process.
    /// </summary>
    public void Stop(TimeSpan timeout)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _stop.Cancel();
        _toUpscale.Close();
        _capture?.Join(Remaining(deadline));
        _upscale?.Join(Remaining(deadline));
        foreach (var s in _sinks)
            s.Stop(Remaining(deadline));
        // A replacement that arrived after the last frame was never used; its owner still has to free it.
        if (Interlocked.Exchange(ref _pendingUpscaler, null) is { } unused)
            Retired?.Invoke(unused);
    }

    static TimeSpan Remaining(long deadline) =>
        TimeSpan.FromSeconds(Math.Max(0, (deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency));

    void CaptureLoop()
    {
        var token = _stop.Token;
        var backoff = MinBackoff;
        long nextNoSignal = 0;
        bool opened = false;
        while (!token.IsCancellationRequested)
        {
            string reason;
            bool ended = false;
            try
            {
                if (opened)
                    Interlocked.Increment(ref _reopens);
                opened = true;
                _source.Open();
                ++_stream;
                _sourceWidth = _source.Width;
                _sourceHeight = _source.Height;
                if (_lastError != null)
                    _log.Info($"source {_source.Name} open again");
                while (!token.IsCancellationRequested)
                {
                    var frame = _captured.Rent();
                    frame.EnsureSize(_source.Width, _source.Height);
                    long ticks;
                    try
                    {
                        if (!_source.Read(frame.Image, out ticks, token))
                        {
                            frame.Release();
                            ended = !token.IsCancellationRequested;
                            break;
                        }
                    }
                    catch
                    {
                        frame.Release();
                        throw;
                    }
                    if (!_signal)
                    {
                        _log.Info($"source {_source.Name}: signal, {_source.Width}x{_source.Height} at {_source.Fps:0.##} fps");
                        _signal = true;
                        _lastError = null;
                    }
                    backoff = MinBackoff;
                    frame.Sequence = ++_sequence;
                    frame.CapturedTicks = ticks;
                    frame.NoSignal = false;
                    frame.Stream = _stream;
                    // Kept by reference for the NO SIGNAL card: the frame stays out of the ring until a newer one replaces it.
                    frame.AddReference();
                    _lastGood?.Release();
                    _lastGood = frame;
                    Interlocked.Increment(ref _capturedCount);
                    _capturedRate.Mark(ticks);
                    _toUpscale.Publish(frame)?.Release();
                }
                reason = "end of stream";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                reason = e.Message.TrimEnd('.');
                // Sources name themselves in their errors (the CLI prints them alone); the log line names the source already.
                if (reason.StartsWith(_source.Name + ": ", StringComparison.Ordinal))
                    reason = reason[(_source.Name.Length + 2)..];
            }
            finally
            {
                _source.Close();
            }
            if (token.IsCancellationRequested)
                break;
            bool wasSignal = _signal;
            _signal = false;
            if (ended && _source.EndIsFinal)
            {
                _ended = true;
                _lastError = "ended";
                _log.Info($"source {_source.Name} ended{(HoldLastFrameAtEnd ? "; showing the last frame as NO SIGNAL" : "")}");
                SourceEnded?.Invoke();
                while (HoldLastFrameAtEnd && !token.IsCancellationRequested)
                    WaitShowingNoSignal(TimeSpan.FromSeconds(1), ref nextNoSignal, token);
                break;
            }
            // A source that stays away would log a line per retry; log when the reason changes.
            if (wasSignal || reason != _lastError)
                _log.Warn($"source {_source.Name}: {reason}; NO SIGNAL, retrying in {backoff.TotalSeconds:0.##} s (up to {MaxBackoff.TotalSeconds:0} s)");
            _lastError = reason;
            WaitShowingNoSignal(backoff, ref nextNoSignal, token);
            backoff = backoff * 2 > MaxBackoff ? MaxBackoff : backoff * 2;
        }
    }

    /// <summary>Waits, republishing the last good frame with a NO SIGNAL banner once a second.</summary>
    void WaitShowingNoSignal(TimeSpan duration, ref long nextNoSignal, CancellationToken token)
    {
        long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (!token.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= nextNoSignal)
            {
                PublishNoSignal(now);
                nextNoSignal = now + NoSignalPeriod;
            }
            long until = Math.Min(end, nextNoSignal);
            if (until <= now)
                break;
            if (token.WaitHandle.WaitOne(TimeSpan.FromSeconds((until - now) / (double)Stopwatch.Frequency)))
                break;
            if (Stopwatch.GetTimestamp() >= end)
                break;
        }
    }

    void PublishNoSignal(long now)
    {
        var frame = _captured.Rent();
        if (_lastGood is { } last)
            frame.CopyFrom(last);
        else
        {
            // Never had a picture: a grey field of the size the source would have had.
            frame.EnsureSize(_sourceWidth > 0 ? _sourceWidth : SyntheticSource.DefaultWidth,
                _sourceHeight > 0 ? _sourceHeight : SyntheticSource.DefaultHeight);
            frame.Image.Range = ColorRange.Limited;
            frame.Image.Y.AsSpan().Fill(96);
            frame.Image.U.AsSpan().Fill(128);
            frame.Image.V.AsSpan().Fill(128);
        }
        NoSignalBanner.Draw(frame.Image);
        frame.NoSignal = true;
        frame.Stream = ++_stream;
        frame.Sequence = ++_sequence;
        frame.CapturedTicks = now;
        _toUpscale.Publish(frame)?.Release();
    }

    void UpscaleLoop()
    {
        long stream = -1;
        try
        {
            while (_toUpscale.TryTake(out var input))
            {
                var output = _upscaled.Rent();
                if (Interlocked.Exchange(ref _pendingUpscaler, null) is { } next)
                {
                    var old = _upscaler;
                    _upscaler = next;
                    _log.Info($"now upscaling with {next.Mode.ToString().ToLowerInvariant()}, {next.Precision.ToString().ToLowerInvariant()}");
                    Retired?.Invoke(old);
                    // Its reuse setting decides the controller's first level: a new controller for it.
                    _budget = null;
                }
                var budgetOptions = _budgetOptions;
                double? budgetMs = budgetOptions.BudgetFor(_source.Fps);
                if (budgetMs is null || _budget is { } b0 && b0.CanDefer != _upscaler.ReuseActive)
                    _budget = null;
                if (budgetMs is { } ms0 && _budget is null)
                    _budgetView = _budget = new FrameBudget(ms0, _upscaler.ReuseActive, _upscaler.Mode == UpscaleMode.ClassSR);
                if (_budget is null)
                    _budgetView = null;
                _upscaler.Dial = _budget?.Dial ?? QualityDial.Full;
                var lr = input.Image;
                // Temporal reuse: what the engine cached belongs to another stream (a reopened source, the NO SIGNAL card).
                if (input.Stream != stream)
                {
                    _upscaler.ResetHistory();
                    stream = input.Stream;
                }
                _upscaler.Upscale(lr, output.Result);
                long done = Stopwatch.GetTimestamp();
                output.Sequence = input.Sequence;
                output.CapturedTicks = input.CapturedTicks;
                output.NoSignal = input.NoSignal;
                output.Stream = input.Stream;
                output.UpscaledTicks = done;
                output.AttachSource(input);
                input.Release();
                var st = output.Stats;
                output.UpscaleMs = st.TotalMs;
                _upscaleMs.Add(st.TotalMs);
                output.HoldLevel = _budget?.Level ?? 0;
                if (_budget is { } budget && !input.NoSignal)
                {
                    budget.BudgetMs = budgetMs!.Value;
                    int was = budget.Level;
                    budget.Observe(st.TotalMs, st.AllCheapest);
                    if ((was == 0) != (budget.Level == 0))
                        HoldChanged(budget, st.TotalMs, done);
                }
                lock (_statsGate)
                {
                    for (int k = 0; k < 3; k++)
                        _shares[k] = st.Share(k);
                    _macsRatio = st.MacsRatio;
                    _reusedShare = st.ReusedShare;
                    _reusedMean.Add(st.ReusedShare);
                    if (st.CacheReset) _cacheResets++;
                }
                _classMap.Keep(output);
                _outWidth = output.Image.Width;
                _outHeight = output.Image.Height;
                Interlocked.Increment(ref _processed);
                _processedRate.Mark(done);
                foreach (var sink in _sinks)
                    sink.Offer(output);
                output.Release();
            }
        }
        catch (Exception e)
        {
            _log.Error($"upscaler failed: {e.Message}");
            Faulted?.Invoke(e);
        }
    }

    /// <summary>Logs the start and end of holding; the cause is read off this thread (it samples the CPU for half a second).</summary>
    void HoldChanged(FrameBudget budget, double ms, long now)
    {
        var inv = CultureInfo.InvariantCulture;
        if (budget.Level > 0)
        {
            _holdSince = now;
            _holdCause = "reading";
            string first = budget.CanDefer ? "deferring the reuse refresh, then moving cells to cheaper branches" : "moving cells to cheaper branches";
            string head = string.Create(inv, $"holding {_budgetOptions.TargetText} fps: upscale {ms:0.0} ms over a {budget.BudgetMs:0.0} ms budget; {first}");
            ThreadPool.QueueUserWorkItem(_ =>
            {
                var a = _cause.Sample();
                Thread.Sleep(500);
                string cause = _cause.Describe(a, _cause.Sample(), Environment.ProcessorCount);
                _holdCause = cause;
                _log.Info($"{head}; cause: {cause}");
            });
        }
        else
        {
            double held = (now - _holdSince) / (double)Stopwatch.Frequency;
            _holdCause = null;
            _log.Info(string.Create(inv, $"stopped holding after {held:0.0} s: full quality again ({budget.LateFrames} frames late so far)"));
        }
    }

    public PipelineState Snapshot()
    {
        long now = Stopwatch.GetTimestamp();
        double s0, s1, s2, macs, reused, reusedMean;
        long resets;
        lock (_statsGate)
            (s0, s1, s2, macs, reused, reusedMean, resets) = (_shares[0], _shares[1], _shares[2], _macsRatio, _reusedShare, _reusedMean.Value, _cacheResets);
        var up = _upscaler;
        var drops = new Dictionary<string, long> { ["upscale"] = _toUpscale.Dropped };
        foreach (var s in _sinks)
            drops[s.Stage] = s.Dropped;
        return new PipelineState
        {
            Source = new SourceState
            {
                Name = _source.Name,
                Width = _sourceWidth,
                Height = _sourceHeight,
                Fps = _source.Fps,
                Signal = _signal,
                Ended = _ended,
                CorruptFrames = _source.CorruptFrames,
                Reopens = Interlocked.Read(ref _reopens),
                LastError = _lastError,
            },
            Output = new FrameSize { Width = _outWidth, Height = _outHeight },
            Mode = _upscaler.Mode.ToString().ToLowerInvariant(),
            Precision = _upscaler.Precision.ToString().ToLowerInvariant(),
            Scale = _upscaler.Scale,
            NoSignal = !_signal,
            UptimeSeconds = (now - _startTicks) / (double)Stopwatch.Frequency,
            Fps = new StageFigures { Captured = _capturedRate.Rate(now), Processed = _processedRate.Rate(now) },
            Frames = new StageCounts { Captured = Interlocked.Read(ref _capturedCount), Processed = Interlocked.Read(ref _processed) },
            Drops = drops,
            Classes = new ClassShares { Simple = s0, Medium = s1, Hard = s2 },
            MacsRatio = macs,
            Reuse = new ReuseState
            {
                Enabled = up.ReuseActive,
                CellsReused = reused,
                CellsReusedMean = reusedMean,
                RefreshEvery = up.ReuseActive ? up.Options.RefreshEvery : 0,
                Threshold = up.ReuseActive ? up.Options.ReuseThreshold : 0,
                CacheResets = resets,
            },
            LatencyMs = new LatencyFigures { Upscale = _upscaleMs.Value },
            Hold = HoldSnapshot(now),
            Rings = new Dictionary<string, RingState>
            {
                [_captured.Name] = RingState.Of(_captured),
                [_upscaled.Name] = RingState.Of(_upscaled),
            },
            Memory = MemoryState.Now(),
        };
    }

    HoldState HoldSnapshot(long now)
    {
        var o = _budgetOptions;
        // Turned off by a reload: the controller goes at the next frame, and /state says so at once rather than show
        // the old controller's level beside the new target (seen with the shipped models' slower frames).
        var b = o.BudgetFor(_source.Fps) is null ? null : _budgetView;
        var dial = b?.Dial ?? QualityDial.Full;
        double fps = o.TargetFps ?? _source.Fps;
        return new HoldState
        {
            Target = o.TargetText,
            TargetFps = o.Enabled ? fps : 0,
            BudgetMs = o.BudgetFor(_source.Fps) ?? 0,
            AchievedFps = _processedRate.Rate(now),
            Level = b?.Level ?? 0,
            MaxLevel = b?.MaxLevel ?? 0,
            ClassBias = dial.Cheaper,
            DeferRefresh = dial.DeferRefresh,
            Holding = b is { Level: > 0 },
            LateFrames = b?.LateFrames ?? 0,
            Dropped = _toUpscale.Dropped,
            Cause = b is { Level: > 0 } ? _holdCause : null,
        };
    }

    public void Dispose()
    {
        _stop.Dispose();
        foreach (var s in _sinks)
            s.Dispose();
    }
}
