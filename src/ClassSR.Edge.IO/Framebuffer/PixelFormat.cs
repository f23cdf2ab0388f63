namespace ClassSR.Edge.IO.Framebuffer;

/// <summary>
/// How an 8-bit R, G, B triple becomes one framebuffer pixel: RGB565 (16 bpp, 5/6/5 bits) or XRGB8888 (32 bpp,
/// 8 bits each), with the channel positions the driver reports, so BGR orders work too.
/// </summary>
public readonly struct PixelFormat
{
    public int BytesPerPixel { get; }
    readonly int _redShift, _greenShift, _blueShift;
    readonly int _redDrop, _greenDrop, _blueDrop;
    /// <summary>All alpha bits set, so a driver that honours alpha shows the picture opaque.</summary>
    public uint Opaque { get; }
    public string Name { get; }

    PixelFormat(int bytes, in FbVarScreenInfo v, string name)
    {
        BytesPerPixel = bytes;
        (_redShift, _greenShift, _blueShift) = ((int)v.Red.Offset, (int)v.Green.Offset, (int)v.Blue.Offset);
        (_redDrop, _greenDrop, _blueDrop) = (8 - (int)v.Red.Length, 8 - (int)v.Green.Length, 8 - (int)v.Blue.Length);
        Opaque = v.Transp.Length == 0 ? 0 : ((1u << (int)v.Transp.Length) - 1) << (int)v.Transp.Offset;
        Name = name;
    }

    public uint Pack(int r, int g, int b) =>
        Opaque | (uint)(r >> _redDrop) << _redShift | (uint)(g >> _greenDrop) << _greenShift | (uint)(b >> _blueDrop) << _blueShift;

    /// <exception cref="NotSupportedException">Not RGB565 or XRGB8888 packed true colour; the message says what it is.</exception>
    public static PixelFormat Of(in FbVarScreenInfo v, in FbFixScreenInfo f, string device)
    {
        string found = $"{v.BitsPerPixel} bpp, red {v.Red.Length}@{v.Red.Offset}, green {v.Green.Length}@{v.Green.Offset}, blue {v.Blue.Length}@{v.Blue.Offset}";
        string Reject(string why) => $"{device}: {why} ({found}); supported: RGB565 and XRGB8888 packed true colour";
        if (f.Type != Fb.TypePackedPixels)
            throw new NotSupportedException(Reject($"pixels are not packed (type {f.Type})"));
        if (f.Visual is not (Fb.VisualTrueColor or Fb.VisualDirectColor))
            throw new NotSupportedException(Reject($"not a true-colour visual (visual {f.Visual}, a palette?)"));
        if (v.Grayscale != 0 || v.NonStd != 0)
            throw new NotSupportedException(Reject("grayscale or a non-standard pixel format"));
        if (v.Red.MsbRight != 0 || v.Green.MsbRight != 0 || v.Blue.MsbRight != 0)
            throw new NotSupportedException(Reject("bit order is reversed"));
        var lengths = (v.Red.Length, v.Green.Length, v.Blue.Length);
        var format = (v.BitsPerPixel, lengths) switch
        {
            (16, (5, 6, 5)) => new PixelFormat(2, v, "RGB565"),
            (32, (8, 8, 8)) => new PixelFormat(4, v, "XRGB8888"),
            _ => throw new NotSupportedException(Reject("unsupported pixel format")),
        };
        uint bits = v.BitsPerPixel;
        bool Fits(FbBitfield b) => b.Offset + b.Length <= bits;
        if (!Fits(v.Red) || !Fits(v.Green) || !Fits(v.Blue) || (v.Transp.Length > 0 && !Fits(v.Transp)))
            throw new NotSupportedException(Reject("a channel lies outside the pixel"));
        return format;
    }
}
