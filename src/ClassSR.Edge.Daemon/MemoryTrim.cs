using System.Runtime;

namespace ClassSR.Edge.Daemon;

/// <summary>
/// Gives memory back to the system after clients leave. The frame path allocates nothing after warm-up, so the GC
/// never runs by itself and the buffers of departed clients (large objects) would stay resident for good; a
/// compacting collection and glibc's malloc_trim, at most every few seconds, return them.
/// </summary>
public static class MemoryTrim
{
    static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(2);
    static long _next;
    static int _pending;

    /// <summary>Asks for a trim soon: a burst of departures makes one collection, on a pool thread.</summary>
    public static void Request()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 1)
            return;
        long now = Environment.TickCount64;
        long wait = Math.Max(0, Interlocked.Read(ref _next) - now);
        _ = Task.Delay(TimeSpan.FromMilliseconds(wait) + TimeSpan.FromMilliseconds(200)).ContinueWith(_ =>
        {
            Volatile.Write(ref _pending, 0);
            Interlocked.Exchange(ref _next, Environment.TickCount64 + (long)MinInterval.TotalMilliseconds);
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            // Native memory too (sockets, Kestrel's buffers, the threads of departed clients): glibc keeps what was freed.
            try
            {
                IO.Libc.MallocTrim(0);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                // Not glibc (musl has no malloc_trim): nothing to do.
            }
        }, TaskScheduler.Default);
    }
}
