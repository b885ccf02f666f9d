using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Grpc.Net.Client;
using Linnet.Api.Destination.V1;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using DestinationClient = Linnet.Api.Destination.V1.Destination.DestinationClient;

namespace Linnet.ControlPlane.Tests.Infrastructure;

/// <summary>A real control plane on loopback ephemeral ports over an in-memory store, with an HTTP client for
/// its API and gRPC clients for its Destination service.</summary>
internal sealed class TestControlPlane : IAsyncDisposable
{
    private readonly List<GrpcChannel> _channels = [];

    private TestControlPlane(ControlPlaneHost host, IResourceStore store)
    {
        Host = host;
        Store = store;
        // Every API call needs the admin credential; tests of refusals use Anonymous.
        Http = new HttpClient { BaseAddress = new Uri($"http://{host.HttpEndPoint}") };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.AdminCredential.Token);
        Anonymous = new HttpClient { BaseAddress = new Uri($"http://{host.HttpEndPoint}") };
    }

    public ControlPlaneHost Host { get; }

    public IResourceStore Store { get; }

    /// <summary>A client carrying the admin credential.</summary>
    public HttpClient Http { get; }

    /// <summary>A client carrying no credential.</summary>
    public HttpClient Anonymous { get; }

    public static async Task<TestControlPlane> StartAsync(CancellationToken ct, Action<IServiceCollection>? extra = null, IResourceStore? store = null, ControlPlaneOptions? options = null)
    {
        store ??= new InMemoryResourceStore();
        options = (options ?? new ControlPlaneOptions()) with
        {
            GrpcListen = new IPEndPoint(IPAddress.Loopback, 0),
            HttpListen = new IPEndPoint(IPAddress.Loopback, 0),
        };
        var host = ControlPlaneHost.Create(options, store, services =>
        {
            services.AddLogging(b => b.ClearProviders());
            extra?.Invoke(services);
        });
        await host.StartAsync(ct);
        return new TestControlPlane(host, store);
    }

    /// <summary>A client on a channel (one HTTP/2 connection over TLS) of its own, as each proxy has, holding a
    /// mesh certificate for <paramref name="ns"/>/<paramref name="serviceAccount"/>.</summary>
    public DestinationClient NewClient(string ns = "default", string serviceAccount = "default")
    {
        var channel = MeshChannel.Create(Host, MeshChannel.Issue(Host, ns, serviceAccount));
        _channels.Add(channel);
        return new DestinationClient(channel);
    }

    /// <summary>Subscribes as a proxy of <paramref name="workload"/> would, with a certificate for the service
    /// account the store records for it ("default" when it is not there).</summary>
    public Subscription Subscribe(string ns, string workload = "app", string instance = "app-0", DestinationClient? client = null)
    {
        var serviceAccount = Store.Find(new ResourceKey(WorkloadResource.KindName, ns, workload)) is WorkloadResource w ? w.Spec.ServiceAccount : "default";
        return new((client ?? NewClient(ns, serviceAccount)).Subscribe(new SubscribeRequest { Namespace = ns, Workload = workload, Instance = instance }));
    }

    public Task<(HttpStatusCode Status, JsonNode Body)> ApplyAsync(string manifests, CancellationToken ct, string source = "test.yaml") =>
        SendAsync(HttpMethod.Post, $"/api/v1/apply?source={Uri.EscapeDataString(source)}", ct, manifests);

    /// <summary>Applies manifests that must be accepted; returns the new revision.</summary>
    public async Task<long> ApplyOkAsync(string manifests, CancellationToken ct)
    {
        var (status, body) = await ApplyAsync(manifests, ct);
        Assert.True(status == HttpStatusCode.OK, $"apply: {(int)status} {body.ToJsonString()}");
        return (long)body["revision"]!;
    }

    /// <summary>Writes platform-owned resources (Instances) as the supervisor would: straight to the store.</summary>
    public async Task<long> CommitAsStoreAsync(string manifests, CancellationToken ct)
    {
        var parsed = ManifestParser.Parse(manifests, "platform", ManifestOrigin.Store);
        Assert.Empty(parsed.Errors);
        var result = await Store.CommitAsync(parsed.Resources.Select(r => (StoreChange)new PutChange(r)).ToList(), ct);
        return result.Revision;
    }

    /// <summary>The resource <paramref name="key"/> once <paramref name="condition"/> holds for it, re-checked at every
    /// store change (no polling); a <see cref="TimeoutException"/> saying <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public async Task<T> WaitForAsync<T>(ResourceKey key, Func<T, bool> condition, string what, TimeSpan timeout, CancellationToken ct)
        where T : Resource
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var revision = Store.Revision;
        try
        {
            if (Store.Find(key) is T found && condition(found))
            {
                return found;
            }

            await foreach (var _ in Store.WatchAsync(revision, deadline.Token))
            {
                if (Store.Find(key) is T current && condition(current))
                {
                    return current;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"{what}: not within {timeout}\n{Store.Find(key)?.ToString()}");
    }

    public async Task<(HttpStatusCode Status, JsonNode Body)> SendAsync(HttpMethod method, string path, CancellationToken ct, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/yaml"));
        }

        using var response = await Http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return (response.StatusCode, JsonNode.Parse(text)!);
    }

    /// <summary>Sends <paramref name="body"/> as JSON (none when null).</summary>
    public Task<(HttpStatusCode Status, JsonNode Body)> SendJsonAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct) =>
        SendAsync(method, path, ct, body?.ToJsonString());

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        Http.Dispose();
        Anonymous.Dispose();
        await Host.StopAsync();
        await Host.DisposeAsync();
        (Store as IDisposable)?.Dispose();
    }
}
