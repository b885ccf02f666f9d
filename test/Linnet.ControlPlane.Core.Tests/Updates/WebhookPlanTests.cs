using System.Text;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Updates;

namespace Linnet.ControlPlane.Core.Tests.Updates;

/// <summary>Keel's webhook payloads (shapes and required fields from keel-hq/keel pkg/http/*_webhook_trigger.go and
/// their tests) and which workloads a push updates.</summary>
public sealed class WebhookPlanTests
{
    private const string D1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string D2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    [Theory]
    [InlineData("native", """{"name":"gcr.io/v2-namespace/hello-world","tag":"1.1.1"}""", "gcr.io/v2-namespace/hello-world", "1.1.1", null)]
    [InlineData("native", """{"name":"127.0.0.1:5000/shop/web","tag":"2.0.0","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111"}""", "127.0.0.1:5000/shop/web", "2.0.0", D1)]
    [InlineData("dockerhub", """{"push_data":{"pushed_at":1417566161,"images":[],"tag":"1.1.1","pusher":"trustedbuilder"},"repository":{"repo_name":"svendowideit/testhook","name":"testhook"}}""", "svendowideit/testhook", "1.1.1", null)]
    [InlineData("quay", """{"repository":"mynamespace/repository","namespace":"mynamespace","name":"repository","docker_url":"quay.io/mynamespace/repository","updated_tags":["1.2.3"]}""", "quay.io/mynamespace/repository", "1.2.3", null)]
    [InlineData("azure", """{"id":"x","action":"push","target":{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","repository":"hello-world","tag":"v1"},"request":{"host":"myregistry.azurecr.io"}}""", "myregistry.azurecr.io/hello-world", "v1", D1)]
    [InlineData("registry", """{"events":[{"id":"d83e8796","timestamp":"2018-10-11T13:53:21.859222576Z","action":"push","target":{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":2206,"digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","length":2206,"repository":"shinebayar-g/a","url":"https://registry.git.erxes.io/v2/shinebayar-g/a/manifests/sha256:1111111111111111111111111111111111111111111111111111111111111111","tag":"0.01"},"request":{"id":"18690582","addr":"46.101.177.27","host":"registry.git.erxes.io","method":"PUT"},"actor":{"name":"shinebayar-g"},"source":{"addr":"git.erxes.io:5000"}}]}""", "registry.git.erxes.io/shinebayar-g/a", "0.01", D1)]
    [InlineData("harbor", """{"type":"pushImage","occur_at":1582640688,"operator":"admin","event_data":{"resources":[{"digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","tag":"2.1.6","resource_url":"harbor.example.com/library/app:2.1.6"}],"repository":{"name":"app","namespace":"library","repo_full_name":"library/app","repo_type":"private"}}}""", "harbor.example.com/library/app", "2.1.6", D1)]
    [InlineData("harbor", """{"type":"PUSH_ARTIFACT","event_data":{"resources":[{"tag":"1.0.1","resource_url":"127.0.0.1:8443/proj/web:1.0.1"}]}}""", "127.0.0.1:8443/proj/web", "1.0.1", null)]
    [InlineData("jfrog", """{"domain":"docker","event_type":"pushed","data":{"repo_key":"docker-remote-cache","event_type":"pushed","path":"library/ubuntu/latest/list.manifest.json","name":"list.manifest.json","sha256":"1111111111111111111111111111111111111111111111111111111111111111","size":1206,"image_name":"library/ubuntu","tag":"latest"},"subscription_key":"test","jpd_origin":"https://example.jfrog.io","source":"jfrog/user@example.com"}""", "library/ubuntu", "latest", D1)]
    public void TryParse_KeelPayloads_Event(string kind, string json, string repository, string tag, string? digest)
    {
        Assert.True(KeelWebhookPayloads.TryParse(kind, Encoding.UTF8.GetBytes(json), out var events, out var error), error);

        Assert.Equal(new ImagePushEvent(repository, tag, digest), Assert.Single(events));
    }

    [Theory]
    [InlineData("native", """{"name":"","tag":"1.0"}""", "name cannot be empty")]
    [InlineData("native", """{"name":"r.io/a"}""", "tag cannot be empty")]
    [InlineData("native", """{"name":"r.io/a","tag":"1.0","digest":"md5:x"}""", "is not a sha256 digest")]
    [InlineData("native", """{"name":"r.io/A B","tag":"1.0"}""", "not a valid repository name")]
    [InlineData("native", """[1,2]""", "must be a JSON object")]
    [InlineData("native", """{"name":""", "not JSON")]
    [InlineData("dockerhub", """{"push_data":{"tag":"1.0"},"repository":{}}""", "repository.repo_name cannot be empty")]
    [InlineData("quay", """{"docker_url":"quay.io/a/b","updated_tags":[]}""", "updated_tags cannot be empty")]
    [InlineData("azure", """{"target":{"repository":"x"},"request":{"host":"r.io"}}""", "target.tag cannot be empty")]
    [InlineData("gitlab", """{}""", "not a webhook kind")]
    [InlineData("registry", """{"events":{}}""", "events must be a list")]
    [InlineData("registry", """{"events":[{"action":"push","target":{"repository":"a/B C","tag":"1.0"},"request":{"host":"r.io"}}]}""", "not a valid repository name")]
    [InlineData("harbor", """{"type":"pushImage","event_data":{"resources":[{"resource_url":"harbor.example.com/library/app"}]}}""", "is not an image with a tag")]
    [InlineData("harbor", """{"type":"pushImage","event_data":{}}""", "event_data.resources must be a list")]
    [InlineData("harbor", """{"event_data":{}}""", "type cannot be empty")]
    [InlineData("jfrog", """{"data":{"tag":"1.0"}}""", "data.image_name cannot be empty")]
    [InlineData("jfrog", """{"data":{"image_name":"a/b","tag":"1.0","sha256":"xyz"}}""", "is not a sha256 digest")]
    [InlineData("github", """{}""", "X-GitHub-Event header must be")]
    public void TryParse_BadPayload_RefusedWithReason(string kind, string json, string reason)
    {
        Assert.False(KeelWebhookPayloads.TryParse(kind, Encoding.UTF8.GetBytes(json), out var events, out var error));

        Assert.Empty(events);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    // Keel's rules decide (ImageTagRulesTests has the table); the planner pins the pushed digest.
    [InlineData("minor", "r.io/shop/web:1.2.0", "r.io/shop/web", "1.3.0", D1, "r.io/shop/web:1.3.0@" + D1)]
    [InlineData("minor", "r.io/shop/web:1.2.0", "r.io/shop/web", "2.0.0", D1, null)]
    [InlineData("major", "r.io/shop/web:1.2.0", "r.io/shop/web", "2.0.0", null, "r.io/shop/web:2.0.0")]
    [InlineData("major", "r.io/shop/web:1.2.0", "r.io/shop/other", "2.0.0", null, null)]
    [InlineData("major", "r.io/shop/web:1.2.0", "q.io/shop/web", "2.0.0", null, null)]
    [InlineData("never", "r.io/shop/web:1.2.0", "r.io/shop/web", "2.0.0", null, null)]
    // force + matchTag: a new digest of the same tag moves, the same digest again does not (keel#560).
    [InlineData("force", "r.io/shop/web:latest@" + D1, "r.io/shop/web", "latest", D2, "r.io/shop/web:latest@" + D2)]
    [InlineData("force", "r.io/shop/web:latest@" + D1, "r.io/shop/web", "latest", D1, null)]
    [InlineData("force", "r.io/shop/web:latest", "r.io/shop/web", "latest", null, null)]
    // Docker Hub names stay as the user wrote them.
    [InlineData("major", "nginx:1.25.0", "library/nginx", "1.27.0", null, "nginx:1.27.0")]
    public void Plan_Push_UpdatesPerPolicy(string policy, string current, string repository, string tag, string? digest, string? expected)
    {
        var annotations = new Dictionary<string, string> { [KeelAnnotations.Policy] = policy };
        if (policy == "force")
        {
            annotations[KeelAnnotations.MatchTag] = "true";
        }

        var workload = new WorkloadResource
        {
            Metadata = new ObjectMeta { Name = "web", Annotations = annotations },
            Spec = new WorkloadSpec(1, "default", "", [], [], null, [], [], null) { Image = current },
        };

        var plan = ImageUpdatePlanner.Plan([workload], new ImagePushEvent(repository, tag, digest), [], []);

        Assert.Equal(expected, plan.SingleOrDefault().Image);
    }

    [Theory]
    // Keel matches keel.sh/monitorContainers anywhere in a container's name (Go's regexp.MatchString); a universal
    // Workload's one container is named after the Workload.
    [InlineData("web", true)]
    [InlineData("^we", true)]
    [InlineData("^api$", false)]
    [InlineData("sidecar|web", true)]
    public void Plan_MonitorContainers_UpdatesOnlyAMatchingContainer(string pattern, bool updated)
    {
        var workload = new WorkloadResource
        {
            Metadata = new ObjectMeta { Name = "web", Annotations = new Dictionary<string, string> { [KeelAnnotations.Policy] = "minor", [KeelAnnotations.MonitorContainers] = pattern } },
            Spec = new WorkloadSpec(1, "default", "", [], [], null, [], [], null) { Image = "r.io/shop/web:1.2.0" },
        };

        var plan = ImageUpdatePlanner.Plan([workload], new ImagePushEvent("r.io/shop/web", "1.3.0", D1), [], []);

        Assert.Equal(updated, plan.Count == 1);
    }

    [Fact]
    public void Updated_ReleaseNotes_CarriedIntoTheNotificationAsKeelWritesThem()
    {
        var workload = new WorkloadResource
        {
            Metadata = new ObjectMeta { Name = "web", Annotations = new Dictionary<string, string> { [KeelAnnotations.Policy] = "minor", [KeelAnnotations.ReleaseNotes] = "https://example.com/web/releases" } },
            Spec = new WorkloadSpec(1, "default", "", [], [], null, [], [], null) { Image = "r.io/shop/web:1.2.0" },
        };

        var notification = ImageUpdateNotifications.Updated(workload, KeelAnnotations.ReadSettings(workload.Metadata.Annotations, workload.Metadata.Labels, []), "r.io/shop/web:1.3.0", DateTimeOffset.UnixEpoch);

        Assert.Equal("Successfully updated Workload default/web r.io/shop/web:1.2.0->r.io/shop/web:1.3.0. Release notes: https://example.com/web/releases", notification.Message);
        Assert.Contains(new KeyValuePair<string, string>("Release notes", "https://example.com/web/releases"), notification.Fields);
    }
}
