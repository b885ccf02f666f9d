using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Linnet.EndToEnd.Tests.Infrastructure;
using Linnet.Registry.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>An image pull's progress as people see it: <c>linnet apply</c> follows the pull of the Workload it
/// applied, line by line, as the control plane reports it on the Instance; <c>get instances</c> shows the same
/// meanwhile. A real registry (Debian's <c>docker-registry</c>) behind a front that holds the large
/// layer midway until the test has seen the report, so that what is asserted follows the reports, not the clock.</summary>
public sealed partial class ImagePullProgressTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Apply_ImageWorkloadWithLargeLayer_PrintsProgressThenCompletionAndGetShowsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var registry = await RegistryServer.StartAsync();
        await using var front = await FaultFront.StartAsync(registry.BaseUri);
        var image = LargeImage(3_000_000);
        using (var pusher = new RegistryPusher(registry.BaseUri))
        {
            await pusher.PushAsync("shop/web", "1.0.0", image);
        }

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        front.HoldOnce = (TestImage.DigestOf(image.Layers[0]), 1024 * 1024, release.Task);
        var reference = $"{front.Host}/shop/web:1.0.0";
        var total = (image.Layers[0].Length / 1_000_000.0).ToString("0.0", CultureInfo.InvariantCulture);
        await using var mesh = await Mesh.StartAsync(output, ct);
        var manifest = Path.Combine(mesh.DataDirectory, "web.yaml");
        await File.WriteAllTextAsync(manifest, $$"""
            apiVersion: linnet.io/v1alpha1
            kind: Workload
            metadata: { name: web, labels: { app: web } }
            spec:
              replicas: 1
              image: "{{reference}}"
              ports: [8080]

            """, ct);

        // apply returns only once the pull is through: midway, it has printed the layer's progress.
        await using var apply = await mesh.StartCliAsync(ct, "apply", "-f", manifest);
        await Eventually.UntilAsync(
            () => apply.Lines.Any(l => Midway().Match(l) is { Success: true } m && m.Groups[1].Value != "0.0"),
            TimeSpan.FromSeconds(60),
            "apply printing the held layer's progress",
            ct,
            () => apply.Output);
        var midway = apply.Lines.First(l => Midway().IsMatch(l));
        Assert.StartsWith($"default/web-0: {reference}: pulling: 0/1 layers, ", midway, StringComparison.Ordinal);
        Assert.EndsWith($"/{total} MB", midway, StringComparison.Ordinal);
        Assert.False(apply.HasExited, "apply returned while the pull was still going on");

        // Meanwhile get says the same, from the Instance the control plane reports it on (a placeholder: no address
        // yet, not ready). (Its table, wrapped at 80 columns here, is checked in GetInstancesTests.)
        var get = await mesh.RunCliAsync(ct, "get", "instances", "-o", "json");
        Assert.Equal(0, get.ExitCode);
        var waiting = JsonNode.Parse(get.Output)!.AsArray().Single()!["spec"]!;
        Assert.Equal("", waiting["address"]!.GetValue<string>());
        Assert.False(waiting["ready"]!.GetValue<bool>());
        Assert.Equal(reference, waiting["pull"]!["image"]!.GetValue<string>());
        Assert.Equal((0, 1), (waiting["pull"]!["layersDone"]!.GetValue<int>(), waiting["pull"]!["layers"]!.GetValue<int>()));
        Assert.InRange(waiting["pull"]!["bytesDone"]!.GetValue<long>(), 1, 1024 * 1024);
        Assert.Equal(image.Layers[0].Length, waiting["pull"]!["bytesTotal"]!.GetValue<long>());

        // Released: the pull completes, apply says so and that web runs the digest, and ends.
        release.SetResult();
        Assert.Equal(0, await apply.WaitForExitAsync(TimeSpan.FromSeconds(120), ct));
        output.WriteLine(apply.Output);
        var lines = apply.Lines.ToList();
        var pulled = lines.FindIndex(l => l == $"default/web-0: {reference}: pulled: 1/1 layers, {total} MB");
        var running = lines.FindIndex(l => l == $"default/web: running {reference} ({image.Digest})");
        Assert.True(pulled > lines.IndexOf(midway) && running > pulled, apply.Output);
        var after = JsonNode.Parse((await mesh.RunCliAsync(ct, "get", "instances", "-o", "json")).Output)!.AsArray().Single()!["spec"]!;
        Assert.Equal(image.Digest, after["imageDigest"]!.GetValue<string>());
        Assert.Null(after["pull"]);
        await mesh.DownAsync(ct);
    }

    [GeneratedRegex(@": pulling: 0/1 layers, ([0-9]+\.[0-9])/[0-9]+\.[0-9] MB$")]
    private static partial Regex Midway();

    // A web server and a file of random text, which gzip cannot shrink much: a layer of about that many bytes.
    private static TestImage LargeImage(int padding) => TestImage.Build(
        [new Dictionary<string, (string, UnixFileMode)>
        {
            ["app/run.sh"] = ("#!/bin/sh\nexec /usr/bin/python3 -m http.server \"$PORT\" --bind \"$HOST\" --directory www\n", (UnixFileMode)0b111_101_101),
            ["app/www/padding.txt"] = (Convert.ToBase64String(RandomNumberGenerator.GetBytes(padding))[..padding], (UnixFileMode)0b110_100_100),
        }],
        ["/app/run.sh"], [], [], "/app");
}
