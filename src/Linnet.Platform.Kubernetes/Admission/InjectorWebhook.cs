using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Linnet.Platform.Kubernetes.Injection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Kubernetes.Admission;

/// <summary>The proxy injector: AdmissionReview v1 over HTTPS (TLS 1.2+, 8443), <c>POST /inject</c> answered by
/// <see cref="AdmissionReviews.Answer"/>. Refusals: another path 404, another method 405, a body that is not JSON
/// 415, larger than 3 MiB 413, not an AdmissionReview 400; with client CAs configured, a caller without a
/// certificate chaining to one never completes the handshake. Objects are never logged (a pod spec may hold secrets
/// in its environment), only the review's uid, namespace and outcome.</summary>
public sealed partial class InjectorWebhook : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InjectorWebhook(WebApplication app) => _app = app;

    /// <summary>The address it listens on (the bound port when 0 was asked for).</summary>
    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Any, 0);

    /// <summary>Starts serving.</summary>
    public static async Task<InjectorWebhook> StartAsync(InjectorWebhookOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = InjectorWebhookOptions.MaxRequestBytes;
            kestrel.Listen(options.EndPoint, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = options.Certificate,
                SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                ClientCertificateMode = options.ClientCertificateAuthorities is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = options.ClientCertificateAuthorities is { } authorities ? (certificate, _, _) => ChainsTo(certificate, authorities) : null,
            }));
        });
        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<InjectorWebhook>();
        // Any other path: no endpoint, 404.
        app.Map(InstallNames.InjectorPath, context => HandleAsync(context, options, logger));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new InjectorWebhook(app) { EndPoint = new IPEndPoint(options.EndPoint.Address, new Uri(address).Port) };
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(certificate);
    }

    private static async Task HandleAsync(HttpContext context, InjectorWebhookOptions options, ILogger logger)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "only POST");
            return;
        }

        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await ErrorAsync(context, StatusCodes.Status415UnsupportedMediaType, "an AdmissionReview is application/json");
            return;
        }

        // Refused before a byte of the body is read (a client sending Expect: 100-continue never sends it).
        if (request.ContentLength > InjectorWebhookOptions.MaxRequestBytes)
        {
            await ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"larger than {InjectorWebhookOptions.MaxRequestBytes} bytes");
            return;
        }

        JsonNode? review;
        try
        {
            review = await JsonNode.ParseAsync(request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, $"not JSON: {ex.Message}");
            return;
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"larger than {InjectorWebhookOptions.MaxRequestBytes} bytes");
            return;
        }

        var answer = AdmissionReviews.Answer(review, options.NamespaceAnnotations, options.Settings);
        if (answer.Review is null)
        {
            Log.Invalid(logger, answer.Reason);
            await ErrorAsync(context, StatusCodes.Status400BadRequest, answer.Reason);
            return;
        }

        var uid = (string?)answer.Review["response"]?["uid"] ?? "";
        Log.Answered(logger, uid, (string?)review?["request"]?["namespace"] ?? "", answer.Outcome, answer.Reason);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.Review.ToJsonString(), context.RequestAborted);
    }

    private static Task ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(new JsonObject { ["error"] = message }.ToJsonString(), context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "admission review {Uid} in {Namespace}: {Outcome} {Reason}")]
        public static partial void Answered(ILogger logger, string uid, string @namespace, InjectionOutcome outcome, string reason);

        [LoggerMessage(2, LogLevel.Warning, "refused a request that is not an AdmissionReview: {Reason}")]
        public static partial void Invalid(ILogger logger, string reason);
    }
}
