using System.Runtime.InteropServices;

namespace ClassSR.Edge.IO.Framebuffer;

// The kernel's fbdev ABI (include/uapi/linux/fb.h), laid out as C lays it out: sequential with natural
// alignment, so `unsigned long` is nuint and fb_fix_screeninfo is 80 bytes on 64-bit and 68 on 32-bit.

/// <summary>struct fb_bitfield: where one colour channel sits in a pixel.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FbBitfield
{
    public uint Offset;
    public uint Length;
    /// <summary>Non-zero: the most significant bit is on the right, which no supported format uses.</summary>
    public uint MsbRight;

    public FbBitfield(uint offset, uint length) => (Offset, Length, MsbRight) = (offset, length, 0);
}

/// <summary>struct fb_var_screeninfo (160 bytes), read with FBIOGET_VSCREENINFO.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FbVarScreenInfo
{
    public uint XRes, YRes;
    public uint XResVirtual, YResVirtual;
    /// <summary>Where the visible area starts inside the virtual one (panning, double buffering).</summary>
    public uint XOffset, YOffset;
    public uint BitsPerPixel;
    /// <summary>0 colour, 1 grayscale, more a FOURCC: anything but 0 is not a format this writes.</summary>
    public uint Grayscale;
    public FbBitfield Red, Green, Blue, Transp;
    public uint NonStd;
    public uint Activate;
    public uint HeightMm, WidthMm;
    public uint AccelFlags;
    public uint PixClock, LeftMargin, RightMargin, UpperMargin, LowerMargin, HsyncLen, VsyncLen, Sync, VMode;
    public uint Rotate;
    public uint Colorspace;
    public unsafe fixed uint Reserved[4];
}

/// <summary>struct fb_fix_screeninfo, read with FBIOGET_FSCREENINFO.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FbFixScreenInfo
{
    public unsafe fixed byte Id[16];
    public nuint SmemStart;
    /// <summary>The length to mmap.</summary>
    public uint SmemLen;
    public uint Type;
    public uint TypeAux;
    public uint Visual;
    public ushort XPanStep, YPanStep, YWrapStep;
    /// <summary>Bytes from one row to the next, which may exceed the visible width times the pixel size.</summary>
    public uint LineLength;
    public nuint MmioStart;
    public uint MmioLen;
    public uint Accel;
    public ushort Capabilities;
    public unsafe fixed ushort Reserved[2];
}

/// <summary>Constants of linux/fb.h that the writer checks or uses.</summary>
public static class Fb
{
    public const uint IoctlGetVarScreenInfo = 0x4600; // FBIOGET_VSCREENINFO
    public const uint IoctlGetFixScreenInfo = 0x4602; // FBIOGET_FSCREENINFO
    public const uint TypePackedPixels = 0;           // FB_TYPE_PACKED_PIXELS
    public const uint VisualTrueColor = 2;            // FB_VISUAL_TRUECOLOR
    public const uint VisualDirectColor = 4;          // FB_VISUAL_DIRECTCOLOR
}
