using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace TeamsBot.Manifest;

/// <summary>
/// The app's icons, drawn here (no binary in the repository): a speech bubble with three dots. Teams wants a 192×192 full-colour
/// icon and a 32×32 outline icon that is white on a transparent background.
/// </summary>
public static class Icons
{
    private static readonly Rgba32 Accent = new(0x1F, 0x4E, 0x79, 0xFF);
    private static readonly Rgba32 White = new(0xFF, 0xFF, 0xFF, 0xFF);
    private static readonly Rgba32 Clear = new(0, 0, 0, 0);

    public static byte[] Color() => Draw(192, (x, y) =>
        InBubble(x, y, 192, inset: 0.18) ? (InDot(x, y, 192) ? Accent : White) : Accent);

    public static byte[] Outline() => Draw(32, (x, y) =>
        InBubble(x, y, 32, inset: 0.06) && !InBubble(x, y, 32, inset: 0.06, shrink: 2.5) || InDot(x, y, 32) ? White : Clear);

    private static byte[] Draw(int size, Func<double, double, Rgba32> pixel)
    {
        using var image = new Image<Rgba32>(size, size);
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
                image[x, y] = pixel(x + 0.5, y + 0.5);
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    /// <summary>A rounded rectangle (the bubble) in the upper part, with a tail down-left; <paramref name="shrink"/> pixels inwards.</summary>
    private static bool InBubble(double x, double y, int size, double inset, double shrink = 0)
    {
        var left = size * inset + shrink;
        var right = size * (1 - inset) - shrink;
        var top = size * (inset + 0.04) + shrink;
        var bottom = size * (1 - inset - 0.16) - shrink;
        var radius = Math.Max(1, size * 0.14 - shrink);
        if (x < left || x > right || y < top || y > bottom)
        {
            // The tail: a triangle under the bubble's left part.
            var tailTop = size * (1 - inset - 0.16) - shrink;
            var tailBottom = size * (1 - inset) - shrink * 2;
            if (y < tailTop || y > tailBottom) return false;
            var t = (y - tailTop) / Math.Max(1, tailBottom - tailTop);
            var tailLeft = size * (inset + 0.14) + shrink;
            return x >= tailLeft && x <= tailLeft + (1 - t) * size * 0.2 - shrink;
        }
        var cx = Math.Clamp(x, left + radius, right - radius);
        var cy = Math.Clamp(y, top + radius, bottom - radius);
        return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius;
    }

    private static bool InDot(double x, double y, int size)
    {
        var cy = size * 0.47;
        var r = size * 0.055;
        foreach (var cx in new[] { size * 0.33, size * 0.5, size * 0.67 })
            if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) return true;
        return false;
    }
}
