using System.Globalization;

namespace Linnet.Platform.Universal.Isolation;

/// <summary>The uids of each service account's apps and proxies: <c>base + 2k</c> and <c>base + 2k + 1</c>, where
/// k is the account's position in <c>service-account-uids</c> in the data directory (kept, so that an account
/// keeps its uids across restarts and files it wrote stay its own). Not thread-safe: the reconcile loop owns it.</summary>
internal sealed class ServiceAccountUids
{
    private const string FileName = "service-account-uids";
    private readonly string _path;
    private readonly int _base;
    private readonly List<string> _accounts = [];

    public ServiceAccountUids(string dataDirectory, int uidBase)
    {
        _path = Path.Combine(dataDirectory, FileName);
        _base = uidBase;
        if (File.Exists(_path))
        {
            _accounts.AddRange(File.ReadAllLines(_path).Where(line => line.Length > 0));
        }
    }

    /// <summary>The app and proxy uids of <paramref name="serviceAccount"/> in <paramref name="ns"/>.</summary>
    public (int App, int Proxy) For(string ns, string serviceAccount)
    {
        var account = $"{ns}/{serviceAccount}";
        var k = _accounts.IndexOf(account);
        if (k < 0)
        {
            _accounts.Add(account);
            k = _accounts.Count - 1;
            File.WriteAllLines(_path, _accounts);
        }

        var app = checked(_base + (2 * k));
        return (app, app + 1);
    }

    /// <summary>For the log: which uid is whose.</summary>
    public override string ToString() =>
        string.Join(", ", _accounts.Select((a, k) => string.Create(CultureInfo.InvariantCulture, $"{a}={_base + (2 * k)}/{_base + (2 * k) + 1}")));
}
