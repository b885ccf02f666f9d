using Linnet.Proxy.Authorization;
using Linnet.Proxy.ControlPlane;
using Proto = Linnet.Api.Destination.V1;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Tests.Authorization;

/// <summary>The policy held across the stream: set by a snapshot, kept by updates that leave it out, replaced
/// by updates that carry it.</summary>
public sealed class DestinationStatePolicyTests
{
    [Fact]
    public void Apply_PolicyInSnapshotThenAbsentThenChanged_KeptUntilReplaced()
    {
        var state = new DestinationState();
        var problems = new List<string>();

        state.Apply(new Proto.ConfigUpdate { Version = "1", Snapshot = true, InboundPolicy = new Proto.InboundPolicy { DefaultPolicy = Proto.DefaultPolicy.Deny } }, problems);
        var afterSnapshot = state.InboundPolicy;
        state.Apply(new Proto.ConfigUpdate { Version = "2" }, problems);
        var afterUnrelated = state.InboundPolicy;
        state.Apply(new Proto.ConfigUpdate { Version = "3", InboundPolicy = new Proto.InboundPolicy { DefaultPolicy = Proto.DefaultPolicy.Audit } }, problems);

        Assert.Equal(DefaultInboundPolicy.Deny, afterSnapshot.Default);
        Assert.Same(afterSnapshot, afterUnrelated);
        Assert.Equal(DefaultInboundPolicy.Audit, state.InboundPolicy.Default);
        Assert.Empty(problems);
    }

    [Fact]
    public void Apply_SnapshotWithoutPolicy_BackToAllowAll()
    {
        var state = new DestinationState();
        var problems = new List<string>();

        state.Apply(new Proto.ConfigUpdate { Version = "1", Snapshot = true, InboundPolicy = new Proto.InboundPolicy { DefaultPolicy = Proto.DefaultPolicy.Deny } }, problems);
        state.Apply(new Proto.ConfigUpdate { Version = "2", Snapshot = true }, problems);

        Assert.Same(InboundPolicyConfig.AllowAll, state.InboundPolicy);
    }

    [Fact]
    public void Apply_StartedWithDenyThenSnapshotWithoutPolicy_StaysDenyNotAllowAll()
    {
        var startup = InboundPolicyConfig.Uniform(DefaultInboundPolicy.Deny);
        var state = new DestinationState(startup);
        var problems = new List<string>();

        var beforeAnyAnswer = state.InboundPolicy;
        state.Apply(new Proto.ConfigUpdate { Version = "1", Snapshot = true, InboundPolicy = new Proto.InboundPolicy { DefaultPolicy = Proto.DefaultPolicy.AllUnauthenticated } }, problems);
        var answered = state.InboundPolicy.Default;
        state.Apply(new Proto.ConfigUpdate { Version = "2", Snapshot = true }, problems);

        Assert.Equal(DefaultInboundPolicy.Deny, beforeAnyAnswer.Default);
        Assert.Equal(DefaultInboundPolicy.AllUnauthenticated, answered);
        Assert.Equal(DefaultInboundPolicy.Deny, state.InboundPolicy.Default);
    }
}
