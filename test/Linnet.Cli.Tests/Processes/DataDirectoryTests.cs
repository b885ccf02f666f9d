using System.Globalization;
using Linnet.Cli.Processes;
using Linnet.Platform.Universal.Supervisor;

namespace Linnet.Cli.Tests.Processes;

/// <summary>The pid file must never lead `linnet down` to signal a process that merely reuses a dead control
/// plane's pid: the start time in /proc/pid/stat (field 22) tells them apart.</summary>
public sealed class DataDirectoryTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("linnet-datadir-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void RunningPid_RecordOfThisProcess_IsThisPid()
    {
        var data = new DataDirectory(_directory.FullName);
        Assert.True(ProcessRecord.TryWrite(data.PidFile, Environment.ProcessId));

        Assert.Equal(Environment.ProcessId, data.RunningPid());
    }

    [Fact]
    public void RunningPid_PidAliveButStartedAtAnotherTime_IsNull()
    {
        var data = new DataDirectory(_directory.FullName);
        var start = ProcessTree.Identify(Environment.ProcessId)!.Value.StartTime;
        File.WriteAllText(data.PidFile, string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId} {start + 1}"));

        Assert.Null(data.RunningPid());
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("12 34 56")]
    [InlineData("-1")]
    public void RunningPid_MalformedFile_IsNull(string text)
    {
        var data = new DataDirectory(_directory.FullName);
        File.WriteAllText(data.PidFile, text);

        Assert.Null(data.RunningPid());
    }

    [Fact]
    public void RunningPid_PidAloneFromAnOlderControlPlane_TrustedOnThePid()
    {
        var data = new DataDirectory(_directory.FullName);
        File.WriteAllText(data.PidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");

        Assert.Equal(Environment.ProcessId, data.RunningPid());
    }
}
