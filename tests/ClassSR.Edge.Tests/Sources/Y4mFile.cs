using System.Text;
using ClassSR.Edge.Daemon.Sources;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Tests.Sources;

/// <summary>Writes y4m test streams, optionally with damage, frame by frame.</summary>
internal sealed class Y4mFile
{
    readonly MemoryStream _data = new();
    public int Width { get; }
    public int Height { get; }
    public Y4mChroma Chroma { get; }

    public Y4mFile(int width, int height, string fps = "10:1", Y4mChroma chroma = Y4mChroma.C420Jpeg, string extra = "")
    {
        Width = width;
        Height = height;
        Chroma = chroma;
        string c = chroma switch { Y4mChroma.C422 => "422", Y4mChroma.C420Mpeg2 => "420mpeg2", Y4mChroma.C420Paldv => "420paldv", _ => "420jpeg" };
        Raw($"YUV4MPEG2 W{width} H{height} F{fps} Ip A1:1 C{c}{extra}\n");
    }

    public int ChromaWidth => (Width + 1) / 2;
    public int ChromaRows => Chroma == Y4mChroma.C422 ? Height : (Height + 1) / 2;
    public int PayloadLength => Width * Height + 2 * ChromaWidth * ChromaRows;

    public Y4mFile Raw(string text)
    {
        _data.Write(Encoding.ASCII.GetBytes(text));
        return this;
    }

    public Y4mFile Raw(ReadOnlySpan<byte> bytes)
    {
        _data.Write(bytes);
        return this;
    }

    /// <summary>A frame whose luma is all <paramref name="luma"/>, chroma rows numbered (u = 100 + row, v = 150 + row).</summary>
    public Y4mFile Frame(byte luma, string marker = "FRAME\n", int? truncateTo = null)
    {
        Raw(marker);
        var payload = Payload(luma);
        Raw(payload.AsSpan(0, truncateTo ?? payload.Length));
        return this;
    }

    public Y4mFile Frame(YuvFrame frame)
    {
        Raw("FRAME\n");
        Raw(frame.Y);
        Raw(frame.U);
        Raw(frame.V);
        return this;
    }

    public byte[] Payload(byte luma)
    {
        var p = new byte[PayloadLength];
        p.AsSpan(0, Width * Height).Fill(luma);
        int plane = ChromaWidth * ChromaRows;
        for (int r = 0; r < ChromaRows; r++)
        {
            p.AsSpan(Width * Height + r * ChromaWidth, ChromaWidth).Fill((byte)(100 + r));
            p.AsSpan(Width * Height + plane + r * ChromaWidth, ChromaWidth).Fill((byte)(150 + r));
        }
        return p;
    }

    public byte[] ToArray() => _data.ToArray();

    public string Save(string dir, string name = "in.y4m")
    {
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, ToArray());
        return path;
    }
}
