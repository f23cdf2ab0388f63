using System.Buffers.Binary;
using System.Diagnostics;
using ClassSR.Edge.Daemon.Pipeline;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Sinks;

/// <summary>
/// The fixed 48-byte little-endian header before each frame on the raw-frame socket (layout in README.md,
/// "Raw frames"). Offsets are constants so readers in other languages can be checked against them.
/// </summary>
public static class FrameHeader
{
    public const int Size = 48;
    public const ushort Version = 1;
    /// <summary>"CSRF" as it appears on the wire.</summary>
    public const uint Magic = 'C' | 'S' << 8 | 'R' << 16 | 'F' << 24;
    public const uint FormatI420 = 1;
    public const uint FlagNoSignal = 1;
    public const uint FlagFullRange = 2;

    public const int MagicOffset = 0, VersionOffset = 4, HeaderSizeOffset = 6, WidthOffset = 8, HeightOffset = 12,
        FormatOffset = 16, FlagsOffset = 20, TimestampOffset = 24, SequenceOffset = 32, PayloadLengthOffset = 40;

    public static int PayloadLength(YuvFrame image) => image.Y.Length + image.U.Length + image.V.Length;

    /// <summary>The capture time as CLOCK_MONOTONIC nanoseconds (what Stopwatch counts on Linux).</summary>
    public static long Nanoseconds(long stopwatchTicks) =>
        Stopwatch.Frequency == 1_000_000_000 ? stopwatchTicks : (long)(stopwatchTicks * (1e9 / Stopwatch.Frequency));

    public static void Write(Span<byte> header, PipelineFrame frame)
    {
        var image = frame.Image;
        uint flags = (frame.NoSignal ? FlagNoSignal : 0) | (image.Range == ColorRange.Full ? FlagFullRange : 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[MagicOffset..], Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[VersionOffset..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(header[HeaderSizeOffset..], Size);
        BinaryPrimitives.WriteUInt32LittleEndian(header[WidthOffset..], (uint)image.Width);
        BinaryPrimitives.WriteUInt32LittleEndian(header[HeightOffset..], (uint)image.Height);
        BinaryPrimitives.WriteUInt32LittleEndian(header[FormatOffset..], FormatI420);
        BinaryPrimitives.WriteUInt32LittleEndian(header[FlagsOffset..], flags);
        BinaryPrimitives.WriteInt64LittleEndian(header[TimestampOffset..], Nanoseconds(frame.CapturedTicks));
        BinaryPrimitives.WriteInt64LittleEndian(header[SequenceOffset..], frame.Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header[PayloadLengthOffset..], (uint)PayloadLength(image));
        header[(PayloadLengthOffset + 4)..Size].Clear();
    }
}
