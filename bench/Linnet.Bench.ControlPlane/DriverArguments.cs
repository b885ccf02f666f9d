using System.Globalization;

namespace Linnet.Bench.ControlPlane;

/// <summary>A verb's <c>--name value</c> arguments, as the bench scripts pass them; a value out of range is an error.</summary>
internal sealed class DriverArguments(string[] args)
{
    public string? Value(string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public string Required(string name) => Value(name) ?? throw new ArgumentException($"{name} is required");

    public int Int(string name, int fallback, int min, int max) =>
        Value(name) is { } text
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v : throw new ArgumentException($"{name}: '{text}' is not in {min}-{max}")
            : fallback;
}
