using System.Net.Sockets;
using ClassSR.Edge.Daemon.Pipeline;

namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>What one raw-frame client has had so far.</summary>
public readonly record struct FrameSocketClientState(long Id, long Sent, long Dropped);

/// <summary>
/// Upscaled frames, uncompressed, on a Unix domain socket for other local processes: each frame is a
/// <see cref="FrameHeader"/> followed by the I420 planes. Every client has its own thread and one-frame
/// slot, so a client that stops reading loses frames (counted for it) and delays nobody else.
/// </summary>
public sealed class FrameSocketSink : FrameSink
{
    /// <summary>In the directory systemd makes for the service (RuntimeDirectory=classsr-edge).</summary>
    public const string DefaultPath = "/run/classsr-edge/frames.sock";
    static readonly TimeSpan ClientStopWait = TimeSpan.FromMilliseconds(200);

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
            // The unit's UMask=0077 would leave the socket to its DynamicUser alone; local readers are the point, and
            // any local user already sees the same frames on the loopback HTTP server. The directory's mode
            // (RuntimeDirectoryMode) is where access gets narrowed.
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite
                    | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
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
        _log.Info($"raw-frame client {client.Id} left: {client.Sent} frames sent, {client.Dropped} dropped while it was busy");
    }

    protected override bool Idle => _clients.Length == 0;

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

    /// <summary>One connection: a sender thread fed through a newest-wins slot.</summary>
    sealed class Client(long id, Socket socket, FrameSocketSink owner)
    {
        readonly FrameSlot<Message> _slot = new(new Message());
        Message _incoming = new(), _sending = new();
        Thread? _thread;
        long _sent;

        public long Id => id;
        public long Sent => Interlocked.Read(ref _sent);
        public long Dropped => _slot.Dropped;

        public void Start()
        {
            _thread = new Thread(Run) { IsBackground = true, Name = $"classsr-socket-{id}" };
            _thread.Start();
        }

        /// <summary>On the sink's thread: the copy is what lets a slow client fall behind on its own.</summary>
        public void Offer(PipelineFrame frame)
        {
            _incoming.Fill(frame);
            _slot.Publish(ref _incoming);
        }

        void Run()
        {
            try
            {
                while (_slot.TryTake(ref _sending))
                {
                    var data = _sending.Bytes.AsSpan(0, _sending.Length);
                    while (!data.IsEmpty)
                        data = data[socket.Send(data)..];
                    Interlocked.Increment(ref _sent);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The reader went away, or Stop closed the socket under a blocked send.
            }
            finally
            {
                socket.Dispose();
                owner.Remove(this);
            }
        }

        public void Close()
        {
            _slot.Close();
            // Unblocks a send into a full socket buffer: a stalled reader must not hold up shutdown.
            socket.Dispose();
        }

        public void Join(TimeSpan timeout) => _thread?.Join(timeout);
    }

    /// <summary>A whole message (header and planes) ready to send; reallocated only when the frame size changes.</summary>
    sealed class Message
    {
        public byte[] Bytes = [];
        public int Length;

        public void Fill(PipelineFrame frame)
        {
            var image = frame.Image;
            Length = FrameHeader.Size + FrameHeader.PayloadLength(image);
            if (Bytes.Length != Length)
                Bytes = new byte[Length];
            var span = Bytes.AsSpan();
            FrameHeader.Write(span, frame);
            int at = FrameHeader.Size;
            image.Y.CopyTo(span[at..]);
            at += image.Y.Length;
            image.U.CopyTo(span[at..]);
            at += image.U.Length;
            image.V.CopyTo(span[at..]);
        }
    }
}
