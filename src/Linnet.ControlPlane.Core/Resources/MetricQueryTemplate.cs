using System.Text;
using System.Text.RegularExpressions;

namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Flagger's MetricTemplate query language (pkg/metrics/observers/render.go: a Go text/template whose
/// functions are the model's fields): <c>{{ name }}</c>, <c>{{ namespace }}</c>, <c>{{ target }}</c>,
/// <c>{{ service }}</c>, <c>{{ interval }}</c> and <c>{{ variables.KEY }}</c>; a missing variable is an error, as
/// with Flagger's <c>missingkey=error</c>. Other template actions (pipelines, conditionals, <c>ingress</c>,
/// <c>route</c>) are refused by <see cref="Check"/> when the template is applied, not met at analysis time.</summary>
public static partial class MetricQueryTemplate
{
    /// <summary>The model's fields Linnet fills.</summary>
    public static IReadOnlyList<string> Fields { get; } = ["name", "namespace", "target", "service", "interval"];

    /// <summary>Why <paramref name="query"/> cannot be rendered by Linnet; null when it can.</summary>
    public static string? Check(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        foreach (Match action in Action().Matches(query))
        {
            var body = action.Groups["body"].Value.Trim();
            if (!Fields.Contains(body, StringComparer.Ordinal) && !Variable().IsMatch(body))
            {
                return $"'{action.Value}' is not a template action Linnet renders: use {{{{ name }}}}, {{{{ namespace }}}}, {{{{ target }}}}, {{{{ service }}}}, {{{{ interval }}}} or {{{{ variables.KEY }}}}";
            }
        }

        var rest = Action().Replace(query, "");
        return rest.Contains("{{", StringComparison.Ordinal) || rest.Contains("}}", StringComparison.Ordinal) ? "has an unclosed '{{' or a stray '}}'" : null;
    }

    /// <summary>Renders <paramref name="query"/>; throws <see cref="KeyNotFoundException"/> naming a variable that
    /// <paramref name="variables"/> lacks.</summary>
    public static string Render(string query, IReadOnlyDictionary<string, string> fields, IReadOnlyDictionary<string, string> variables)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(variables);
        var result = new StringBuilder(query.Length);
        var last = 0;
        foreach (Match action in Action().Matches(query))
        {
            result.Append(query, last, action.Index - last);
            var body = action.Groups["body"].Value.Trim();
            var variable = Variable().Match(body);
            if (variable.Success)
            {
                var key = variable.Groups["key"].Value;
                result.Append(variables.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"templateVariables has no '{key}' (the query uses {{{{ variables.{key} }}}})"));
            }
            else
            {
                result.Append(fields.TryGetValue(body, out var value) ? value : throw new KeyNotFoundException($"'{body}' is not a template field"));
            }

            last = action.Index + action.Length;
        }

        return result.Append(query, last, query.Length - last).ToString();
    }

    [GeneratedRegex(@"\{\{-?(?<body>[^{}]*?)-?\}\}")]
    private static partial Regex Action();

    [GeneratedRegex(@"^variables\.(?<key>[A-Za-z_][A-Za-z0-9_]*)$")]
    private static partial Regex Variable();
}
