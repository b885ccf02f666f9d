using System.Reflection;
using System.Xml.Linq;

namespace Linnet.Cli.Tests;

/// <summary>Issue 16: the control-plane core really has no gRPC or ASP.NET dependency. Every assembly under
/// <c>src/</c> is loaded (the CLI references them all) and its referenced assemblies are held to the allow-list
/// its design intends; the core and the pure API are checked over their whole closure of Linnet assemblies, so a
/// dependency cannot come in through a project they reference.</summary>
public sealed class AssemblyReferenceTests
{
    /// <summary>The .NET base library: every assembly may use it.</summary>
    private static readonly string[] BaseLibrary = ["System", "System.*", "netstandard", "mscorlib", "Microsoft.Win32.*"];

    /// <summary>What each src assembly may reference, by assembly name; <c>*</c> ends a prefix.</summary>
    private static readonly Dictionary<string, string[]> AllowList = new(StringComparer.Ordinal)
    {
        // Image references and the OCI pull client: the base library, and the pure API for the one secret-file check.
        ["Linnet.Registry"] = ["Linnet.Api", "YamlDotNet"],
        // The pure API: validation, YAML, policy and telemetry helpers, proxy-init's rules.
        ["Linnet.Api"] = ["YamlDotNet"],
        // The wire API and hosting helpers: gRPC messages, stubs and clients, console logging.
        ["Linnet.Api.Grpc"] = ["Linnet.Api", "Google.Protobuf", "Grpc.Core.Api", "Grpc.Net.Client", "Microsoft.Extensions.Logging*"],
        // The platform-independent control plane: no gRPC, no ASP.NET, no hosting.
        ["Linnet.ControlPlane.Core"] = ["Linnet.Api", "Linnet.Registry", "YamlDotNet", "Cronos"],
        // The control plane's servers: gRPC and HTTP on ASP.NET, e-mail.
        ["Linnet.ControlPlane"] =
        [
            "Linnet.Api", "Linnet.Api.Grpc", "Linnet.ControlPlane.Core", "Linnet.Registry", "Google.Protobuf", "Grpc.*",
            "Microsoft.AspNetCore*", "Microsoft.Extensions.*", "Microsoft.Net.Http.Headers", "MailKit", "MimeKit", "YamlDotNet",
        ],
        // The proxy: the wire API, never the control plane's code.
        ["linnet-proxy"] =
        [
            "Linnet.Api", "Linnet.Api.Grpc", "Google.Protobuf", "Grpc.*", "Microsoft.AspNetCore*", "Microsoft.Extensions.*",
            "Microsoft.Net.Http.Headers", "Yarp.ReverseProxy", "YamlDotNet",
        ],
        // The platforms host the core; neither speaks the wire API itself.
        ["Linnet.Platform.Universal"] =
        [
            "Linnet.Api", "Linnet.ControlPlane.Core", "Linnet.Registry", "Microsoft.AspNetCore*", "Microsoft.Extensions.*", "YamlDotNet",
        ],
        ["Linnet.Platform.Kubernetes"] =
        [
            "Linnet.Api", "Linnet.ControlPlane.Core", "Linnet.Registry", "KubernetesClient", "Microsoft.AspNetCore*",
            "Microsoft.Extensions.*", "YamlDotNet",
        ],
        // The command line puts everything together.
        ["linnet"] = ["Linnet.*", "linnet-proxy", "Google.Protobuf", "Grpc.*", "Microsoft.*", "KubernetesClient", "Spectre.Console*", "System.CommandLine", "YamlDotNet"],
    };

    /// <summary>The assemblies whose whole closure of Linnet assemblies must keep to their own allow-list.</summary>
    private static readonly string[] ClosureChecked = ["Linnet.Api", "Linnet.ControlPlane.Core"];

    public static TheoryData<string> SrcAssemblies() => new(AllowList.Keys);

    [Theory]
    [MemberData(nameof(SrcAssemblies))]
    public void ReferencedAssemblies_AreOnTheProjectsAllowList(string assembly)
    {
        var references = Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).ToList();

        var outside = references.Where(r => !Allowed(assembly, r)).ToList();

        Assert.NotEmpty(references);
        Assert.True(outside.Count == 0, $"{assembly} references {string.Join(", ", outside)}, outside its allow-list");
    }

    [Theory]
    [MemberData(nameof(ClosureCheckedAssemblies))]
    public void EveryAssemblyInTheClosure_KeepsToTheRootsAllowList(string root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var outside = new List<string>();
        var pending = new Queue<string>([root]);
        while (pending.TryDequeue(out var name))
        {
            foreach (var reference in Assembly.Load(name).GetReferencedAssemblies().Select(a => a.Name!))
            {
                if (!seen.Add(reference))
                {
                    continue;
                }
                if (!Allowed(root, reference))
                {
                    outside.Add($"{reference} (through {name})");
                }
                else if (reference.StartsWith("Linnet.", StringComparison.Ordinal))
                {
                    pending.Enqueue(reference);
                }
            }
        }

        Assert.Empty(outside);
        Assert.DoesNotContain(seen, r => r.StartsWith("Grpc.", StringComparison.Ordinal) || r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || r == "Google.Protobuf");
    }

    public static TheoryData<string> ClosureCheckedAssemblies() => new(ClosureChecked);

    [Fact]
    public void EverySrcProject_HasAnAllowList()
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        var names = Directory.GetFiles(src, "*.csproj", SearchOption.AllDirectories)
            .Select(p => XDocument.Load(p).Descendants("AssemblyName").Select(e => e.Value).FirstOrDefault() ?? Path.GetFileNameWithoutExtension(p))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(AllowList.Keys.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public void Allowed_APatternEndingInStar_IsAPrefixAndOtherwiseExact()
    {
        Assert.True(Allowed("Linnet.ControlPlane.Core", "Cronos"));
        Assert.True(Allowed("Linnet.ControlPlane.Core", "System.Text.Json"));
        Assert.False(Allowed("Linnet.ControlPlane.Core", "Grpc.Core.Api"));
        Assert.False(Allowed("Linnet.ControlPlane.Core", "Microsoft.AspNetCore.Http.Abstractions"));
        Assert.False(Allowed("Linnet.ControlPlane.Core", "Microsoft.AspNetCore"));
        Assert.False(Allowed("Linnet.Api", "Linnet.Api.Grpc"));
        Assert.False(Allowed("Linnet.Api", "SystemX"));
    }

    private static bool Allowed(string assembly, string reference) =>
        BaseLibrary.Concat(AllowList[assembly]).Any(pattern => pattern.EndsWith('*')
            ? reference.StartsWith(pattern[..^1], StringComparison.Ordinal)
            : reference == pattern);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Linnet.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Linnet.slnx above {AppContext.BaseDirectory}");
    }
}
