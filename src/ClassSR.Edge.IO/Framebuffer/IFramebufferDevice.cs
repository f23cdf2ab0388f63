namespace ClassSR.Edge.IO.Framebuffer;

/// <summary>
/// A framebuffer as the writer sees it: its two screen infos and its memory. Behind an interface so the
/// writer runs against a memory buffer where there is no /dev/fb (tests, machines without a display).
/// </summary>
public interface IFramebufferDevice : IDisposable
{
    /// <summary>For messages: the device path, or what the twin stands for.</summary>
    string Name { get; }
    FbVarScreenInfo Variable { get; }
    FbFixScreenInfo Fixed { get; }
    /// <summary>All of smem_len; valid until Dispose.</summary>
    Span<byte> Memory { get; }
}
