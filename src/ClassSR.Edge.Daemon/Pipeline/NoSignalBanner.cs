using ClassSR.Edge.Imaging;

namespace ClassSR.Edge.Daemon.Pipeline;

/// <summary>Dims a picture and writes NO SIGNAL across it, so a viewer can tell a frozen source from a still scene.</summary>
public static class NoSignalBanner
{
    const string Text = "NO SIGNAL";

    // 5x7 glyphs, one row per entry, bit 4 the leftmost column.
    static ReadOnlySpan<byte> Glyph(char c) => c switch
    {
        'N' => [0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001, 0b10001],
        'O' => [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        'S' => [0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110],
        'I' => [0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        'G' => [0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111],
        'A' => [0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        'L' => [0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111],
        _ => [0, 0, 0, 0, 0, 0, 0],
    };

    public static void Draw(YuvFrame frame)
    {
        bool full = frame.Range == ColorRange.Full;
        byte black = full ? (byte)0 : (byte)16, white = full ? (byte)255 : (byte)235;
        foreach (ref byte y in frame.Y.AsSpan())
            y = (byte)(black + (y - black) / 3);
        foreach (ref byte u in frame.U.AsSpan())
            u = (byte)(128 + (u - 128) / 3);
        foreach (ref byte v in frame.V.AsSpan())
            v = (byte)(128 + (v - 128) / 3);

        int units = Text.Length * 6 - 1;
        int scale = Math.Max(1, frame.Width / 2 / units);
        int textW = units * scale, textH = 7 * scale;
        if (textW > frame.Width || textH > frame.Height)
            return;
        int x0 = (frame.Width - textW) / 2, y0 = (frame.Height - textH) / 2;
        int w = frame.Width;
        for (int i = 0; i < Text.Length; i++)
        {
            var rows = Glyph(Text[i]);
            for (int gy = 0; gy < 7; gy++)
            {
                for (int gx = 0; gx < 5; gx++)
                {
                    if ((rows[gy] & (0b10000 >> gx)) == 0)
                        continue;
                    int px = x0 + (i * 6 + gx) * scale, py = y0 + gy * scale;
                    for (int sy = 0; sy < scale; sy++)
                        frame.Y.AsSpan((py + sy) * w + px, scale).Fill(white);
                }
            }
        }
    }
}
