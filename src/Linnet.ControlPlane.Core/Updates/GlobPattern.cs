namespace Linnet.ControlPlane.Core.Updates;

/// <summary>The glob Keel's <c>glob:</c> policy uses (ryanuber/go-glob): <c>*</c> is the only wildcard and matches
/// any run of characters; every other character matches itself.</summary>
public static class GlobPattern
{
    /// <summary>Whether <paramref name="subject"/> matches <paramref name="pattern"/>.</summary>
    public static bool IsMatch(string pattern, string subject)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(subject);
        if (pattern.Length == 0)
        {
            return subject.Length == 0;
        }

        if (pattern == "*")
        {
            return true;
        }

        var parts = pattern.Split('*');
        if (parts.Length == 1)
        {
            return subject == pattern;
        }

        var leading = pattern.StartsWith('*');
        var trailing = pattern.EndsWith('*');
        var rest = subject.AsSpan();
        var end = parts.Length - 1;
        for (var i = 0; i < end; i++)
        {
            var index = rest.IndexOf(parts[i], StringComparison.Ordinal);
            if (i == 0 ? !leading && index != 0 : index < 0)
            {
                return false;
            }

            rest = rest[(index + parts[i].Length)..];
        }

        return trailing || rest.EndsWith(parts[end], StringComparison.Ordinal);
    }
}
