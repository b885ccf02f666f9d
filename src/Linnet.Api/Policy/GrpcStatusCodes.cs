using System.Globalization;

namespace Linnet.Api.Policy;

/// <summary>gRPC status codes (grpc/doc/statuscodes.md), the one table for every place a traffic policy names one:
/// by number, or by name as the specification writes it (<c>UNAVAILABLE</c>, <c>DEADLINE_EXCEEDED</c>) or as
/// Linkerd's annotations do (<c>unavailable</c>, <c>deadline-exceeded</c>). Where a failure is meant (a code to
/// retry, a status to abort with) only 1..16 are codes: 0 is OK.</summary>
public static class GrpcStatusCodes
{
    /// <summary>The largest code the specification defines (UNAUTHENTICATED).</summary>
    public const int Max = 16;

    /// <summary>DEADLINE_EXCEEDED.</summary>
    public const int DeadlineExceeded = 4;

    /// <summary>NOT_FOUND.</summary>
    public const int NotFound = 5;

    /// <summary>PERMISSION_DENIED.</summary>
    public const int PermissionDenied = 7;

    /// <summary>FAILED_PRECONDITION.</summary>
    public const int FailedPrecondition = 9;

    /// <summary>INTERNAL.</summary>
    public const int Internal = 13;

    /// <summary>UNAVAILABLE.</summary>
    public const int Unavailable = 14;

    private static readonly string[] Names =
    [
        "ok", "cancelled", "unknown", "invalid-argument", "deadline-exceeded", "not-found", "already-exists",
        "permission-denied", "resource-exhausted", "failed-precondition", "aborted", "out-of-range",
        "unimplemented", "internal", "unavailable", "data-loss", "unauthenticated",
    ];

    /// <summary>The codes Linkerd's <c>retry.linkerd.io/grpc</c> annotation may list (Linkerd's "Retries" reference).</summary>
    public static IReadOnlyList<string> LinkerdRetryable { get; } = ["cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"];

    /// <summary>The failure codes' names, for error messages.</summary>
    public static string Known => string.Join(", ", Names.Skip(1));

    /// <summary>The reason <paramref name="text"/> is not a failure code, for a field's error.</summary>
    public static string Problem(string text) => $"'{text}' is not a gRPC status code 1..{Max} or one of: {Known}";

    /// <summary>Whether <paramref name="code"/> is a failure code (1..16).</summary>
    public static bool IsFailure(int code) => code is >= 1 and <= Max;

    /// <summary>Parses a failure code 1..16 by number or name (case and <c>_</c>/<c>-</c> do not matter).</summary>
    public static bool TryParseFailure(string text, out int code)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out code))
        {
            return IsFailure(code);
        }

        code = Array.IndexOf(Names, text.Replace('_', '-').ToLowerInvariant());
        return IsFailure(code);
    }

    /// <summary>Parses one of <see cref="LinkerdRetryable"/> (by name only, any case, as Linkerd lists them).</summary>
    public static bool TryParseLinkerdRetryable(string text, out int code)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = text.ToLowerInvariant();
        code = LinkerdRetryable.Contains(name) ? Array.IndexOf(Names, name) : -1;
        return code > 0;
    }

    /// <summary>The specification's name of <paramref name="code"/> (<c>UNAVAILABLE</c>), or the number.</summary>
    public static string Name(int code) =>
        code >= 0 && code < Names.Length ? Names[code].Replace('-', '_').ToUpperInvariant() : code.ToString(CultureInfo.InvariantCulture);
}
