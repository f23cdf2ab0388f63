using System.Net.Sockets;
using ClassSR.Edge.Daemon.Pipeline;

namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>What one raw-frame client has had so far.</summary>
public readonly record struct FrameSocketClientState(long Id, long Sent, long Dropped);

/// <summary>
/// Upscaled frames, uncompressed, on a Unix domain socket for other local processes: each frame is a
/// <see cref="FrameHeader"/> followed by the I420 planes. Every client has its own thread and sends the newest pooled
/// frame straight from its planes, shared with the other clients and sinks (no copy), so a client that stops reading
/// loses frames (counted for it), delays nobody else, and holds at most two frames; one that takes nothing for
/// <see cref="StalledClientTimeout"/> is disconnected, and beyond <see cref="MaxClients"/> clients are refused.
/// </summary>
public sealed class FrameSocketSink : FrameSink
{
    /// <summary>In the directory systemd makes for the service (RuntimeDirectory=classsr-edge).</summary>
    public const string DefaultPath = "/run/classsr-edge/frames.sock";
    static readonly TimeSpan ClientStopWait = TimeSpan.FromMilliseconds(200);
    /// <summary>Clients beyond this are refused (counted): each may pin up to two frames while it stalls.</summary>
    public const int MaxClients = 16;
    /// <summary>A client whose socket takes no byte for this long is disconnected, and the frame it pinned freed.</summary>
    public static readonly TimeSpan DefaultStalledClientTimeout = TimeSpan.FromSeconds(10);
    public TimeSpan StalledClientTimeout { get; init; } = DefaultStalledClientTimeout;
    long _refused;

    readonly Log _log;
    readonly Lock _clientsGate = new();
    // Replaced, never changed in place, so the sink thread walks it without a lock or a copy per frame.
    volatile Client[] _clients = [];
    Socket? _listener;
    Thread? _acceptThread;
    long _lastId;
    bool _bound;

    public FrameSocketSink(string path, Log log) : base("socket")
    {
        Path = path;
        _log = log;
    }

    public string Path { get; }

    /// <summary>References to pooled frames the clients hold now (waiting or being sent): at most two per client.</summary>
    public int HeldFrames => _clients.Sum(c => c.Held);

    /// <summary>Connections refused because <see cref="MaxClients"/> were connected.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public IReadOnlyList<FrameSocketClientState> Clients =>
        [.. _clients.Select(c => new FrameSocketClientState(c.Id, c.Sent, c.Dropped))];

    /// <summary>
    /// Binds the socket (before the pipeline runs, so a bad path fails start-up early). A socket file left by
    /// a daemon that died is removed; one that still answers belongs to a running daemon and is an error.
    /// </summary>
    /// <exception cref="IOException">The path cannot be bound.</exception>
    public void Bind()
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            RemoveStaleSocket(Path);
            listener.Bind(new UnixDomainSocketEndPoint(Path));
            _bound = true;
            // Owner and group: a reader joins the service's group (classsr-edge under the unit). Open to every local
            // user, any of them could pin frames in the daemon's memory.
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            listener.Listen(8);
        }
        catch (Exception e) when (e is SocketException or UnauthorizedAccessException or IOException)
        {
            listener.Dispose();
            RemoveSocketFile();
            throw e is IOException io ? io : new IOException($"cannot serve raw frames on {Path}: {e.Message}", e);
        }
        _listener = listener;
    }

    static void RemoveStaleSocket(string path)
    {
        if (!File.Exists(path))
            return;
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"{path} is in use by another process (another daemon?); choose another --frames-socket or none");
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                // Nobody listens: the file outlived its daemon.
            }
        }
        File.Delete(path);
    }

    public override void Start()
    {
        if (_listener is null)
            Bind();
        base.Start();
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = "classsr-socket-accept" };
        _acceptThread.Start();
        _log.Info($"raw frames on {Path}");
    }

    void AcceptLoop()
    {
        var listener = _listener!;
        while (true)
        {
            Socket socket;
            try
            {
                socket = listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // closed by Stop
            }
            if (_clients.Length >= MaxClients)
            {
                // Refused politely: the connection closes at once, and the count shows in /state and /metrics.
                Interlocked.Increment(ref _refused);
                _log.Warn($"raw-frame client refused: {MaxClients} already connected");
                socket.Dispose();
                continue;
            }
            var client = new Client(++_lastId, socket, this);
            lock (_clientsGate)
                _clients = [.. _clients, client];
            _log.Info($"raw-frame client {client.Id} connected ({_clients.Length} now)");
            client.Start();
        }
    }

    void Remove(Client client)
    {
        lock (_clientsGate)
        {
            if (!_clients.Contains(client))
                return;
            _clients = [.. _clients.Where(c => c != client)];
        }
        // The frames it held went back to the pipeline's ring when it let go of them.
        _log.Info($"raw-frame client {client.Id} left: {client.Sent} frames sent, {client.Dropped} dropped while it was busy");
        Ring.ClientLeft();
        MemoryTrim.Request();
    }

    protected override bool Idle => _clients.Length == 0;

    /// <summary>Each client's drops as a stage of its own ("socket:ID"): a slow reader is told apart from a slow pipeline.</summary>
    public override void AddTo(PipelineState state, long now)
    {
        base.AddTo(state, now);
        var clients = _clients;
        foreach (var c in clients)
            state.Drops[$"socket:{c.Id}"] = c.Dropped;
        state.Refused["socket"] = Refused;
        var sink = state.Sinks[Stage];
        sink.Clients = clients.Length;
        sink.Refused = Refused;
    }

    protected override void Consume(PipelineFrame frame)
    {
        foreach (var c in _clients)
            c.Offer(frame);
    }

    public override void Stop(TimeSpan timeout)
    {
        base.Stop(timeout);
        _listener?.Dispose();
        _acceptThread?.Join(timeout);
        Client[] clients;
        lock (_clientsGate)
            (clients, _clients) = (_clients, []);
        foreach (var c in clients)
            c.Close();
        foreach (var c in clients)
            c.Join(ClientStopWait);
        RemoveSocketFile();
    }

    void RemoveSocketFile()
    {
        if (!_bound)
            return;
        _bound = false;
        try { File.Delete(Path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { _log.Warn($"could not remove {Path}: {e.Message}"); }
    }

    public override void Dispose()
    {
        _listener?.Dispose();
        if (ThreadEnded)
            RemoveSocketFile();
    }

    /// <summary>
    /// One connection: a sender thread and the newest frame waiting for it. Frames are shared with every other client and
    /// sink, so a stalled client holds at most two references (the frame it is stuck sending and the newest), never copies.
    /// </summary>
    sealed class Client(long id, Socket socket, FrameSocketSink owner)
    {
        readonly object _gate = new(); // Monitor.Wait needs a monitor
        readonly byte[] _header = new byte[FrameHeader.Size];
        PipelineFrame? _pending;
        volatile PipelineFrame? _sending;
        bool _closed;
        Thread? _thread;
        long _sent, _dropped;

        public long Id => id;
        public long Sent => Interlocked.Read(ref _sent);
        public long Dropped => Interlocked.Read(ref _dropped);
        public int Held { get { lock (_gate) return (_pending is null ? 0 : 1) + (_sending is null ? 0 : 1); } }

        public void Start()
        {
            _thread = new Thread(Run) { IsBackground = true, Name = $"classsr-socket-{id}" };
            _thread.Start();
        }

        /// <summary>On the sink's thread: the newest frame replaces one the client has not started on.</summary>
        public void Offer(PipelineFrame frame)
        {
            frame.AddReference();
            PipelineFrame? replaced;
            lock (_gate)
            {
                if (_closed)
                    replaced = frame;
                else
                {
                    replaced = _pending;
                    _pending = frame;
                    Monitor.Pulse(_gate);
                }
            }
            if (replaced is null)
                return;
            if (replaced != frame)
                Interlocked.Increment(ref _dropped);
            replaced.Release();
        }

        /// <summary>The newest frame, waited for, now the one being sent; null once closed.</summary>
        PipelineFrame? Next()
        {
            lock (_gate)
            {
                while (_pending is null && !_closed)
                    Monitor.Wait(_gate);
                var f = _pending;
                _pending = null;
                if (!_closed)
                    return _sending = f;
                f?.Release();
                return null;
            }
        }

        void Send(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
                data = data[socket.Send(data)..];
        }

        void Run()
        {
            try
            {
                // A reader that takes nothing for this long is gone for our purposes: it would pin a frame for ever.
                socket.SendTimeout = (int)owner.StalledClientTimeout.TotalMilliseconds;
                while (Next() is { } f)
                {
                    try
                    {
                        FrameHeader.Write(_header, f);
                        Send(_header);
                        Send(f.Image.Y);
                        Send(f.Image.U);
                        Send(f.Image.V);
                    }
                    finally
                    {
                        lock (_gate)
                            _sending = null;
                        f.Release();
                    }
                    Interlocked.Increment(ref _sent);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The reader went away, stopped reading for StalledClientTimeout, or Stop closed the socket.
            }
            finally
            {
                Close();
                owner.Remove(this);
            }
        }

        public void Close()
        {
            PipelineFrame? left;
            lock (_gate)
            {
                _closed = true;
                (left, _pending) = (_pending, null);
                Monitor.PulseAll(_gate);
            }
            left?.Release();
            // Unblocks a send into a full socket buffer: a stalled reader must not hold up shutdown.
            socket.Dispose();
        }

        public void Join(TimeSpan timeout) => _thread?.Join(timeout);
    }
}
