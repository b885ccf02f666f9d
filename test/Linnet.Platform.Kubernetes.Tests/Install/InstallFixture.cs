using System.Text.Json.Nodes;
using Linnet.Platform.Kubernetes.Install;
using Linnet.Platform.Kubernetes.Yaml;

namespace Linnet.Platform.Kubernetes.Tests.Install;

/// <summary>The install's output with fixed stand-ins for the generated certificates, so it can be compared with
/// golden files; and helpers to take it apart kind by kind.</summary>
internal static class InstallFixture
{
    public static readonly InstallCredentials Credentials = new(
        "-----BEGIN CERTIFICATE-----\nANCHOR\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nISSUER\n-----END CERTIFICATE-----\n",
        "-----BEGIN PRIVATE KEY-----\nISSUER-KEY\n-----END PRIVATE KEY-----\n",
        "-----BEGIN CERTIFICATE-----\nWEBHOOK-CA\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nWEBHOOK\n-----END CERTIFICATE-----\n",
        "-----BEGIN PRIVATE KEY-----\nWEBHOOK-KEY\n-----END PRIVATE KEY-----\n");

    /// <summary>The rendered YAML, read back: what a user pipes to kubectl.</summary>
    public static IReadOnlyList<JsonObject> Objects(InstallOptions? options = null) =>
        ManifestYaml.Read(InstallManifests.Render(options ?? new InstallOptions(), Credentials)).Cast<JsonObject>().ToList();

    public static string Key(JsonNode o) => $"{o["kind"]}/{o["metadata"]?["namespace"]}/{o["metadata"]?["name"]}";

    public static JsonObject Single(IEnumerable<JsonObject> objects, string kind, string name) =>
        objects.Single(o => (string?)o["kind"] == kind && (string?)o["metadata"]?["name"] == name);
}
