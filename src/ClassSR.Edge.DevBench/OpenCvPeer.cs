using ClassSR.Edge.Imaging;
using OpenCvSharp;
using OpenCvSharp.DnnSuperres;

namespace ClassSR.Edge.DevBench;

/// <summary>
/// OpenCV's dnn_superres FSRCNN_x4, the usual alternative the benches measure against: the model from ../shared/peers,
/// and the RGB (ours) to BGR (OpenCV's) conversions every caller needs, in one place.
/// </summary>
sealed class OpenCvPeer : IDisposable
{
    public const string Name = "opencv-fsrcnn_x4";
    readonly DnnSuperResImpl _sr = new();
    readonly Mat _output = new();

    public OpenCvPeer(string shared, int threads)
    {
        Cv2.SetNumThreads(threads);
        _sr.ReadModel(Path.Combine(shared, "peers", "opencv-dnn-superres", "FSRCNN_x4.pb"));
        _sr.SetModel("fsrcnn", 4);
    }

    /// <summary>A BGR Mat of an RGB image.</summary>
    public static Mat FromRgb(byte[] rgb, int w, int h)
    {
        var bgr = new byte[w * h * 3];
        for (int p = 0; p < bgr.Length; p += 3) (bgr[p], bgr[p + 1], bgr[p + 2]) = (rgb[p + 2], rgb[p + 1], rgb[p]);
        var m = new Mat(h, w, MatType.CV_8UC3);
        System.Runtime.InteropServices.Marshal.Copy(bgr, 0, m.Data, bgr.Length);
        return m;
    }

    /// <summary>A BGR Mat of an I420 frame (our BT.601 conversion).</summary>
    public static Mat FromYuv(YuvFrame f)
    {
        var rgb = new byte[f.Width * f.Height * 3];
        ColorConvert.YuvToRgb(f, rgb);
        return FromRgb(rgb, f.Width, f.Height);
    }

    public void Upsample(Mat input) => _sr.Upsample(input, _output);

    public int Width => _output.Width;
    public int Height => _output.Height;

    /// <summary>The last output, in RGB.</summary>
    public byte[] OutputRgb()
    {
        var rgb = new byte[_output.Width * _output.Height * 3];
        System.Runtime.InteropServices.Marshal.Copy(_output.Data, rgb, 0, rgb.Length);
        for (int p = 0; p < rgb.Length; p += 3) (rgb[p], rgb[p + 2]) = (rgb[p + 2], rgb[p]);
        return rgb;
    }

    public void Dispose()
    {
        _output.Dispose();
        _sr.Dispose();
    }
}
