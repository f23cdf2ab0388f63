using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.IO.V4l2;
using Xunit;

namespace ClassSR.Edge.Tests.V4l2;

/// <summary>The struct layouts and ioctl numbers against linux/videodev2.h on 64-bit Linux.</summary>
public unsafe class V4l2AbiTests
{
    [Fact]
    public void Structs_have_the_kernel_sizes()
    {
        // sizeof() in C on arm64 and x86-64 (gcc, linux/videodev2.h).
        Assert.Equal(104, sizeof(V4l2Capability));
        Assert.Equal(64, sizeof(V4l2FmtDesc));
        Assert.Equal(48, sizeof(V4l2PixFormat));
        Assert.Equal(208, sizeof(V4l2Format));
        Assert.Equal(8, sizeof(V4l2Fract));
        Assert.Equal(204, sizeof(V4l2StreamParm));
        Assert.Equal(20, sizeof(V4l2RequestBuffers));
        Assert.Equal(88, sizeof(V4l2Buffer));
        Assert.Equal(104, System.Runtime.InteropServices.Marshal.SizeOf<V4l2Capability>());
        Assert.Equal(88, System.Runtime.InteropServices.Marshal.SizeOf<V4l2Buffer>());
    }

    [Fact]
    public void Fields_sit_at_the_kernel_offsets()
    {
        // offsetof() in C; the ones the driver code reads or writes, checked by writing through a byte view.
        var buf = new V4l2Buffer { Sequence = 0x11223344, Offset = 0x55667788, Length = 0x99AABBCC, TimestampSeconds = 7 };
        var bytes = new ReadOnlySpan<byte>(&buf, sizeof(V4l2Buffer));
        Assert.Equal(0x11223344u, BitConverter.ToUInt32(bytes[56..]));
        Assert.Equal(0x55667788u, BitConverter.ToUInt32(bytes[64..]));
        Assert.Equal(0x99AABBCCu, BitConverter.ToUInt32(bytes[72..]));
        Assert.Equal(7L, BitConverter.ToInt64(bytes[24..]));

        var fmt = new V4l2Format { Type = 2 };
        fmt.Pix.Width = 1280;
        fmt.Pix.SizeImage = 99;
        fmt.Pix.Quantization = 5;
        var f = new ReadOnlySpan<byte>(&fmt, sizeof(V4l2Format));
        Assert.Equal(1280u, BitConverter.ToUInt32(f[8..]));
        Assert.Equal(99u, BitConverter.ToUInt32(f[(8 + 20)..]));
        Assert.Equal(5u, BitConverter.ToUInt32(f[(8 + 40)..]));

        var parm = new V4l2StreamParm { Capability = 0x1000, TimePerFrame = new V4l2Fract { Numerator = 1, Denominator = 30 } };
        var p = new ReadOnlySpan<byte>(&parm, sizeof(V4l2StreamParm));
        Assert.Equal(0x1000u, BitConverter.ToUInt32(p[4..]));
        Assert.Equal(30u, BitConverter.ToUInt32(p[16..]));

        var cap = new V4l2Capability { Capabilities = 0x84000001, DeviceCaps = 0x04000001 };
        var c = new ReadOnlySpan<byte>(&cap, sizeof(V4l2Capability));
        Assert.Equal(0x84000001u, BitConverter.ToUInt32(c[84..]));
        Assert.Equal(0x04000001u, BitConverter.ToUInt32(c[88..]));
        Assert.Equal(0x04000001u, cap.NodeCaps);

        var desc = new V4l2FmtDesc { PixelFormat = V4l2Abi.PixFmtMjpeg };
        Assert.Equal(V4l2Abi.PixFmtMjpeg, BitConverter.ToUInt32(new ReadOnlySpan<byte>(&desc, 64)[44..]));
        var req = new V4l2RequestBuffers { Memory = 1, Capabilities = 9 };
        Assert.Equal(9u, BitConverter.ToUInt32(new ReadOnlySpan<byte>(&req, 20)[12..]));
    }

    [Fact]
    public void Ioctl_numbers_are_the_headers_and_follow_from_the_struct_sizes()
    {
        const uint R = V4l2Abi.IocRead, W = V4l2Abi.IocWrite, RW = R | W;
        (uint Value, uint Header, uint Computed)[] table =
        [
            (V4l2Abi.VIDIOC_QUERYCAP, 0x80685600, V4l2Abi.Ioc(R, 'V', 0, sizeof(V4l2Capability))),
            (V4l2Abi.VIDIOC_ENUM_FMT, 0xC0405602, V4l2Abi.Ioc(RW, 'V', 2, sizeof(V4l2FmtDesc))),
            (V4l2Abi.VIDIOC_G_FMT, 0xC0D05604, V4l2Abi.Ioc(RW, 'V', 4, sizeof(V4l2Format))),
            (V4l2Abi.VIDIOC_S_FMT, 0xC0D05605, V4l2Abi.Ioc(RW, 'V', 5, sizeof(V4l2Format))),
            (V4l2Abi.VIDIOC_REQBUFS, 0xC0145608, V4l2Abi.Ioc(RW, 'V', 8, sizeof(V4l2RequestBuffers))),
            (V4l2Abi.VIDIOC_QUERYBUF, 0xC0585609, V4l2Abi.Ioc(RW, 'V', 9, sizeof(V4l2Buffer))),
            (V4l2Abi.VIDIOC_QBUF, 0xC058560F, V4l2Abi.Ioc(RW, 'V', 15, sizeof(V4l2Buffer))),
            (V4l2Abi.VIDIOC_DQBUF, 0xC0585611, V4l2Abi.Ioc(RW, 'V', 17, sizeof(V4l2Buffer))),
            (V4l2Abi.VIDIOC_STREAMON, 0x40045612, V4l2Abi.Ioc(W, 'V', 18, sizeof(int))),
            (V4l2Abi.VIDIOC_STREAMOFF, 0x40045613, V4l2Abi.Ioc(W, 'V', 19, sizeof(int))),
            (V4l2Abi.VIDIOC_G_PARM, 0xC0CC5615, V4l2Abi.Ioc(RW, 'V', 21, sizeof(V4l2StreamParm))),
            (V4l2Abi.VIDIOC_S_PARM, 0xC0CC5616, V4l2Abi.Ioc(RW, 'V', 22, sizeof(V4l2StreamParm))),
        ];
        foreach (var (value, header, computed) in table)
        {
            Assert.Equal(header, value);
            Assert.Equal(header, computed);
        }
        Assert.Equal(88, V4l2Abi.IocSize(V4l2Abi.VIDIOC_DQBUF));
    }

    [Fact]
    public void Fourccs_spell_their_names()
    {
        Assert.Equal(V4l2Abi.PixFmtYuyv, V4l2Abi.FourCc("YUYV"));
        Assert.Equal(V4l2Abi.PixFmtNv12, V4l2Abi.FourCc("NV12"));
        Assert.Equal(V4l2Abi.PixFmtMjpeg, V4l2Abi.FourCc("MJPG"));
        Assert.Equal(V4l2Abi.PixFmtYuv420, V4l2Abi.FourCc("YU12"));
        Assert.Equal("MJPG", V4l2Abi.FourCcText(V4l2Abi.PixFmtMjpeg));
    }

    [Fact]
    public void The_libc_device_reaches_the_kernel()
    {
        // No camera here, but /dev/null answers the same system calls: open works, a V4L2 ioctl is ENOTTY.
        using var device = new LinuxV4l2Device();
        Assert.Equal(0, device.Open("/dev/null", Errno.ORdWr | Errno.OCloExec));
        var cap = default(V4l2Capability);
        Assert.Equal(Errno.ENOTTY, device.Ioctl(V4l2Abi.VIDIOC_QUERYCAP, ref cap));
        Assert.Equal(0, device.Write([1, 2, 3], out int written));
        Assert.Equal(3, written);
        Assert.Equal(0, device.Poll(Errno.PollIn, 0, out short revents));
        Assert.NotEqual(0, revents & Errno.PollIn);
        int wrongSize = 0;
        Assert.Throws<ArgumentException>(() => device.Ioctl(V4l2Abi.VIDIOC_QUERYCAP, ref wrongSize));
        device.Close();
        Assert.Equal(Errno.ENOENT, device.Open("/nonexistent/video0", Errno.ORdWr));

        using var source = new V4l2Source("/dev/null", new V4l2CaptureRequest(), new LinuxV4l2Device());
        Assert.Equal("/dev/null: not a V4L2 device", Assert.Throws<IOException>(source.Open).Message);
        using var missing = new V4l2Source("/nonexistent/video0", new V4l2CaptureRequest(), new LinuxV4l2Device());
        Assert.Equal("/nonexistent/video0: open: No such file or directory", Assert.Throws<V4l2Exception>(missing.Open).Message);
    }
}
