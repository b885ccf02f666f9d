using System.Globalization;

namespace Linnet.Bench.ControlPlane;

/// <summary>A mesh size: Services × ready Instances per Service.</summary>
internal readonly record struct MeshSize(int Services, int Instances)
{
    public int Endpoints => Services * Instances;

    public static MeshSize Parse(string text)
    {
        var parts = text.Split('x');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s is >= 3 and <= 5000
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i is >= 1 and <= 1000
            ? new MeshSize(s, i)
            : throw new ArgumentException($"'{text}' is not SERVICESxINSTANCES (3-5000 x 1-1000)");
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Services}x{Instances}");
}
