using Linnet.Api.Validation;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Resources;
using YamlDotNet.RepresentationModel;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Flagger's <c>MetricTemplate</c>: provider <c>prometheus</c> (address, headers) and a query in the
/// template language of <see cref="MetricQueryTemplate"/>; what Linnet cannot honour is refused with the reason.</summary>
public static partial class ManifestParser
{
    private static MetricTemplateSpec ParseMetricTemplateSpec(YamlMap spec)
    {
        if (!spec.Exists)
        {
            spec.Error("", "spec is required (provider and query)");
        }

        var provider = spec.Map("provider");
        var type = provider.Text("type", required: true) ?? MetricTemplateResource.Prometheus;
        if (type != MetricTemplateResource.Prometheus)
        {
            provider.Error("type", $"'{type}' is not a provider Linnet queries (prometheus; the mesh's own metrics are the built-in request-success-rate and request-duration)");
        }

        var addressText = provider.Text("address", required: true);
        var address = new Uri("http://invalid/");
        if (addressText is not null && (!Uri.TryCreate(addressText, UriKind.Absolute, out address!) || address.Scheme is not ("http" or "https") || address.UserInfo.Length > 0))
        {
            provider.Error("address", $"'{addressText}' is not an http or https URL without credentials (give a credential with provider.secretRef or provider.headers)");
            address = new Uri("http://invalid/");
        }

        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        if (provider.Node("headers") is YamlMappingNode headerNode)
        {
            var headerMap = provider.Map("headers");
            foreach (var (keyNode, valueNode) in headerNode.Children)
            {
                var name = (keyNode as YamlScalarNode)?.Value ?? "";
                IReadOnlyList<string> values = valueNode is YamlScalarNode { Value: { } one } ? [one] : headerMap.StringList(name);
                if (!HttpSyntax.IsToken(name))
                {
                    headerMap.Error(name, $"'{name}' is not a header name (an HTTP token)");
                }
                else if (values.Any(v => v.Contains('\r', StringComparison.Ordinal) || v.Contains('\n', StringComparison.Ordinal)))
                {
                    headerMap.Error(name, "a header value cannot hold a line break");
                }
                else
                {
                    headers[name] = values;
                }
            }
        }
        else if (provider.Node("headers") is not null)
        {
            provider.Error("headers", "must be a mapping of header name to a value or a list of values");
        }

        string? secretRef = null;
        if (provider.Node("secretRef") is not null)
        {
            // Flagger reads the Secret's token, or username and password; in universal mode a secret is a folder of
            // owner-only files under the control plane's data directory (docs/progressive-delivery.md).
            var secret = provider.Map("secretRef");
            secretRef = secret.Text("name", required: true);
            if (secretRef is not null && !IsDnsLabel(secretRef))
            {
                secret.Error("name", $"'{secretRef}' is not a DNS label");
            }

            secret.RejectUnknown();
            if (headers.ContainsKey("Authorization"))
            {
                provider.Error("secretRef", "and headers.Authorization both give the credential; give one");
            }
        }

        if (provider.Bool("insecureSkipVerify") == true)
        {
            provider.Error("insecureSkipVerify", "is not honoured: Linnet verifies the provider's certificate");
        }

        provider.RejectUnknown();
        var query = spec.Text("query", required: true) ?? "";
        if (query.Length > 0 && MetricQueryTemplate.Check(query) is { } problem)
        {
            spec.Error("query", problem);
        }

        spec.RejectUnknown();
        return new MetricTemplateSpec(type, address, headers, query) { SecretRef = secretRef };
    }

    // A Canary metric's templateRef (namespace defaults to the Canary's, as in Flagger) and templateVariables.
    private static (ResourceKey? Ref, Dictionary<string, string> Variables) ParseTemplateRef(YamlMap item)
    {
        var variables = item.StringMap("templateVariables");
        var reference = item.Map("templateRef");
        if (!reference.Exists)
        {
            if (variables.Count > 0)
            {
                item.Error("templateVariables", "needs templateRef: only a MetricTemplate's query uses them");
            }

            return (null, variables);
        }

        var name = reference.Text("name", required: true);
        var ns = reference.Text("namespace");
        if (name is not null && !IsDnsLabel(name))
        {
            reference.Error("name", $"'{name}' is not a DNS label");
        }

        if (ns is not null && !IsDnsLabel(ns))
        {
            reference.Error("namespace", $"'{ns}' is not a DNS label");
        }

        reference.RejectUnknown();

        // The Canary's namespace is filled in by the caller once metadata is known: "" here means "the Canary's".
        return (name is null ? null : new ResourceKey(MetricTemplateResource.KindName, ns ?? "", name), variables);
    }
}
