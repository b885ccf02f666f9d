using System.Text.Json;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;

namespace Linnet.ControlPlane.Core.Tests.Translation;

/// <summary>Each <c>testassets/&lt;case&gt;/input.yaml</c> (store-origin manifests, so Instances may be
/// given) translates to exactly <c>expected.json</c>.</summary>
public sealed class MeshTranslatorGoldenTests
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    [Theory]
    [InlineData("selection-across-namespaces")]
    [InlineData("non-primary-target-port")]
    [InlineData("routes-weighted-backends")]
    [InlineData("routes-filters-grpc")]
    [InlineData("routes-hostnames-rewrite-redirect")]
    [InlineData("routes-linkerd-annotations")]
    [InlineData("service-linkerd-annotations")]
    public void Translate_Case_MatchesGoldenFile(string name)
    {
        var directory = Path.Combine(GoldenFile.AssetsDirectory(), name);
        var parsed = ManifestParser.Parse(File.ReadAllText(Path.Combine(directory, "input.yaml")), name, ManifestOrigin.Store);
        Assert.Empty(parsed.Errors);
        var snapshot = new StoreSnapshot(1, parsed.Resources.ToDictionary(r => r.Key));

        var view = MeshTranslator.Translate(snapshot);

        GoldenFile.AssertMatches(Path.Combine(directory, "expected.json"), JsonSerializer.Serialize(view, Json) + "\n");
    }

    [Fact]
    public void Translate_SameSnapshot_EqualViews()
    {
        var directory = Path.Combine(GoldenFile.AssetsDirectory(), "routes-weighted-backends");
        var parsed = ManifestParser.Parse(File.ReadAllText(Path.Combine(directory, "input.yaml")), "routes", ManifestOrigin.Store);
        var snapshot = new StoreSnapshot(1, parsed.Resources.ToDictionary(r => r.Key));

        var first = MeshTranslator.Translate(snapshot);
        var second = MeshTranslator.Translate(snapshot);

        Assert.Equal(first.Services, second.Services);
    }

    [Fact]
    public void Diff_ChangedLine_ShowsBothSides()
    {
        var diff = GoldenFile.Diff("a\nb\nc\n", "a\nB\nc\n");

        Assert.Contains("-    2: b", diff, StringComparison.Ordinal);
        Assert.Contains("+    2: B", diff, StringComparison.Ordinal);
    }
}
