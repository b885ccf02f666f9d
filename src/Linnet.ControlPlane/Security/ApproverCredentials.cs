using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Linnet.Api.Security;

namespace Linnet.ControlPlane.Security;

/// <summary>Named bearer tokens of the people who vote on image updates (Keel's approvals): each authenticates
/// as its name with the approver role, which may call <c>/v1/approvals</c> and nothing else. A vote is the
/// caller's identity, so N distinct voters are N of these names (or the admin). Read from a file (owner-only,
/// one <c>name:token</c> a line, tokens of at least 32 characters); only SHA-256 hashes are kept and compared in
/// constant time, and <see cref="ToString"/> shows names only.</summary>
public sealed partial class ApproverCredentials
{
    private readonly (string Name, byte[] Hash)[] _approvers;

    private ApproverCredentials((string Name, byte[] Hash)[] approvers) => _approvers = approvers;

    /// <summary>No approvers: only the admin votes.</summary>
    public static ApproverCredentials None { get; } = new([]);

    /// <summary>The approvers' names.</summary>
    public IEnumerable<string> Names => _approvers.Select(a => a.Name);

    /// <summary>Approvers from <c>name:token</c> pairs.</summary>
    /// <exception cref="InvalidOperationException">A name that is not <c>[a-z0-9._-]</c>, or <c>admin</c>, a name
    /// given twice, or a token shorter than 32 characters.</exception>
    public static ApproverCredentials From(IEnumerable<(string Name, string Token)> approvers)
    {
        ArgumentNullException.ThrowIfNull(approvers);
        var list = new List<(string, byte[])>();
        foreach (var (name, token) in approvers)
        {
            if (!NameSyntax().IsMatch(name) || name == "admin")
            {
                throw new InvalidOperationException($"approver '{name}': a name is 1-63 of a-z, 0-9, '.', '_', '-', and not 'admin'");
            }

            if (token.Length < 32)
            {
                throw new InvalidOperationException($"approver '{name}': the token must be at least 32 characters");
            }

            if (list.Exists(a => a.Item1 == name))
            {
                throw new InvalidOperationException($"approver '{name}' is given twice");
            }

            list.Add((name, SHA256.HashData(Encoding.UTF8.GetBytes(token))));
        }

        return new ApproverCredentials([.. list]);
    }

    /// <summary>Reads <c>name:token</c> lines (blank lines and <c>#</c> comments skipped) from a file readable by
    /// its owner only (0600).</summary>
    /// <exception cref="InvalidOperationException">The file is readable by others, or a line is malformed.</exception>
    public static ApproverCredentials FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        OwnerOnlyFile.Require(path);

        var pairs = new List<(string, string)>();
        var number = 0;
        foreach (var raw in File.ReadAllLines(path))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new InvalidOperationException($"{path}:{number}: write name:token");
            }

            pairs.Add((line[..colon], line[(colon + 1)..]));
        }

        return From(pairs);
    }

    /// <summary>The name of the approver whose token is <paramref name="presented"/>, or null. Every token is
    /// compared, so the time taken does not tell which one matched.</summary>
    public string? Match(string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        string? found = null;
        foreach (var (name, expected) in _approvers)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                found = name;
            }
        }

        return found;
    }

    /// <inheritdoc />
    public override string ToString() => $"ApproverCredentials {{ {string.Join(", ", Names)} }}";

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex NameSyntax();
}
