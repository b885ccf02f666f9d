using System.Globalization;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.StoreCrashDriver;

/// <summary>The commits the crash driver makes, shared with the test that checks them after each kill.</summary>
public static class CrashWorkloads
{
    /// <summary>The Service every commit updates, naming the workload of that commit.</summary>
    public const string ProgressName = "progress";

    /// <summary>The annotation of the progress Service that names the last workload.</summary>
    public const string LastAnnotation = "linnet.io/last";

    /// <summary>The name of the workload a round's index-th commit creates; fixed width, so that a name is
    /// never a prefix of another.</summary>
    public static string Name(int round, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"w-{round:D3}-{index:D7}");

    /// <summary>The workload a round's index-th commit creates.</summary>
    public static WorkloadResource Workload(int round, int index) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = Name(round, index),
            Labels = new Dictionary<string, string> { ["app"] = "crash", ["round"] = round.ToString(CultureInfo.InvariantCulture) },
        },
        Spec = new WorkloadSpec(
            Replicas: index % 5 + 1,
            ServiceAccount: "crash",
            Command: "/usr/bin/crash-app",
            Args: ["--index", index.ToString(CultureInfo.InvariantCulture)],
            Env: [new EnvVar("ROUND", round.ToString(CultureInfo.InvariantCulture))],
            WorkingDir: null,
            Ports: [8000 + index % 1000],
            OpaquePorts: [],
            Version: string.Create(CultureInfo.InvariantCulture, $"v{index}")),
    };

    /// <summary>The progress Service after the named workload's commit.</summary>
    public static ServiceResource Progress(string last) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = ProgressName,
            Annotations = new Dictionary<string, string> { [LastAnnotation] = last },
        },
        Spec = new ServiceSpec(new Dictionary<string, string> { ["app"] = "crash" }, [new ServicePort("http", 80, 8000, "http")]),
    };

    /// <summary>One commit: the new workload and the progress Service, atomically.</summary>
    public static IReadOnlyList<StoreChange> Commit(int round, int index) =>
        [new PutChange(Workload(round, index)), new PutChange(Progress(Name(round, index)))];
}
