using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>Gateway API's ReferenceGrant through real proxies: a route in namespace <c>shop</c> sending the default
/// namespace's <c>store</c> traffic to <c>store</c> itself is a cross-namespace backendRef, which resolves only while a
/// ReferenceGrant in the default namespace lets <c>shop</c>'s HTTPRoutes in. Without it the route says
/// <c>ResolvedRefs False (RefNotPermitted)</c> and the client's proxy answers its requests 500; with it requests
/// reach the backend; deleting it revokes the reference.</summary>
public sealed class ReferenceGrantTests(ITestOutputHelper output)
{
    private const string Route = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: to-store, namespace: shop }
        spec:
          parentRefs: [ { name: store, namespace: default } ]
          rules:
            - backendRefs: [ { name: store, namespace: default } ]

        """;

    private const string Grant = """
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: ReferenceGrant
        metadata: { name: shop-routes, namespace: default }
        spec:
          from: [ { group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop } ]
          to: [ { group: "", kind: Service, name: store } ]

        """;

    [Fact]
    public async Task CrossNamespaceBackendRef_GrantedThenRevoked_500sUntilGrantedAndAfterRevocation()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await MeshClient.ApplyFileAsync(mesh, Manifests.Join(
            MeshedWorkloads.Service("store"),
            TrafficApp.Workload("client", 1, "{ app: client }", "0", "client"),
            TrafficApp.Workload("store", 1, "{ app: store }", "1", "store")), ct);
        var instances = (await mesh.WaitForInstancesAsync(2, ct)).ToDictionary(i => i.Name, i => i.Address);
        using var client = new MeshClient(instances["client-0"]);

        // Not permitted: the status says why, and the proxy answers 500 instead of routing.
        var revision = await mesh.ApplyAsync(Route, ct);
        await mesh.WaitForConfigAsync([instances["client-0"]], revision, TimeSpan.FromSeconds(15), ct);
        Assert.All(await client.BurstAsync("store", "/", 20, 4, ct), r => Assert.Equal(500, r.Status));
        await AssertResolvedRefsAsync(mesh, "False (RefNotPermitted)", ct);

        // Granted: the same route now reaches the backend.
        revision = await mesh.ApplyAsync(Grant, ct);
        await mesh.WaitForConfigAsync([instances["client-0"]], revision, TimeSpan.FromSeconds(15), ct);
        Assert.All(await client.BurstAsync("store", "/", 20, 4, ct), r => Assert.Equal((200, "store-0"), (r.Status, r.Instance)));
        await AssertResolvedRefsAsync(mesh, "True", ct);

        // Revoked: deleting the grant takes the access away again.
        var deleted = await mesh.RunCliAsync(ct, "delete", "referencegrant", "shop-routes", "-n", "default");
        Assert.True(deleted.ExitCode == 0, deleted.Output);
        await mesh.WaitForConfigAsync([instances["client-0"]], await mesh.RevisionAsync(ct), TimeSpan.FromSeconds(15), ct);
        Assert.All(await client.BurstAsync("store", "/", 20, 4, ct), r => Assert.Equal(500, r.Status));
        await AssertResolvedRefsAsync(mesh, "False (RefNotPermitted)", ct);
        await mesh.DownAsync(ct);
    }

    // As a user reads it: `linnet get httproutes -n shop`, whose RESOLVED REFS column the status controller fills
    // after each change (polled, bounded).
    private static async Task AssertResolvedRefsAsync(Mesh mesh, string expected, CancellationToken ct)
    {
        var last = "";
        await Eventually.UntilAsync(
            async () =>
            {
                var get = await mesh.RunCliAsync(ct, "get", "httproutes", "-n", "shop");
                last = get.Output;
                return get.ExitCode == 0 && get.Output.Split('\n').Any(l => l.Contains("to-store", StringComparison.Ordinal)
                    && (expected == "True" ? !l.Contains("False", StringComparison.Ordinal) && l.TrimEnd().EndsWith("True", StringComparison.Ordinal) : l.Contains(expected, StringComparison.Ordinal)));
            },
            TimeSpan.FromSeconds(20),
            $"to-store's RESOLVED REFS is {expected}",
            ct,
            () => last);
    }
}
