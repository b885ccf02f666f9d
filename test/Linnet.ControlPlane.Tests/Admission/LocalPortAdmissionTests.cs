using Linnet.ControlPlane.Admission;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Tests.Admission;

public sealed class LocalPortAdmissionTests
{
    [Fact]
    public void Admit_NewService_GetsLowestPortsNotHeldByOthers()
    {
        var snapshot = Snapshot(Service("a", [80], new() { [80] = 20000 }), Service("b", [80], new() { [80] = 20002 }));
        var admission = new LocalPortAdmission(new ControlPlaneOptions());

        var result = admission.Admit(snapshot, [Service("c", [80, 81, 82])]);

        Assert.Null(result.Error);
        var c = Assert.IsType<ServiceResource>(Assert.Single(result.Resources));
        Assert.Equal(new Dictionary<int, int> { [80] = 20001, [81] = 20003, [82] = 20004 }, c.Status.LocalPorts);
    }

    [Fact]
    public void Admit_ExistingService_KeepsPortsOfRemainingPortsAndDropsRemoved()
    {
        var snapshot = Snapshot(Service("a", [80, 81], new() { [80] = 20005, [81] = 20000 }));
        var admission = new LocalPortAdmission(new ControlPlaneOptions());

        var result = admission.Admit(snapshot, [Service("a", [80, 90])]);

        var a = Assert.IsType<ServiceResource>(Assert.Single(result.Resources));
        Assert.Equal(new Dictionary<int, int> { [80] = 20005, [90] = 20000 }, a.Status.LocalPorts);
    }

    [Fact]
    public void Admit_KeptPortOfOneServiceNeverGivenToAnotherInSameRequest()
    {
        var snapshot = Snapshot(Service("b", [80], new() { [80] = 20000 }));
        var admission = new LocalPortAdmission(new ControlPlaneOptions());

        var result = admission.Admit(snapshot, [Service("a", [80]), Service("b", [80])]);

        Assert.Equal([20001, 20000], result.Resources.Cast<ServiceResource>().Select(s => s.Status.LocalPorts[80]));
    }

    [Fact]
    public void Admit_RangeExhausted_Refused()
    {
        var snapshot = Snapshot(Service("a", [80], new() { [80] = 20000 }));
        var admission = new LocalPortAdmission(new ControlPlaneOptions { LocalPortFirst = 20000, LocalPortLast = 20001 });

        var result = admission.Admit(snapshot, [Service("b", [80, 81])]);

        Assert.Empty(result.Resources);
        Assert.Equal("Service/default/b: no free local port for port 81: every port of 20000-20001 is assigned", result.Error);
    }

    private static StoreSnapshot Snapshot(params Resource[] resources) => new(1, resources.ToDictionary(r => r.Key));

    private static ServiceResource Service(string name, int[] ports, Dictionary<int, int>? local = null) => new()
    {
        Metadata = new ObjectMeta { Name = name },
        Spec = new ServiceSpec(new Dictionary<string, string> { ["app"] = name }, ports.Select(p => new ServicePort(null, p, p, null)).ToList()),
        Status = new ServiceStatus(local ?? []),
    };
}
