using System.Globalization;

namespace Linnet.ControlPlane.Core.Resources;

/// <summary>gRPC status codes by name (<c>unavailable</c>, <c>DEADLINE_EXCEEDED</c>, <c>deadline-exceeded</c>)
/// or number. 0 (OK) is not a failure, so it is not accepted where a failure is meant.</summary>
public static class GrpcCodes
{
    private static readonly string[] Names =
    [
        "ok", "cancelled", "unknown", "invalid-argument", "deadline-exceeded", "not-found", "already-exists",
        "permission-denied", "resource-exhausted", "failed-precondition", "aborted", "out-of-range",
        "unimplemented", "internal", "unavailable", "data-loss", "unauthenticated",
    ];

    /// <summary>The failure codes' names, for error messages.</summary>
    public static string Known => string.Join(", ", Names.Skip(1));

    /// <summary>Parses a failure code 1..16 by name or number.</summary>
    public static bool TryParse(string text, out int code)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out code))
        {
            return code is >= 1 and <= 16;
        }

        var name = text.Replace('_', '-').ToLowerInvariant();
        code = Array.IndexOf(Names, name);
        return code >= 1;
    }
}
