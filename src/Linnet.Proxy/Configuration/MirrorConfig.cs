namespace Linnet.Proxy.Configuration;

/// <summary>Copy a share of requests to another service (Gateway API <c>RequestMirror</c>): fire and forget,
/// the mirror's response is discarded and neither its speed nor its failure changes the primary response.</summary>
/// <param name="ServiceKey">The <see cref="ServiceConfig.Key"/> of the mirror service, in the same snapshot.</param>
/// <param name="Percent">0 to 100, fractions allowed.</param>
internal sealed record MirrorConfig(string ServiceKey, double Percent);
