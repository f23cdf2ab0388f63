namespace ClassSR.Edge.IO.Framebuffer;

/// <summary>A framebuffer in ordinary memory with the screen infos it was given, for tests and dry runs.</summary>
public sealed class SimulatedFramebuffer(FbVarScreenInfo variable, FbFixScreenInfo @fixed) : IFramebufferDevice
{
    readonly byte[] _memory = new byte[@fixed.SmemLen];

    /// <summary>A true-colour screen of <paramref name="width"/> x <paramref name="height"/>.</summary>
    /// <param name="lineLength">0: tightly packed rows.</param>
    /// <param name="pages">Virtual height in screens (2 for a double-buffered display).</param>
    public static SimulatedFramebuffer Create(int width, int height, FbVarScreenInfo format, uint lineLength = 0, uint pages = 1)
    {
        format.XRes = format.XResVirtual = (uint)width;
        format.YRes = (uint)height;
        format.YResVirtual = (uint)height * pages;
        uint stride = lineLength != 0 ? lineLength : (uint)width * format.BitsPerPixel / 8;
        var fix = new FbFixScreenInfo
        {
            Type = Fb.TypePackedPixels,
            Visual = Fb.VisualTrueColor,
            LineLength = stride,
            SmemLen = stride * format.YResVirtual,
        };
        return new SimulatedFramebuffer(format, fix);
    }

    /// <summary>The pixel layout of common RGB565 panels (SPI TFTs, the Pi's 16-bit modes).</summary>
    public static FbVarScreenInfo Rgb565 => new()
    {
        BitsPerPixel = 16, Red = new(11, 5), Green = new(5, 6), Blue = new(0, 5),
    };

    /// <summary>The layout of HDMI consoles on the Pi and Jetson: XRGB8888, blue in the lowest byte.</summary>
    public static FbVarScreenInfo Xrgb8888 => new()
    {
        BitsPerPixel = 32, Red = new(16, 8), Green = new(8, 8), Blue = new(0, 8),
    };

    public string Name => $"simulated {Variable.XRes}x{Variable.YRes}x{Variable.BitsPerPixel}";
    public FbVarScreenInfo Variable { get; set; } = variable;
    public FbFixScreenInfo Fixed { get; } = @fixed;
    public Span<byte> Memory => _memory;
    public byte[] Bytes => _memory;

    public void Dispose() { }
}
