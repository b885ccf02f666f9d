namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A <c>Server</c> (<c>policy.linkerd.io/v1beta3</c>, Linkerd's shape): one port of the instances its
/// pod selector picks in its namespace. Traffic to that port is denied unless an
/// <see cref="AuthorizationPolicyResource"/> allows it (or its <c>accessPolicy</c> says otherwise).</summary>
public sealed record ServerResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "Server";

    /// <summary>The API group of Linkerd's policy resources.</summary>
    public const string Group = "policy.linkerd.io";

    /// <inheritdoc />
    public override string ApiVersion => "policy.linkerd.io/v1beta3";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The spec.</summary>
    public required ServerSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is ServerResource s && Spec.Equals(s.Spec);
}

/// <summary>Server spec.</summary>
/// <param name="PodSelector">The instances (pods) in the Server's namespace it applies to.</param>
/// <param name="Port">The port, by number or by name.</param>
/// <param name="ProxyProtocol"><c>unknown</c>, <c>HTTP/1</c>, <c>HTTP/2</c>, <c>gRPC</c> or <c>opaque</c>.</param>
/// <param name="AccessPolicy">What traffic no authorization allows gets: <c>deny</c> (the default), <c>audit</c>,
/// or one of the other default policies.</param>
public sealed record ServerSpec(LabelSelector PodSelector, ServerPortRef Port, string ProxyProtocol, string AccessPolicy);

/// <summary>A port by number, or by name (the name of a Service port whose target port it is).</summary>
public sealed record ServerPortRef(int? Number, string? Name)
{
    /// <inheritdoc />
    public override string ToString() => Number?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Name ?? "";
}
