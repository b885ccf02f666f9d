using System.Globalization;
using System.Net;
using Linnet.Api.Policy;
using Linnet.Api.Validation;
using YamlDotNet.RepresentationModel;

namespace Linnet.Api.Yaml;

/// <summary>Reads one YAML mapping by hand, recording errors with the field's path and rejecting unknown
/// keys. Hand mapping (rather than reflection) keeps the proxy Native AOT clean and the errors exact.</summary>
public sealed class YamlMap
{
    private readonly YamlMappingNode? _node;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly List<FieldError> _errors;

    public YamlMap(YamlNode? node, string path, List<FieldError> errors)
    {
        Path = path;
        _errors = errors;
        if (node is YamlMappingNode mapping)
        {
            _node = mapping;
        }
        else if (node is not null && !IsNull(node))
        {
            errors.Add(new FieldError(path, "must be a mapping"));
        }
    }

    public string Path { get; }

    public bool Exists => _node is not null;

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Value: null or "" or "~" or "null", Style: YamlDotNet.Core.ScalarStyle.Plain };

    public string Child(string key) => key.Length == 0 ? Path : Path.Length == 0 ? key : $"{Path}.{key}";

    public YamlNode? Node(string key)
    {
        _known.Add(key);
        if (_node is null)
        {
            return null;
        }

        foreach (var (k, v) in _node.Children)
        {
            if (k is YamlScalarNode { Value: { } name } && name == key)
            {
                return IsNull(v) ? null : v;
            }
        }

        return null;
    }

    public YamlMap Map(string key) => new(Node(key), Child(key), _errors);

    public string? Text(string key, bool required = false)
    {
        var node = Node(key);
        if (node is null)
        {
            if (required)
            {
                _errors.Add(new FieldError(Child(key), "is required"));
            }

            return null;
        }

        if (node is not YamlScalarNode scalar)
        {
            _errors.Add(new FieldError(Child(key), "must be a string"));
            return null;
        }

        return scalar.Value;
    }

    public int? Number(string key, int min, int max, bool required = false)
    {
        var text = Text(key, required);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            _errors.Add(new FieldError(Child(key), $"'{text}' is not a whole number"));
            return null;
        }

        if (value < min || value > max)
        {
            _errors.Add(new FieldError(Child(key), $"{value} is out of range {min}..{max}"));
            return null;
        }

        return value;
    }

    /// <summary>A number (decimals allowed) in <paramref name="min"/>..<paramref name="max"/>, or null when absent
    /// or invalid.</summary>
    public double? Real(string key, double min, double max)
    {
        var text = Text(key);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
        {
            _errors.Add(new FieldError(Child(key), $"'{text}' is not a number"));
            return null;
        }

        if (value < min || value > max)
        {
            _errors.Add(new FieldError(Child(key), string.Create(CultureInfo.InvariantCulture, $"{text} is out of range {min}..{max}")));
            return null;
        }

        return value;
    }

    public bool? Bool(string key)
    {
        var text = Text(key);
        if (text is null)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        _errors.Add(new FieldError(Child(key), $"'{text}' is not true or false"));
        return null;
    }

    public TimeSpan? Duration(string key)
    {
        var text = Text(key);
        if (text is null)
        {
            return null;
        }

        if (GatewayDuration.TryParse(text, out var value) && value > TimeSpan.Zero)
        {
            return value;
        }

        _errors.Add(new FieldError(Child(key), $"'{text}' is not a positive duration such as 500ms, 10s or 1m30s"));
        return null;
    }

    public IPEndPoint? EndPoint(string key)
    {
        var text = Text(key);
        if (text is null)
        {
            return null;
        }

        if (IPEndPoint.TryParse(text, out var endPoint) && text.Contains(':', StringComparison.Ordinal))
        {
            return endPoint;
        }

        _errors.Add(new FieldError(Child(key), $"'{text}' is not an ip:port address"));
        return null;
    }

    public IReadOnlyList<YamlNode> Sequence(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return [];
        }

        if (node is YamlSequenceNode sequence)
        {
            return sequence.Children.ToList();
        }

        _errors.Add(new FieldError(Child(key), "must be a list"));
        return [];
    }

    public HashSet<int> Ports(string key)
    {
        var ports = new HashSet<int>();
        var items = Sequence(key);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is YamlScalarNode { Value: { } text } && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
            {
                ports.Add(port);
            }
            else
            {
                _errors.Add(new FieldError($"{Child(key)}[{i}]", "must be a port number 1..65535"));
            }
        }

        return ports;
    }

    /// <summary>A list of whole numbers (digits only) in <paramref name="min"/>..<paramref name="max"/>; each other
    /// item is an error at <c>key[i]</c> whose reason <paramref name="reason"/> gives from the item's text.</summary>
    public List<int> WholeNumbers(string key, int min, int max, Func<string?, string> reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var numbers = new List<int>();
        var items = Sequence(key);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is YamlScalarNode { Value: { } text } && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max)
            {
                numbers.Add(number);
            }
            else
            {
                _errors.Add(new FieldError($"{Child(key)}[{i}]", reason((items[i] as YamlScalarNode)?.Value)));
            }
        }

        return numbers;
    }

    /// <summary>A mapping of strings to strings (labels, selectors, annotations).</summary>
    public Dictionary<string, string> StringMap(string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var node = Node(key);
        if (node is null)
        {
            return result;
        }

        if (node is not YamlMappingNode mapping)
        {
            _errors.Add(new FieldError(Child(key), "must be a mapping of strings"));
            return result;
        }

        foreach (var (k, v) in mapping.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? "";
            if (v is YamlScalarNode { Value: { } value })
            {
                result[name] = value;
            }
            else
            {
                _errors.Add(new FieldError($"{Child(key)}.{name}", "must be a string"));
            }
        }

        return result;
    }

    /// <summary>A list of strings.</summary>
    public List<string> StringList(string key)
    {
        var result = new List<string>();
        var items = Sequence(key);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is YamlScalarNode { Value: { } value })
            {
                result.Add(value);
            }
            else
            {
                _errors.Add(new FieldError($"{Child(key)}[{i}]", "must be a string"));
            }
        }

        return result;
    }

    /// <summary>A mapping for item <paramref name="index"/> of the list <paramref name="key"/>.</summary>
    public YamlMap Item(YamlNode node, string key, int index) => new(node, $"{Child(key)}[{index}]", _errors);

    /// <summary>Records an error at a child field.</summary>
    public void Error(string key, string reason) => _errors.Add(new FieldError(Child(key), reason));

    /// <summary>Call after reading every known key: any other key is an error.</summary>
    public void RejectUnknown()
    {
        if (_node is null)
        {
            return;
        }

        foreach (var key in _node.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? key.ToString();
            if (!_known.Contains(name))
            {
                _errors.Add(new FieldError(Child(name), $"unknown field (known: {string.Join(", ", _known)})"));
            }
        }
    }
}
