using Linnet.Api.Policy;
using Linnet.Proxy.Configuration;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Resilience;

/// <summary>A compiled <see cref="RetryConfig"/>: which outcomes are retriable, looked up in arrays.</summary>
internal sealed class RetryPolicy
{
    private const int MaxGrpcCode = GrpcStatusCodes.Max;

    private readonly bool[] _statuses = new bool[600];
    private readonly bool[] _grpcCodes = new bool[MaxGrpcCode + 1];
    private readonly bool _connectFailure;

    public RetryPolicy(RetryConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        for (var status = 500; status < 600; status++)
        {
            _statuses[status] = config.On.HasFlag(RetryConditions.ServerError)
                || (config.On.HasFlag(RetryConditions.GatewayError) && status is 502 or 503 or 504);
        }

        foreach (var status in config.StatusCodes)
        {
            if (status is >= 100 and < 600)
            {
                _statuses[status] = true;
            }
        }

        foreach (var code in config.GrpcCodes)
        {
            if (code is > 0 and <= MaxGrpcCode)
            {
                _grpcCodes[code] = true;
            }
        }

        // As in Envoy, a failed connection is a gateway error (the proxy would answer 502).
        _connectFailure = (config.On & (RetryConditions.ConnectFailure | RetryConditions.ServerError | RetryConditions.GatewayError)) != 0
            || _statuses[StatusCodes.Status502BadGateway];
        HasGrpcCodes = config.GrpcCodes.Count > 0;
    }

    public RetryConfig Config { get; }

    public int Limit => Config.Limit;

    /// <summary>Whether any gRPC code is retriable (then a response's <c>grpc-status</c> is looked at).</summary>
    public bool HasGrpcCodes { get; }

    /// <summary>Whether a response with this HTTP status is retriable.</summary>
    public bool IsRetriableStatus(int status) => status is >= 0 and < 600 && _statuses[status];

    /// <summary>Whether a gRPC status code (from a trailers-only response) is retriable.</summary>
    public bool IsRetriableGrpc(int code) => code is > 0 and <= MaxGrpcCode && _grpcCodes[code];

    /// <summary>Whether a connection that could not be made is retriable.</summary>
    public bool RetriesConnectFailures => _connectFailure;

    /// <summary>Whether a request with this method may be retried: idempotent methods (RFC 9110 §9.2.2)
    /// always, others only when the route says so. gRPC calls are always POST, so a route that lists
    /// retriable gRPC codes has said so for them.</summary>
    public bool AllowsMethod(string method, bool grpc) =>
        Config.RetryNonIdempotent || (grpc && HasGrpcCodes)
        || HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
        || HttpMethods.IsTrace(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method);
}
