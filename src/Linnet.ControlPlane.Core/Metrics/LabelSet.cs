using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>A series' identity in the embedded store, compactly: its metric name and its labels as two arrays
/// sorted by name, every string interned by the store (so that the thousands of series repeating a label name or
/// value hold one copy of it). Equal when the name and every label are; read as a dictionary by the selectors.</summary>
internal sealed class LabelSet : IReadOnlyDictionary<string, string>, IEquatable<LabelSet>
{
    private readonly string[] _names;
    private readonly string[] _values;
    private readonly int _hash;

    private LabelSet(string name, string[] names, string[] values)
    {
        Name = name;
        _names = names;
        _values = values;
        var hash = new HashCode();
        hash.Add(name, StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            hash.Add(names[i], StringComparer.Ordinal);
            hash.Add(values[i], StringComparer.Ordinal);
        }

        _hash = hash.ToHashCode();
    }

    /// <summary>The metric's name.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public int Count => _names.Length;

    /// <inheritdoc />
    public IEnumerable<string> Keys => _names;

    /// <inheritdoc />
    public IEnumerable<string> Values => _values;

    /// <inheritdoc />
    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    /// <summary>The labels of a sample with its target's added (a target label wins over the sample's of the same
    /// name), every string passed through <paramref name="intern"/>.</summary>
    public static LabelSet Create(string name, IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> targetLabels, Func<string, string> intern)
    {
        var merged = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in labels)
        {
            merged[key] = value;
        }

        foreach (var (key, value) in targetLabels)
        {
            merged[key] = value;
        }

        var names = new string[merged.Count];
        var values = new string[merged.Count];
        var i = 0;
        foreach (var (key, value) in merged)
        {
            names[i] = intern(key);
            values[i] = intern(value);
            i++;
        }

        return new LabelSet(name, names, values);
    }

    /// <summary>Adds every string of this set to <paramref name="pool"/> (the store rebuilding its pool).</summary>
    public void InternInto(Dictionary<string, string> pool)
    {
        pool.TryAdd(Name, Name);
        for (var i = 0; i < _names.Length; i++)
        {
            pool.TryAdd(_names[i], _names[i]);
            pool.TryAdd(_values[i], _values[i]);
        }
    }

    /// <inheritdoc />
    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        var i = IndexOf(key);
        value = i >= 0 ? _values[i] : null;
        return i >= 0;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        for (var i = 0; i < _names.Length; i++)
        {
            yield return new KeyValuePair<string, string>(_names[i], _values[i]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public bool Equals(LabelSet? other)
    {
        if (other is null || other._hash != _hash || other._names.Length != _names.Length || !string.Equals(other.Name, Name, StringComparison.Ordinal))
        {
            return false;
        }

        for (var i = 0; i < _names.Length; i++)
        {
            if (!string.Equals(_names[i], other._names[i], StringComparison.Ordinal) || !string.Equals(_values[i], other._values[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is LabelSet other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    // Few labels (about 15): a walk of the sorted names.
    private int IndexOf(string key)
    {
        for (var i = 0; i < _names.Length; i++)
        {
            var order = string.CompareOrdinal(_names[i], key);
            if (order == 0)
            {
                return i;
            }

            if (order > 0)
            {
                return -1;
            }
        }

        return -1;
    }
}
