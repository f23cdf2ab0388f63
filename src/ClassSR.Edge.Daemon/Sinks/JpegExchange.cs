using System.Diagnostics;
using ClassSR.Edge.Daemon.Pipeline;

namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>An encoded frame shared by the clients sending it; back to the pool when the last one lets go.</summary>
public sealed class EncodedFrame
{
    public byte[] Data = [];
    public int Length;
    public long Sequence;
    public long CapturedTicks, UpscaledTicks, EncodedTicks;
    public double UpscaleMs, EncodeMs;
    public int Width, Height;
    public bool NoSignal;
    internal int References;

    public ReadOnlyMemory<byte> Jpeg => Data.AsMemory(0, Length);
}

/// <summary>One /stream connection: its own wake-up signal (its one-frame slot is "the newest frame") and figures.</summary>
public sealed class StreamClient(long id, string remote)
{
    internal readonly AsyncSignal Signal = new();
    public readonly RateMeter Rate = new();
    public long Id { get; } = id;
    public string Remote { get; } = remote;
    public long ConnectedTicks { get; } = Stopwatch.GetTimestamp();
    /// <summary>From capture to the frame's bytes handed to the socket, smoothed; written by the client's loop only.</summary>
    public readonly Ewma CaptureToSentMs = new();
    public long LastSequence;
    public long Sent, Skipped;

    /// <summary>
    /// Frames this client missed so far, <paramref name="latest"/> being the exchange's newest: also those published while
    /// it is still stuck writing an older one (a stalled client would otherwise show 0 until it moves again).
    /// </summary>
    public long SkippedNow(long latest)
    {
        long last = Volatile.Read(ref LastSequence);
        return Interlocked.Read(ref Skipped) + (last > 0 ? Math.Max(0, latest - last - 1) : 0);
    }
}

/// <summary>
/// Hands the newest JPEG to every client without copying it per client: frames are reference counted and lent by a
/// <see cref="Ring{T}"/> as the pipeline's pictures are, so a client stuck in a write keeps only the frame it is
/// writing, while the encoder moves on with other buffers and the other clients take newer frames. The ring settles at
/// the clients' peak (about clients + 2 frames) and lets go of what departed clients pinned within a few seconds.
/// </summary>
/// <param name="decayWindow">The ring's window (tests shorten it); null: <see cref="Ring.DecayWindow"/>.</param>
public sealed class JpegExchange(TimeSpan? decayWindow = null)
{
    /// <summary>Buffers kept idle beyond the clients' peak (a JPEG is about a tenth of its raw frame).</summary>
    public const int Spares = 2;

    readonly Lock _gate = new();
    readonly Ring<EncodedFrame> _pool = new("jpeg", () => new EncodedFrame(), Spares, decayWindow);
    readonly List<StreamClient> _clients = [];
    readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    EncodedFrame? _latest;
    long _sequence;
    // Process-wide, so clients of different exchanges (the ClassSR and the bicubic view) never share an id.
    static long _nextClientId;

    /// <summary>The newest frame's sequence number (0 before the first).</summary>
    public long Sequence
    {
        get
        {
            lock (_gate)
                return _sequence;
        }
    }

    /// <summary>True while a stream client is registered (the encoder may skip work nobody would see).</summary>
    public bool HasClients
    {
        get
        {
            lock (_gate)
                return _clients.Count > 0;
        }
    }

    /// <summary>A buffer for the encoder to fill; it belongs to the caller until <see cref="Publish"/>.</summary>
    public EncodedFrame Rent()
    {
        var f = _pool.Rent(out _);
        lock (_gate)
            f.References = 1;
        return f;
    }

    /// <summary>Makes <paramref name="frame"/> the newest and wakes every client.</summary>
    public void Publish(EncodedFrame frame)
    {
        lock (_gate)
        {
            frame.Sequence = ++_sequence;
            var old = _latest;
            _latest = frame;
            if (old != null)
                ReleaseLocked(old);
            foreach (var c in _clients)
                c.Signal.Set();
        }
        _first.TrySetResult();
    }

    /// <summary>The newest frame, held until <see cref="Release"/>; null before the first frame.</summary>
    public EncodedFrame? Acquire()
    {
        lock (_gate)
        {
            if (_latest is { } f)
                f.References++;
            return _latest;
        }
    }

    public void Release(EncodedFrame frame)
    {
        lock (_gate)
            ReleaseLocked(frame);
    }

    void ReleaseLocked(EncodedFrame frame)
    {
        if (--frame.References == 0)
            _pool.Return(frame);
    }

    /// <summary>Waits for the first frame (a /snapshot right after start-up); false on timeout.</summary>
    public async Task<bool> WaitForFirstAsync(TimeSpan timeout, CancellationToken cancel)
    {
        try
        {
            await _first.Task.WaitAsync(timeout, cancel).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public StreamClient Register(string remote)
    {
        lock (_gate)
        {
            var c = new StreamClient(Interlocked.Increment(ref _nextClientId), remote);
            _clients.Add(c);
            // A frame already there goes out at once rather than at the next publish.
            if (_latest != null)
                c.Signal.Set();
            return c;
        }
    }

    public void Unregister(StreamClient client)
    {
        lock (_gate)
            _clients.Remove(client);
        // The ring grew for the clients there were (a stalled one holds the frame it is writing); the short window lets
        // what the ones left cannot use go back to the runtime, so memory returns after a crowd leaves.
        Ring.ClientLeft();
    }

    /// <summary>Lets every pooled frame go (a view nobody watches); the newest stays, for a snapshot.</summary>
    public void DropPooled() => _pool.Trim(keep: 0);

    /// <summary>Frames waiting in the pool, lent out, made and let go: the ring's figures.</summary>
    public int PooledFrames => _pool.Idle;
    public int LiveFrames => _pool.Live;
    public long FramesMade => _pool.Allocations;
    public RingState RingFigures => RingState.Of(_pool);

    /// <summary>Wakes every client so each notices a stop.</summary>
    public void WakeAll()
    {
        lock (_gate)
            foreach (var c in _clients)
                c.Signal.Set();
    }

    public StreamClient[] Clients()
    {
        lock (_gate)
            return [.. _clients];
    }
}
