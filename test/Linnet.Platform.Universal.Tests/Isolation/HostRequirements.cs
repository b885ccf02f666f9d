namespace Linnet.Platform.Universal.Tests.Isolation;

/// <summary>What the tests that make host interfaces and network namespaces need: root and <c>ip</c>. Without them
/// they skip, except on CI (<c>CI=true</c>), where they must run.</summary>
internal static class HostRequirements
{
    public static void RootAndIp(string why)
    {
        var root = OperatingSystem.IsLinux() && File.ReadLines("/proc/self/status").Any(l => l.StartsWith("Uid:\t0\t", StringComparison.Ordinal));
        var ip = ((string[])["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]).Any(File.Exists);
        if (root && ip)
        {
            return;
        }

        var reason = $"{why}: needs root and ip";
        Assert.SkipWhen(!string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), reason);
        Assert.Fail($"{reason}; CI=true, so it must run rather than skip");
    }
}
