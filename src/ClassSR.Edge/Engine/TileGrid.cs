namespace ClassSR.Edge.Engine;

/// <summary>
/// Cuts a frame into cells that cover every pixel: full tiles, then narrower ones at the
/// right and bottom edges. Each cell is classified on a full tile-sized window shifted
/// inside the frame (so edge cells see as much context as the classifier was trained on).
/// </summary>
public readonly struct TileGrid
{
    public readonly int Width, Height, Tile, Cols, Rows, WindowW, WindowH;

    public TileGrid(int width, int height, int tile)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), "frame must be at least 1x1");
        Width = width;
        Height = height;
        Tile = tile;
        Cols = (width + tile - 1) / tile;
        Rows = (height + tile - 1) / tile;
        WindowW = Math.Min(tile, width);
        WindowH = Math.Min(tile, height);
    }

    public int Count => Cols * Rows;
    public int CellX(int col) => col * Tile;
    public int CellY(int row) => row * Tile;
    public int CellW(int col) => Math.Min(Tile, Width - col * Tile);
    public int CellH(int row) => Math.Min(Tile, Height - row * Tile);
    public int WindowX(int col) => Math.Min(col * Tile, Width - WindowW);
    public int WindowY(int row) => Math.Min(row * Tile, Height - WindowH);
}
