using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Linnet.Api.Identity.V1;
using Linnet.Bench.Identity;
using Linnet.ControlPlane.Core.Identity;
using IdentityApi = Linnet.Api.Identity.V1.Identity;

// linnet-bench-identity --linnet PATH/linnet.dll --work DIR [--clients 8] [--seconds 10] [--threads nproc] [--clk-tck 100]
// Handshakes (Certify calls) per second of the real control plane over gRPC, and in the same run its peers:
// the CA in process (no gRPC, no token: the crypto floor of our own code), the proxy's own share (key + CSR),
// and openssl's ECDSA P-256 signs per second (the machine's ceiling). Prints a markdown table and ratios.
Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"linnet-bench-identity: {ex.Message}");
    return 2;
}

var ct = CancellationToken.None;
var inv = CultureInfo.InvariantCulture;
Directory.CreateDirectory(options.Work);
var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {load} at the start; each phase runs {options.Duration.TotalSeconds:0} s");

// 1. Certify over gRPC against `linnet control-plane`: N clients, each on an HTTP/2 connection of its own,
//    each call with a fresh key and CSR made just before it (as a proxy renews).
Rate grpc;
TimeSpan cpCpu;
await using (var cp = await ControlPlaneProcess.StartAsync(options.Linnet, Path.Combine(options.Work, "cp"), Path.Combine(options.Work, "control-plane.log"), ct))
{
    var identities = Enumerable.Range(0, options.Clients).Select(i => $"spiffe://cluster.local/ns/bench/sa/client-{i}").ToArray();
    var tokens = new ByteString[options.Clients];
    for (var i = 0; i < options.Clients; i++)
    {
        tokens[i] = ByteString.CopyFromUtf8(await cp.CreateTokenAsync("bench", $"client-{i}", ct));
    }

    // Certify is served over TLS only; check the control plane as a proxy does (the data directory's anchors).
    var anchors = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
    anchors.ImportFromPemFile(Path.Combine(options.Work, "cp", "identity", "trust-anchors.pem"));
    SocketsHttpHandler Tls()
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.CertificateChainPolicy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
        {
            TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
            RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        };
        handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(anchors);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, errors) => (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) == System.Net.Security.SslPolicyErrors.None;
        return handler;
    }

    var channels = identities.Select(_ => GrpcChannel.ForAddress($"https://{cp.GrpcAddress}", new GrpcChannelOptions { HttpHandler = Tls() })).ToArray();
    try
    {
        var clients = channels.Select(c => new IdentityApi.IdentityClient(c)).ToArray();
        string? firstError = null;
        async Task<bool> CertifyAsync(int i)
        {
            try
            {
                var response = await clients[i].CertifyAsync(
                    new CertifyRequest { Identity = identities[i], Token = tokens[i], CertificateSigningRequest = ByteString.CopyFrom(ProxyCsr.Create(identities[i])) },
                    deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(30),
                    cancellationToken: ct);
                return response.LeafCertificate.Length > 0;
            }
            catch (RpcException ex)
            {
                Interlocked.CompareExchange(ref firstError, $"{ex.StatusCode}: {ex.Status.Detail}", null);
                return false;
            }
        }

        // Warm-up (JIT, connections), not counted.
        await Rate.MeasureAsync(options.Clients, TimeSpan.FromSeconds(2), CertifyAsync);
        var cpuBefore = cp.CpuTime(options.ClockTicks);
        grpc = await Rate.MeasureAsync(options.Clients, options.Duration, CertifyAsync);
        cpCpu = cp.CpuTime(options.ClockTicks) - cpuBefore;
        if (firstError is not null)
        {
            Console.WriteLine($"Certify failed at least once: {firstError}");
        }
    }
    finally
    {
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
    }
}

// 2. The same work in process: MeshIdentity.Certify (token + CSR checks + signing) and CertificateAuthority.Issue
//    (CSR check + signing), over CSRs made beforehand; and the proxy's share, key + CSR, alone.
using var mesh = MeshIdentity.Load(new IdentityOptions { Directory = Path.Combine(options.Work, "in-process") }, "cluster.local", TimeProvider.System);
var identity = mesh.IdentityOf("bench", "in-process");
var token = mesh.Tokens.Create("bench", "in-process").Token;
var csrs = Enumerable.Range(0, 64).Select(_ => ProxyCsr.Create(identity.ToString())).ToArray();
var issueWarmup = await Rate.Measure(options.Threads, TimeSpan.FromSeconds(1), w => mesh.Authority.Issue(csrs[w], identity).IsIssued);
var certifyAll = await Rate.Measure(options.Threads, options.Duration, w => mesh.Certify(token, identity.ToString(), csrs[(w + Environment.TickCount) & 63]).IsIssued);
var issueAll = await Rate.Measure(options.Threads, options.Duration, w => mesh.Authority.Issue(csrs[(w + Environment.TickCount) & 63], identity).IsIssued);
var issueOne = await Rate.Measure(1, options.Duration, _ => mesh.Authority.Issue(csrs[Environment.TickCount & 63], identity).IsIssued);
var csrAll = await Rate.Measure(options.Threads, options.Duration, _ => ProxyCsr.Create(identity.ToString()).Length > 0);
_ = issueWarmup;

// 3. The machine's ceiling.
var openssl = await OpensslSpeed.RunAsync(ct);

string Row(string what, Rate r, string note) =>
    string.Create(inv, $"| {what} | {r.PerSecond:F0} | {r.Percentile(50):F2} | {r.Percentile(99):F2} | {r.Count} ({r.Failures} failed) | {note} |");

Console.WriteLine();
Console.WriteLine("| what | per second | p50 ms | p99 ms | count | notes |");
Console.WriteLine("|---|---:|---:|---:|---:|---|");
Console.WriteLine(Row($"Certify over gRPC, {options.Clients} clients", grpc, string.Create(inv, $"`linnet control-plane`; client makes key + CSR per call; control plane CPU {cpCpu.TotalMilliseconds / Math.Max(1, grpc.Count):F2} ms per certificate")));
Console.WriteLine(Row($"MeshIdentity.Certify in process, {options.Threads} threads", certifyAll, "token (ES256 verify) + CSR verify + sign, no gRPC"));
Console.WriteLine(Row($"CertificateAuthority.Issue in process, {options.Threads} threads", issueAll, "CSR verify + sign"));
Console.WriteLine(Row("CertificateAuthority.Issue in process, 1 thread", issueOne, "per core"));
Console.WriteLine(Row($"proxy side: P-256 key + CSR, {options.Threads} threads", csrAll, "what each gRPC client also does"));
Console.WriteLine(string.Create(inv, $"| openssl speed ecdsap256, 1 core | sign {openssl.SignsPerSecond:F0}, verify {openssl.VerifiesPerSecond:F0} | | | | {openssl.Version} |"));
Console.WriteLine();
var ceiling = 1 / ((1 / openssl.SignsPerSecond) + (1 / openssl.VerifiesPerSecond));
Console.WriteLine(string.Create(inv, $"- Certify over gRPC / MeshIdentity.Certify in process ({options.Threads} threads): {grpc.PerSecond / certifyAll.PerSecond:F2}"));
Console.WriteLine(string.Create(inv, $"- CertificateAuthority.Issue, 1 thread / openssl sign/s: {issueOne.PerSecond / openssl.SignsPerSecond:F3}"));
Console.WriteLine(string.Create(inv, $"- CertificateAuthority.Issue, 1 thread / openssl sign+verify ceiling ({ceiling:F0}/s, one verify and one sign per certificate): {issueOne.PerSecond / ceiling:F3}"));
Console.WriteLine(string.Create(inv, $"- load average at the end: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
return grpc.Failures == 0 ? 0 : 1;
