namespace Linnet.Proxy.Configuration;

/// <summary>General conditions under which a request is retried.</summary>
[Flags]
internal enum RetryConditions
{
    /// <summary>Only the listed status codes and gRPC codes.</summary>
    None = 0,

    /// <summary>Any 5xx response.</summary>
    ServerError = 1,

    /// <summary>502, 503 and 504.</summary>
    GatewayError = 2,

    /// <summary>The connection to the endpoint could not be made (nothing was sent).</summary>
    ConnectFailure = 4,
}
