using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.ControlPlane.Updates;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.ControlPlane.Tests.Updates;

/// <summary>A webhook's update of a Deployment that meets a concurrent change: the write is refused as a conflict,
/// and the push is planned again from the Deployment as the store holds it once the change arrives, never from the
/// stale one. The cluster is played by a recording <see cref="IDeploymentImageWriter"/> that refuses the first write
/// and, as the watch would, brings the concurrent change into the store.</summary>
public sealed class DeploymentReplanTests
{
    private const string Digest = "sha256:4444444444444444444444444444444444444444444444444444444444444444";
    private static readonly WebhookCredentials Credentials = new("registry", "hook-secret");

    [Fact]
    public async Task Webhook_DeploymentChangedMeanwhile_PlannedAgainFromTheNewVersion()
    {
        var ct = TestContext.Current.CancellationToken;
        var writer = new ConflictingOnceWriter();
        await using var cp = await TestControlPlane.StartAsync(ct, services => services.AddSingleton<IDeploymentImageWriter>(writer), options: new ControlPlaneOptions { WebhookCredentials = Credentials });
        writer.Store = cp.Store;
        await cp.Store.CommitAsync([new PutChange(Deployment(new Dictionary<string, string>()))], ct);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/webhooks/native") { Content = new StringContent($$"""{"name":"127.0.0.1:5000/shop/web","tag":"1.3.0","digest":"{{Digest}}"}""", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("registry:hook-secret")));
        using var response = await cp.Anonymous.SendAsync(request, ct);

        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal(2, writer.Calls.Count);
        Assert.False(writer.Calls[0].Planned.Metadata.Labels.ContainsKey("changed"));
        // The second plan is the Deployment as changed meanwhile, with the same update.
        Assert.Equal("yes", writer.Calls[1].Planned.Metadata.Labels["changed"]);
        Assert.Equal($"127.0.0.1:5000/shop/web:1.3.0@{Digest}", writer.Calls[1].Images["app"]);
        Assert.Equal("Deployment", JsonNode.Parse(text)!["updated"]![0]!["kind"]!.GetValue<string>());
    }

    private static DeploymentResource Deployment(Dictionary<string, string> labels) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Annotations = new Dictionary<string, string> { ["keel.sh/policy"] = "minor" }, Labels = labels },
        Spec = new DeploymentSpec(1, new Dictionary<string, string> { ["app"] = "web" }, [new DeploymentContainer("app", "127.0.0.1:5000/shop/web:1.2.0", false)]),
    };

    private sealed class ConflictingOnceWriter : IDeploymentImageWriter
    {
        public IResourceStore Store { get; set; } = null!;

        public List<(DeploymentResource Planned, IReadOnlyDictionary<string, string> Images)> Calls { get; } = [];

        public bool CanWrite => true;

        public async Task WriteAsync(DeploymentResource planned, IReadOnlyDictionary<string, string> images, CancellationToken cancellationToken)
        {
            Calls.Add((planned, images));
            if (Calls.Count == 1)
            {
                // Someone changed the Deployment; the watch brings it into the store, and the API server says 409.
                await Store.CommitAsync([new PutChange(Deployment(new Dictionary<string, string> { ["changed"] = "yes" }))], cancellationToken);
                throw new ConflictException("Deployment default/web changed on the cluster");
            }
        }
    }
}
