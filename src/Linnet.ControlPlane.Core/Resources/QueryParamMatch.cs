namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Query-parameter condition: <c>Exact</c> or <c>RegularExpression</c> over the decoded value; the
/// name is compared case-sensitively.</summary>
public sealed record QueryParamMatch(string Type, string Name, string Value);
