using ClassSR.Edge.Engine;

namespace ClassSR.Edge.Engine;

/// <summary>Shows routing: tints each cell of an RGB image by the class its pixels went to.</summary>
public static class ClassMap
{
    // simple: green, medium: amber, hard: red.
    static ReadOnlySpan<byte> Colours => [40, 200, 60, 240, 180, 20, 230, 40, 40];

    public static void Tint(Span<byte> rgb, int width, int height, in TileGrid grid, ReadOnlySpan<byte> classes, float alpha = 0.4f)
    {
        if (grid.Width != width || grid.Height != height || classes.Length < grid.Count)
            throw new ArgumentException("class map does not match the image");
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int k = classes[(y / grid.Tile) * grid.Cols + x / grid.Tile];
                bool edge = x % grid.Tile == 0 || y % grid.Tile == 0;
                float a = edge ? 0.8f : alpha;
                int p = (y * width + x) * 3;
                for (int ch = 0; ch < 3; ch++)
                    rgb[p + ch] = (byte)(rgb[p + ch] * (1 - a) + Colours[k * 3 + ch] * a + 0.5f);
            }
    }
}
