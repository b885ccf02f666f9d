using System.Text.Json;

namespace Linnet.ControlPlane.Core.Identity;

/// <summary>The ids of revoked workload tokens, persisted (when a file is given) before a revocation is
/// acknowledged, so that a restart forgets none.</summary>
public sealed class TokenRevocationList
{
    private readonly string? _path;
    private readonly Lock _gate = new();
    private HashSet<string> _revoked;

    /// <summary>Reads the list from <paramref name="path"/> (none yet: empty); null keeps it in memory.</summary>
    /// <exception cref="IdentityConfigurationException">The file exists but is not a revocation list.</exception>
    public TokenRevocationList(string? path)
    {
        _path = path;
        _revoked = new HashSet<string>(StringComparer.Ordinal);
        if (path is null || !File.Exists(path))
        {
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            foreach (var id in document.RootElement.GetProperty("revoked").EnumerateArray())
            {
                _revoked.Add(id.GetString() ?? throw new InvalidDataException("null id"));
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or InvalidDataException)
        {
            // Starting with an empty list would quietly un-revoke tokens.
            throw new IdentityConfigurationException($"the revocation list {path} is damaged ({ex.Message}); fix or remove it", ex);
        }
    }

    /// <summary>How many ids are revoked.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _revoked.Count;
            }
        }
    }

    /// <summary>Whether <paramref name="id"/> is revoked.</summary>
    public bool IsRevoked(string id)
    {
        lock (_gate)
        {
            return _revoked.Contains(id);
        }
    }

    /// <summary>Revokes <paramref name="id"/>; true if it was not revoked before. Persisted before it returns.</summary>
    public bool Revoke(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            if (_revoked.Contains(id))
            {
                return false;
            }

            var next = new HashSet<string>(_revoked, StringComparer.Ordinal) { id };
            if (_path is not null)
            {
                IdentityFiles.WritePrivate(_path, Serialize(next));
            }

            _revoked = next;
            return true;
        }
    }

    private static string Serialize(HashSet<string> ids)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("revoked");
            foreach (var id in ids.Order(StringComparer.Ordinal))
            {
                json.WriteStringValue(id);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
