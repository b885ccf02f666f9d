using System.Diagnostics;
using System.Globalization;
using Linnet.Platform.Universal.Supervisor;

namespace Linnet.Platform.Universal.Tests.Supervisor;

/// <summary>A pid file is trusted only while the very process it names runs: the start time in /proc/pid/stat
/// (proc(5), field 22) tells a process from another that reused its pid.</summary>
public sealed class ProcessRecordTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("linnet-pidrecord-");

    private string PidFile => Path.Combine(_directory.FullName, "x.pid");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void ReadRunning_RecordOfThisProcess_IsThisProcess()
    {
        Assert.True(ProcessRecord.TryWrite(PidFile, Environment.ProcessId));

        Assert.Equal(ProcessTree.Identify(Environment.ProcessId), ProcessRecord.ReadRunning(PidFile));
    }

    [Fact]
    public void ReadRunning_ProcessHasExited_IsNull()
    {
        using var process = Process.Start(new ProcessStartInfo("sleep", "30"))!;
        Assert.True(ProcessRecord.TryWrite(PidFile, process.Id));
        process.Kill();
        process.WaitForExit();

        Assert.Null(ProcessRecord.ReadRunning(PidFile));
    }

    [Fact]
    public void ReadRunning_SamePidOtherStartTime_IsNull()
    {
        var start = ProcessTree.Identify(Environment.ProcessId)!.Value.StartTime;
        File.WriteAllText(PidFile, string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId} {start + 1}"));

        Assert.Null(ProcessRecord.ReadRunning(PidFile));
    }

    [Fact]
    public void ReadRunning_PidAlone_TrustedOnlyWhenAsked()
    {
        File.WriteAllText(PidFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");

        Assert.Null(ProcessRecord.ReadRunning(PidFile));
        Assert.Equal(Environment.ProcessId, ProcessRecord.ReadRunning(PidFile, pidAloneTrusted: true)?.Pid);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("12 34 56")]
    [InlineData("-1 5")]
    [InlineData("1 x")]
    public void ReadRunning_Malformed_IsNull(string text)
    {
        File.WriteAllText(PidFile, text);

        Assert.Null(ProcessRecord.ReadRunning(PidFile, pidAloneTrusted: true));
    }

    [Fact]
    public void ReadRunning_NoFile_IsNull() => Assert.Null(ProcessRecord.ReadRunning(PidFile));

    [Fact]
    public void TryWrite_ProcessGone_WritesNothing()
    {
        using var process = Process.Start(new ProcessStartInfo("true"))!;
        process.WaitForExit();

        Assert.False(ProcessRecord.TryWrite(PidFile, process.Id));
        Assert.False(File.Exists(PidFile));
    }
}
