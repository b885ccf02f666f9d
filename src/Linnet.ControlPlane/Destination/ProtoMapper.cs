using Linnet.Api.Destination.V1;
using Linnet.Api.Policy;
using Linnet.ControlPlane.Core.Translation;
using GrpcRouteResource = Linnet.ControlPlane.Core.Resources.GrpcRouteResource;
using CoreHeaderModifier = Linnet.ControlPlane.Core.Resources.HeaderModifier;
using CorePathMatch = Linnet.ControlPlane.Core.Resources.PathMatch;
using ProtoPathMatch = Linnet.Api.Destination.V1.PathMatch;
using HttpPathModifier = Linnet.ControlPlane.Core.Resources.HttpPathModifier;

namespace Linnet.ControlPlane.Destination;

/// <summary>Turns the domain's <see cref="MeshService"/> into the Destination API's messages, as one
/// subscriber sees them (short names only within its own namespace, as Kubernetes DNS resolves them).</summary>
internal static class ProtoMapper
{
    /// <summary>The cluster DNS suffix in fully qualified service names.</summary>
    public const string ClusterDomain = "svc.cluster.local";

    /// <summary>The message for <paramref name="service"/> as a proxy in <paramref name="subscriberNamespace"/> sees it.</summary>
    public static Service ToProto(MeshService service, string subscriberNamespace)
    {
        var proto = new Service
        {
            Key = service.Key,
            Port = service.Port,
            Protocol = ToProto(service.Protocol),
            LocalPort = service.LocalPort,
        };
        if (service.Namespace == subscriberNamespace)
        {
            proto.Names.Add(service.Name);
        }

        proto.Names.Add($"{service.Name}.{service.Namespace}");
        proto.Names.Add($"{service.Name}.{service.Namespace}.{ClusterDomain}");
        foreach (var endpoint in service.Endpoints)
        {
            proto.Endpoints.Add(new Endpoint
            {
                Address = endpoint.Address,
                Port = endpoint.Port,
                Weight = endpoint.Weight,
                Identity = endpoint.Identity,
                Instance = endpoint.Instance,
                Meshed = endpoint.Meshed,
            });

            // Linkerd's address-level metric labels (those known); the proxy prefixes them with dst_.
            var labels = proto.Endpoints[^1].MetricLabels;
            foreach (var (name, value) in new[] { ("pod", endpoint.Instance), ("deployment", endpoint.Workload), ("serviceaccount", endpoint.ServiceAccount) })
            {
                if (value.Length > 0)
                {
                    labels[name] = value;
                }
            }
        }

        // Linkerd's set-level metric labels (its WeightedAddrSet.metric_labels).
        proto.MetricLabels["namespace"] = service.Namespace;
        proto.MetricLabels["service"] = service.Name;

        foreach (var route in service.Routes)
        {
            proto.Routes.Add(ToProto(route));
        }

        proto.RetryBudget = new RetryBudget
        {
            Ratio = service.RetryBudget.Ratio,
            MinRetriesPerSecond = service.RetryBudget.MinRetriesPerSecond,
            TtlMs = Ms(service.RetryBudget.Ttl),
        };
        proto.CircuitBreaker = service.CircuitBreaker is { } breaker
            ? new CircuitBreaker
            {
                ConsecutiveFailures = breaker.ConsecutiveFailures,
                MinPenaltyMs = Ms(breaker.MinPenalty),
                MaxPenaltyMs = Ms(breaker.MaxPenalty),
                JitterRatio = breaker.JitterRatio,
            }
            : new CircuitBreaker { Disabled = true };
        return proto;
    }

    /// <summary>The service ports of <paramref name="view"/> that <paramref name="instance"/> of <paramref name="ns"/>
    /// serves (it is one of their endpoints) and that have routes: their names and routes, the rules with their
    /// matches only, for the instance's proxy to classify inbound requests by (metrics, tap).</summary>
    public static IEnumerable<InboundService> InboundServices(MeshView view, string ns, string instance)
    {
        ArgumentNullException.ThrowIfNull(view);
        foreach (var service in view.Services)
        {
            if (service.Namespace != ns || service.Routes.Count == 0 || !service.Endpoints.Any(e => e.Instance == instance))
            {
                continue;
            }

            var inbound = new InboundService { Key = service.Key, Port = service.Port };
            inbound.Names.Add(service.Name);
            inbound.Names.Add($"{service.Name}.{service.Namespace}");
            inbound.Names.Add($"{service.Name}.{service.Namespace}.{ClusterDomain}");
            foreach (var route in service.Routes)
            {
                var full = ToProto(route);
                var proto = new Route { Name = full.Name, Kind = full.Kind };
                proto.Hostnames.AddRange(full.Hostnames);
                foreach (var rule in full.Rules)
                {
                    var matchesOnly = new RouteRule();
                    matchesOnly.Matches.AddRange(rule.Matches);
                    proto.Rules.Add(matchesOnly);
                }

                inbound.Routes.Add(proto);
            }

            yield return inbound;
        }
    }

    /// <summary>The protocol enum for the translator's protocol name.</summary>
    public static Protocol ToProto(string protocol) => protocol switch
    {
        "opaque" => Protocol.Opaque,
        "http1" => Protocol.Http1,
        "http2" => Protocol.Http2,
        "grpc" => Protocol.Grpc,
        _ => Protocol.Detect,
    };

    private static PathModifier? ToProto(HttpPathModifier? path) => path is null ? null : new PathModifier
    {
        Type = path.Type == HttpPathModifier.ReplacePrefixMatch ? PathModifier.Types.Type.ReplacePrefixMatch : PathModifier.Types.Type.ReplaceFullPath,
        Value = path.Value,
    };

    private static Route ToProto(MeshRoute route)
    {
        var proto = new Route { Name = route.Name, Kind = route.Kind == GrpcRouteResource.KindName ? Route.Types.Kind.Grpc : Route.Types.Kind.Http };
        proto.Hostnames.AddRange(route.Hostnames);
        foreach (var rule in route.Rules)
        {
            var protoRule = new RouteRule();
            foreach (var match in rule.Matches)
            {
                var protoMatch = new RouteMatch { Path = match.Path is { } path ? ToProto(path) : null };
                foreach (var header in match.Headers)
                {
                    protoMatch.Headers.Add(new HeaderMatch
                    {
                        Type = header.Type == "RegularExpression" ? HeaderMatch.Types.Type.Regex : HeaderMatch.Types.Type.Exact,
                        Name = header.Name,
                        Value = header.Value,
                    });
                }

                foreach (var query in match.QueryParams)
                {
                    protoMatch.QueryParams.Add(new QueryParamMatch
                    {
                        Type = query.Type == "RegularExpression" ? QueryParamMatch.Types.Type.Regex : QueryParamMatch.Types.Type.Exact,
                        Name = query.Name,
                        Value = query.Value,
                    });
                }

                protoMatch.Method = match.Method ?? "";
                protoRule.Matches.Add(protoMatch);
            }

            foreach (var backend in rule.Backends)
            {
                protoRule.Backends.Add(new RouteBackend
                {
                    ServiceKey = backend.ServiceKey,
                    Weight = backend.Weight,
                    RequestHeaders = backend.RequestHeaders is { } request ? ToProto(request) : null,
                    ResponseHeaders = backend.ResponseHeaders is { } response ? ToProto(response) : null,
                });
            }

            AddFilters(protoRule, rule);
            proto.Rules.Add(protoRule);
        }

        return proto;
    }

    private static void AddFilters(RouteRule proto, MeshRule rule)
    {
        if (rule.Rewrite is { } rewrite)
        {
            proto.Rewrite = new RouteRewrite { Hostname = rewrite.Hostname ?? "", Path = ToProto(rewrite.Path) };
        }

        if (rule.Redirect is { } redirect)
        {
            proto.Redirect = new RouteRedirect
            {
                Scheme = redirect.Scheme ?? "",
                Hostname = redirect.Hostname ?? "",
                Path = ToProto(redirect.Path),
                Port = redirect.Port ?? 0,
                StatusCode = redirect.StatusCode,
            };
        }

        proto.RequestHeaders = rule.RequestHeaders is { } request ? ToProto(request) : null;
        proto.ResponseHeaders = rule.ResponseHeaders is { } response ? ToProto(response) : null;
        if (rule.Timeouts is { } timeouts)
        {
            proto.Timeouts = new RouteTimeouts { RequestMs = Ms(timeouts.Request), BackendRequestMs = Ms(timeouts.BackendRequest), IdleMs = Ms(timeouts.Idle) };
        }

        if (rule.Fault is { } fault)
        {
            proto.Fault = new RouteFault
            {
                // An abort given only a gRPC status answers other requests with 500.
                Abort = fault.Abort is { } abort ? new RouteFaultAbort { HttpStatus = abort.HttpStatus ?? PolicyDefaults.AbortHttpStatus, GrpcStatus = abort.GrpcStatus ?? 0, Percent = abort.Percent } : null,
                Delay = fault.Delay is { } delay ? new RouteFaultDelay { DelayMs = Ms(delay.FixedDelay), Percent = delay.Percent } : null,
            };
        }

        if (rule.Retry is { } retry)
        {
            var protoRetry = new RouteRetry { Limit = retry.Limit, RetryNonIdempotent = retry.RetryNonIdempotent, MaxBodyBytes = retry.MaxBodyBytes };
            foreach (var on in retry.On)
            {
                protoRetry.On.Add(on switch
                {
                    "5xx" => RouteRetry.Types.Condition.ServerError,
                    "gateway-error" => RouteRetry.Types.Condition.GatewayError,
                    "connect-failure" => RouteRetry.Types.Condition.ConnectFailure,
                    _ => RouteRetry.Types.Condition.Unspecified,
                });
            }

            protoRetry.StatusCodes.AddRange(retry.StatusCodes);
            protoRetry.GrpcCodes.AddRange(retry.GrpcCodes);
            proto.Retry = protoRetry;
        }

        if (rule.Mirror is { } mirror)
        {
            proto.Mirror = new RouteMirror { ServiceKey = mirror.ServiceKey, Percent = mirror.Percent };
        }
    }

    private static RouteHeaderModifier ToProto(CoreHeaderModifier modifier)
    {
        var proto = new RouteHeaderModifier();
        foreach (var h in modifier.Set)
        {
            proto.Set.Add(new RouteHeaderValue { Name = h.Name, Value = h.Value });
        }

        foreach (var h in modifier.Add)
        {
            proto.Add.Add(new RouteHeaderValue { Name = h.Name, Value = h.Value });
        }

        proto.Remove.AddRange(modifier.Remove);
        return proto;
    }

    private static ulong Ms(TimeSpan? value) => value is { } v && v > TimeSpan.Zero ? (ulong)Math.Round(v.TotalMilliseconds) : 0;

    private static ProtoPathMatch ToProto(CorePathMatch path) => new()
    {
        Type = path.Type switch
        {
            "Exact" => ProtoPathMatch.Types.Type.Exact,
            "RegularExpression" => ProtoPathMatch.Types.Type.Regex,
            _ => ProtoPathMatch.Types.Type.Prefix,
        },
        Value = path.Value,
    };
}
