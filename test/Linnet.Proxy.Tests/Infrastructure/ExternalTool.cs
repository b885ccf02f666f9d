namespace Linnet.Proxy.Tests.Infrastructure;

/// <summary>Finds Debian tools that some tests drive (promtool, iptables...). Missing outside CI → the test
/// is skipped with the reason; missing under CI=true → the test fails, so CI can never skip silently.</summary>
internal static class ExternalTool
{
    public static string Require(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/usr/bin"))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        var reason = $"{name} is not installed (run ./test.sh, which installs the test prerequisites)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(reason);
        }

        Assert.Skip(reason);
        return "";
    }
}
