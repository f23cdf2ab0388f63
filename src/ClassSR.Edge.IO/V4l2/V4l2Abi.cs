using System.Runtime.InteropServices;

namespace ClassSR.Edge.IO.V4l2;

/// <summary>
/// The parts of linux/videodev2.h the daemon uses, as laid out on 64-bit Linux (arm64 and x86-64 agree).
/// Ioctl numbers are literals so a switch can use them; a test recomputes each with _IOC from the struct sizes.
/// </summary>
public static class V4l2Abi
{
    public const uint VIDIOC_QUERYCAP = 0x80685600;   // _IOR('V', 0, struct v4l2_capability)
    public const uint VIDIOC_ENUM_FMT = 0xC0405602;   // _IOWR('V', 2, struct v4l2_fmtdesc)
    public const uint VIDIOC_G_FMT = 0xC0D05604;      // _IOWR('V', 4, struct v4l2_format)
    public const uint VIDIOC_S_FMT = 0xC0D05605;      // _IOWR('V', 5, struct v4l2_format)
    public const uint VIDIOC_REQBUFS = 0xC0145608;    // _IOWR('V', 8, struct v4l2_requestbuffers)
    public const uint VIDIOC_QUERYBUF = 0xC0585609;   // _IOWR('V', 9, struct v4l2_buffer)
    public const uint VIDIOC_QBUF = 0xC058560F;       // _IOWR('V', 15, struct v4l2_buffer)
    public const uint VIDIOC_DQBUF = 0xC0585611;      // _IOWR('V', 17, struct v4l2_buffer)
    public const uint VIDIOC_STREAMON = 0x40045612;   // _IOW('V', 18, int)
    public const uint VIDIOC_STREAMOFF = 0x40045613;  // _IOW('V', 19, int)
    public const uint VIDIOC_G_PARM = 0xC0CC5615;     // _IOWR('V', 21, struct v4l2_streamparm)
    public const uint VIDIOC_S_PARM = 0xC0CC5616;     // _IOWR('V', 22, struct v4l2_streamparm)

    public const uint IocWrite = 1, IocRead = 2;

    /// <summary>_IOC(dir, type, nr, size) of asm-generic/ioctl.h (arm64 and x86-64 use the generic one).</summary>
    public static uint Ioc(uint direction, char type, uint number, int size) =>
        direction << 30 | (uint)size << 16 | (uint)type << 8 | number;

    /// <summary>The argument size an ioctl number encodes.</summary>
    public static int IocSize(uint request) => (int)(request >> 16 & 0x3FFF);

    public const uint CapVideoCapture = 0x00000001;
    public const uint CapVideoOutput = 0x00000002;
    public const uint CapTimePerFrame = 0x00001000;
    public const uint CapReadWrite = 0x01000000;
    public const uint CapStreaming = 0x04000000;
    public const uint CapDeviceCaps = 0x80000000;

    public const uint BufTypeVideoCapture = 1;
    public const uint BufTypeVideoOutput = 2;
    public const uint MemoryMmap = 1;
    public const uint FieldNone = 1;
    public const uint FmtFlagCompressed = 0x0001;

    public const uint BufFlagMapped = 0x0001;
    public const uint BufFlagQueued = 0x0002;
    public const uint BufFlagDone = 0x0004;
    public const uint BufFlagError = 0x0040;

    public const uint ColorspaceSmpte170M = 1;
    public const uint QuantizationDefault = 0;
    public const uint QuantizationFullRange = 1;
    public const uint QuantizationLimRange = 2;

    public static uint FourCc(string code) =>
        code.Length == 4 ? (uint)(code[0] | code[1] << 8 | code[2] << 16 | code[3] << 24) : throw new ArgumentException($"'{code}' is not four characters");

    public const uint PixFmtYuyv = 0x56595559;   // 'YUYV'
    public const uint PixFmtNv12 = 0x3231564E;   // 'NV12'
    public const uint PixFmtMjpeg = 0x47504A4D;  // 'MJPG'
    public const uint PixFmtYuv420 = 0x32315559; // 'YU12', planar I420

    /// <summary>A fourcc as text, for messages ("YUYV"); unprintable bytes become '?'.</summary>
    public static string FourCcText(uint code)
    {
        Span<char> c = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            char ch = (char)(code >> (8 * i) & 0xFF);
            c[i] = ch is >= ' ' and <= '~' ? ch : '?';
        }
        return new string(c).TrimEnd();
    }

    /// <summary>A NUL-terminated fixed-size string field.</summary>
    public static unsafe string Text(byte* field, int size)
    {
        var span = new ReadOnlySpan<byte>(field, size);
        int end = span.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    public static unsafe void SetText(byte* field, int size, string text)
    {
        var span = new Span<byte>(field, size);
        span.Clear();
        System.Text.Encoding.UTF8.GetBytes(text.AsSpan(0, Math.Min(text.Length, size - 1)), span);
    }
}

/// <summary>struct v4l2_capability (104 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 104)]
public unsafe struct V4l2Capability
{
    [FieldOffset(0)] public fixed byte Driver[16];
    [FieldOffset(16)] public fixed byte Card[32];
    [FieldOffset(48)] public fixed byte BusInfo[32];
    [FieldOffset(80)] public uint Version;
    [FieldOffset(84)] public uint Capabilities;
    [FieldOffset(88)] public uint DeviceCaps;

    /// <summary>What this node can do: device_caps when the driver fills it, else the whole device's caps.</summary>
    public readonly uint NodeCaps => (Capabilities & V4l2Abi.CapDeviceCaps) != 0 ? DeviceCaps : Capabilities;

    /// <summary>The card name, for messages that say which device refused.</summary>
    public string CardName()
    {
        fixed (byte* card = Card)
            return V4l2Abi.Text(card, 32);
    }
}

/// <summary>struct v4l2_fmtdesc (64 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
public unsafe struct V4l2FmtDesc
{
    [FieldOffset(0)] public uint Index;
    [FieldOffset(4)] public uint Type;
    [FieldOffset(8)] public uint Flags;
    [FieldOffset(12)] public fixed byte Description[32];
    [FieldOffset(44)] public uint PixelFormat;
    [FieldOffset(48)] public uint MbusCode;
}

/// <summary>struct v4l2_pix_format (48 bytes), the single-planar member of v4l2_format's union.</summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
public struct V4l2PixFormat
{
    [FieldOffset(0)] public uint Width;
    [FieldOffset(4)] public uint Height;
    [FieldOffset(8)] public uint PixelFormat;
    [FieldOffset(12)] public uint Field;
    [FieldOffset(16)] public uint BytesPerLine;
    [FieldOffset(20)] public uint SizeImage;
    [FieldOffset(24)] public uint Colorspace;
    [FieldOffset(28)] public uint Priv;
    [FieldOffset(32)] public uint Flags;
    [FieldOffset(36)] public uint YcbcrEnc;
    [FieldOffset(40)] public uint Quantization;
    [FieldOffset(44)] public uint XferFunc;
}

/// <summary>struct v4l2_format (208 bytes): the union is 200 bytes at offset 8 (it holds pointers, so 8-aligned).</summary>
[StructLayout(LayoutKind.Explicit, Size = 208)]
public struct V4l2Format
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(8)] public V4l2PixFormat Pix;
}

/// <summary>struct v4l2_fract.</summary>
[StructLayout(LayoutKind.Explicit, Size = 8)]
public struct V4l2Fract
{
    [FieldOffset(0)] public uint Numerator;
    [FieldOffset(4)] public uint Denominator;
}

/// <summary>
/// struct v4l2_streamparm (204 bytes). v4l2_captureparm and v4l2_outputparm share the layout of the fields
/// used here (capability, mode, timeperframe), so one view serves both buffer types.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 204)]
public struct V4l2StreamParm
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(4)] public uint Capability;
    [FieldOffset(8)] public uint Mode;
    [FieldOffset(12)] public V4l2Fract TimePerFrame;
    [FieldOffset(20)] public uint ExtendedMode;
    [FieldOffset(24)] public uint Buffers;
}

/// <summary>struct v4l2_requestbuffers (20 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 20)]
public struct V4l2RequestBuffers
{
    [FieldOffset(0)] public uint Count;
    [FieldOffset(4)] public uint Type;
    [FieldOffset(8)] public uint Memory;
    [FieldOffset(12)] public uint Capabilities;
    [FieldOffset(16)] public byte Flags;
}

/// <summary>struct v4l2_buffer (88 bytes on 64-bit: struct timeval is two longs).</summary>
[StructLayout(LayoutKind.Explicit, Size = 88)]
public struct V4l2Buffer
{
    [FieldOffset(0)] public uint Index;
    [FieldOffset(4)] public uint Type;
    [FieldOffset(8)] public uint BytesUsed;
    [FieldOffset(12)] public uint Flags;
    [FieldOffset(16)] public uint Field;
    [FieldOffset(24)] public long TimestampSeconds;
    [FieldOffset(32)] public long TimestampMicroseconds;
    [FieldOffset(56)] public uint Sequence;
    [FieldOffset(60)] public uint Memory;
    /// <summary>m.offset: the cookie to pass to mmap for an MMAP buffer.</summary>
    [FieldOffset(64)] public uint Offset;
    [FieldOffset(72)] public uint Length;
    [FieldOffset(80)] public int RequestFd;
}
