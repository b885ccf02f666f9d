using System.Globalization;

namespace Linnet.Proxy.Resilience;

/// <summary>Reads a gRPC client's deadline from its <c>grpc-timeout</c> header ("TimeoutValue TimeoutUnit":
/// at most 8 digits, then H, M, S, m, u or n).</summary>
internal static class GrpcTimeout
{
    public const string Header = "grpc-timeout";

    public static bool TryParse(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (value is null || value.Length is < 2 or > 9)
        {
            return false;
        }

        if (!long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        double? ms = value[^1] switch
        {
            'H' => amount * 3_600_000.0,
            'M' => amount * 60_000.0,
            'S' => amount * 1_000.0,
            'm' => amount,
            'u' => amount / 1_000.0,
            'n' => amount / 1_000_000.0,
            _ => null,
        };
        if (ms is not { } m)
        {
            return false;
        }

        timeout = TimeSpan.FromMilliseconds(m);
        return true;
    }
}
