using System.Text.Json.Nodes;
using Linnet.Api.Validation;

namespace Linnet.Platform.Kubernetes.Injection;

/// <summary>The result of <see cref="ProxyInjector.Mutate"/>.</summary>
/// <param name="Outcome">Injected, skipped or refused.</param>
/// <param name="Reason">Why it was skipped or refused (empty when injected).</param>
/// <param name="Patch">The RFC 6902 JSON Patch against the pod (empty unless injected).</param>
/// <param name="Errors">The annotations refused, with their paths and reasons.</param>
public sealed record InjectionResult(InjectionOutcome Outcome, string Reason, JsonArray Patch, IReadOnlyList<FieldError> Errors);
