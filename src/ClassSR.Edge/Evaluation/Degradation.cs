using System.Globalization;
using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Evaluation;

/// <summary>
/// What a camera does to the LR before we see it, applied after our bicubic downscale: JPEG at a quality (RGB, 4:2:0
/// chroma as cameras and PIL encode it) or Gaussian sensor noise of a standard deviation in code values, with a seed
/// from the image's name so every run and every mode sees the same noise.
/// </summary>
public sealed record Degradation(string Kind, double Amount)
{
    public static readonly Degradation None = new("none", 0);
    public const string Forms = "none, jpeg:Q (quality 1..100) or noise:S (sigma in code values, (0, 50])";

    /// <exception cref="FormatException">Not one of <see cref="Forms"/>.</exception>
    public static Degradation Parse(string text)
    {
        if (text == "none")
            return None;
        int colon = text.IndexOf(':');
        string kind = colon < 0 ? text : text[..colon], value = colon < 0 ? "" : text[(colon + 1)..];
        switch (kind)
        {
            case "jpeg" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int q) && q is >= 1 and <= 100:
                return new Degradation("jpeg", q);
            case "noise" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0 && s <= 50:
                return new Degradation("noise", s);
            default:
                throw new FormatException($"'{text}' is not {Forms}");
        }
    }

    public override string ToString() => Kind == "none" ? "none" : string.Create(CultureInfo.InvariantCulture, $"{Kind}:{Amount:0.###}");

    /// <summary>Degrades an RGB image in place.</summary>
    /// <param name="name">The image's file name: the noise's seed.</param>
    public void Apply(byte[] rgb, int width, int height, string name)
    {
        switch (Kind)
        {
            case "jpeg":
                using (var encoder = new JpegEncoder())
                using (var decoder = new JpegDecoder())
                {
                    encoder.EncodeRgb(rgb, width, height, (int)Amount, JpegSubsampling.S420);
                    decoder.DecodeRgb(encoder.Encoded, rgb);
                }
                break;
            case "noise":
                var random = new Random(Seed(name));
                for (int i = 0; i < rgb.Length; i++)
                {
                    // Box-Muller: one normal deviate per sample.
                    double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
                    double n = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                    rgb[i] = (byte)Math.Clamp(Math.Round(rgb[i] + n * Amount), 0, 255);
                }
                break;
        }
    }

    /// <summary>FNV-1a of the name: stable across runs and processes (string.GetHashCode is not).</summary>
    static int Seed(string name)
    {
        uint h = 2166136261;
        foreach (char c in name)
            h = (h ^ c) * 16777619;
        return (int)(h & 0x7FFFFFFF);
    }
}
