using System.Diagnostics;
using System.Net;
using Linnet.Platform.Universal.Isolation;
using Linnet.Platform.Universal.Tests.Store;

namespace Linnet.Platform.Universal.Tests.Isolation;

/// <summary>A mesh given no <c>--pod-network</c> takes a range of its own that nothing on the host uses, so that a
/// second mesh, or a bridge a crashed run left behind, never stops it from starting.</summary>
public sealed class PodRangeTests
{
    [Fact]
    public void ChooseNetwork_GivenARange_KeepsIt()
    {
        var given = IPNetwork.Parse("10.99.0.0/24");

        Assert.Equal(given, PodNetwork.ChooseNetwork(new IsolationOptions { Network = given }, "/tmp/any").Network);
    }

    [Fact]
    public void ChooseNetwork_ItsRangeHeldByAnotherInterface_TakesAnotherFreeOneOfTheDefaultPool()
    {
        HostRequirements.RootAndIp("choosing a pod range reads and makes host interfaces");
        using var data = new TempDirectory();
        var first = PodNetwork.ChooseNetwork(new IsolationOptions(), data.Path).Network!.Value;
        Assert.True(IsolationOptions.DefaultNetwork.Contains(first.BaseAddress), $"{first} is outside {IsolationOptions.DefaultNetwork}");
        Assert.Equal(IsolationOptions.DefaultPrefixLength, first.PrefixLength);

        // Another mesh's bridge (or one left by a run that crashed) holds that range.
        var squatter = $"lntq{Environment.ProcessId % 100000}";
        Run("ip", "link", "add", squatter, "type", "bridge");
        try
        {
            var octets = first.BaseAddress.GetAddressBytes();
            Run("ip", "addr", "add", $"{octets[0]}.{octets[1]}.{octets[2]}.1/{first.PrefixLength}", "dev", squatter);

            var second = PodNetwork.ChooseNetwork(new IsolationOptions(), data.Path).Network!.Value;

            Assert.True(IsolationOptions.DefaultNetwork.Contains(second.BaseAddress), $"{second} is outside {IsolationOptions.DefaultNetwork}");
            Assert.False(second.Contains(first.BaseAddress) || first.Contains(second.BaseAddress), $"{second} overlaps the squatted {first}");
        }
        finally
        {
            Run("ip", "link", "delete", squatter);
        }
    }

    private static void Run(params string[] arguments)
    {
        var info = new ProcessStartInfo(arguments[0]) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments.AsSpan(1))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', arguments)}: {error}");
    }
}
