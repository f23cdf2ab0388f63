using System.Globalization;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Sources;

/// <summary>The chroma layouts a y4m stream may carry that this reader accepts.</summary>
public enum Y4mChroma { C420Jpeg, C420Mpeg2, C420Paldv, C422 }

/// <summary>A YUV4MPEG2 stream header, parsed strictly: anything this reader would misinterpret is refused.</summary>
public sealed record Y4mHeader(int Width, int Height, int FpsNumerator, int FpsDenominator, Y4mChroma Chroma, ColorRange Range)
{
    public const string Magic = "YUV4MPEG2";
    /// <summary>Longer than any real header; a missing newline fails fast instead of buffering the stream.</summary>
    public const int MaxLength = 1024;

    public double Fps => (double)FpsNumerator / FpsDenominator;

    /// <summary>Bytes of one frame's planes.</summary>
    public int PayloadLength
    {
        get
        {
            long cw = (Width + 1) / 2, ch = Chroma == Y4mChroma.C422 ? Height : (Height + 1) / 2;
            return checked((int)((long)Width * Height + 2 * cw * ch));
        }
    }

    /// <summary>Parses the header line without its newline.</summary>
    /// <exception cref="FrameFormatException">With the reason.</exception>
    public static Y4mHeader Parse(ReadOnlySpan<char> line)
    {
        if (!line.StartsWith(Magic + " ", StringComparison.Ordinal))
            throw new FrameFormatException($"not a YUV4MPEG2 stream (header starts '{Printable(line[..Math.Min(line.Length, 12)])}')");
        int? w = null, h = null;
        (int, int)? fps = null;
        Y4mChroma chroma = Y4mChroma.C420Jpeg;
        ColorRange range = ColorRange.Limited;
        var seen = new HashSet<char>();
        foreach (var tokenRange in line[(Magic.Length + 1)..].Split(' '))
        {
            var token = line[(Magic.Length + 1)..][tokenRange];
            if (token.IsEmpty)
                throw new FrameFormatException("bad y4m header: empty field (double space)");
            char tag = token[0];
            var value = token[1..];
            if (tag != 'X' && !seen.Add(tag))
                throw new FrameFormatException($"bad y4m header: field {tag} given twice");
            switch (tag)
            {
                case 'W': w = Dimension(value, "width"); break;
                case 'H': h = Dimension(value, "height"); break;
                case 'F':
                    fps = Ratio(value, "F (frame rate)");
                    if (fps.Value.Item1 == 0 || fps.Value.Item2 == 0)
                        throw new FrameFormatException($"bad y4m header: frame rate F{value} is not positive");
                    break;
                case 'A': Ratio(value, "A (pixel aspect)"); break;
                case 'I':
                    if (value is not "p")
                        throw new FrameFormatException($"unsupported y4m interlacing I{value}: only progressive (Ip) is read");
                    break;
                case 'C':
                    chroma = value switch
                    {
                        "420jpeg" or "420" => Y4mChroma.C420Jpeg,
                        "420mpeg2" => Y4mChroma.C420Mpeg2,
                        "420paldv" => Y4mChroma.C420Paldv,
                        "422" => Y4mChroma.C422,
                        _ => throw new FrameFormatException($"unsupported y4m colour space C{value}: 420jpeg, 420mpeg2, 420paldv, 420 and 422 are read"),
                    };
                    break;
                case 'X':
                    if (value.StartsWith("COLORRANGE=", StringComparison.Ordinal))
                    {
                        range = value["COLORRANGE=".Length..] switch
                        {
                            "FULL" => ColorRange.Full,
                            "LIMITED" => ColorRange.Limited,
                            _ => throw new FrameFormatException($"bad y4m header: X{value}"),
                        };
                    }
                    break; // other extensions are comments by the format's definition
                default:
                    throw new FrameFormatException($"bad y4m header: unknown field '{Printable(token)}'");
            }
        }
        if (w is null || h is null)
            throw new FrameFormatException("bad y4m header: width (W) and height (H) are required");
        if (fps is null)
            throw new FrameFormatException("bad y4m header: frame rate (F) is required");
        if ((long)w.Value * h.Value > 64L * 1024 * 1024)
            throw new FrameFormatException($"bad y4m header: {w}x{h} is too large");
        return new Y4mHeader(w.Value, h.Value, fps.Value.Item1, fps.Value.Item2, chroma, range);
    }

    /// <summary>The header this chroma layout and size would be written with (without the newline).</summary>
    public string Format()
    {
        string c = Chroma switch
        {
            Y4mChroma.C420Jpeg => "420jpeg",
            Y4mChroma.C420Mpeg2 => "420mpeg2",
            Y4mChroma.C420Paldv => "420paldv",
            _ => "422",
        };
        string range = Range == ColorRange.Full ? "FULL" : "LIMITED";
        return string.Create(CultureInfo.InvariantCulture,
            $"{Magic} W{Width} H{Height} F{FpsNumerator}:{FpsDenominator} Ip A1:1 C{c} XCOLORRANGE={range}");
    }

    /// <summary>The y4m frame rate ratio nearest a decimal fps (30 -> 30:1, 29.97 -> 30000:1001).</summary>
    public static (int Numerator, int Denominator) RatioOf(double fps)
    {
        if (Math.Abs(fps - Math.Round(fps)) < 1e-6)
            return ((int)Math.Round(fps), 1);
        if (Math.Abs(fps * 1001 / 1000 - Math.Round(fps * 1001 / 1000)) < 1e-3)
            return ((int)Math.Round(fps * 1001), 1001);
        return ((int)Math.Round(fps * 1000), 1000);
    }

    static int Dimension(ReadOnlySpan<char> v, string what)
    {
        if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
            throw new FrameFormatException($"bad y4m header: {what} '{Printable(v)}' is not a positive integer");
        return n;
    }

    static (int, int) Ratio(ReadOnlySpan<char> v, string what)
    {
        int colon = v.IndexOf(':');
        if (colon < 0
            || !int.TryParse(v[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out int a)
            || !int.TryParse(v[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int b))
            throw new FrameFormatException($"bad y4m header: {what} '{Printable(v)}' is not N:D");
        return (a, b);
    }

    static string Printable(ReadOnlySpan<char> s)
    {
        var chars = new char[Math.Min(s.Length, 40)];
        for (int i = 0; i < chars.Length; i++)
            chars[i] = s[i] is >= ' ' and < (char)127 ? s[i] : '?';
        return new string(chars);
    }
}
