using Grpc.Core;
using Linnet.Api.Tap.V1;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Destination;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TapGrpc = Linnet.Api.Tap.V1.Tap;

namespace Linnet.ControlPlane.Tap;

/// <summary>The control plane's end of <c>Tap.Attach</c>. The caller must present a mesh certificate whose
/// identity may act as the workload and instance its hello names (the Destination API's rule,
/// <see cref="SubscriberCheck"/>), so that nobody can feed events into a tap under another workload's name.</summary>
internal sealed partial class TapService(
    TapBroker broker,
    IResourceStore store,
    ControlPlaneOptions options,
    IHostApplicationLifetime lifetime,
    ILogger<TapService> logger) : TapGrpc.TapBase
{
    public override async Task Attach(IAsyncStreamReader<ProxyTapMessage> requestStream, IServerStreamWriter<TapCommand> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var ct = stop.Token;
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        var peer = certificate is not null && SpiffeId.TryFromCertificate(certificate, out var id) ? id : null;
        if (peer is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "no client certificate with a SPIFFE identity: attach with the proxy's mesh certificate"));
        }

        if (!await requestStream.MoveNext(ct) || requestStream.Current.KindCase != ProxyTapMessage.KindOneofCase.Hello)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "the first message must be a hello naming the proxy's namespace, workload and instance"));
        }

        var hello = requestStream.Current.Hello;
        var ns = hello.Namespace.Length > 0 ? hello.Namespace : DestinationService.DefaultNamespace;
        if (SubscriberCheck.Refusal(store.Snapshot(), peer, options.TrustDomain, ns, hello.Workload, hello.Instance) is { } refusal)
        {
            Log.Refused(logger, ns, hello.Workload, hello.Instance, refusal);
            throw new RpcException(new Status(StatusCode.PermissionDenied, refusal));
        }

        var proxy = broker.Attach(ns, hello.Workload, hello.Instance);
        Log.Attached(logger, proxy.Name);
        var writer = WriteCommandsAsync(proxy, responseStream, ct);
        try
        {
            while (await requestStream.MoveNext(ct))
            {
                var message = requestStream.Current;
                switch (message.KindCase)
                {
                    case ProxyTapMessage.KindOneofCase.Started:
                        broker.Started(proxy, message.Started);
                        break;
                    case ProxyTapMessage.KindOneofCase.Event:
                        broker.Deliver(proxy, message.Event);
                        break;
                }
            }
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The proxy went away or the control plane is stopping.
        }
        finally
        {
            broker.Detach(proxy);
            await stop.CancelAsync();
            try
            {
                await writer;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The stream is gone.
            }

            Log.Detached(logger, proxy.Name);
        }
    }

    private static async Task WriteCommandsAsync(AttachedTapProxy proxy, IServerStreamWriter<TapCommand> stream, CancellationToken ct)
    {
        await foreach (var command in proxy.Commands.ReadAllAsync(ct))
        {
            await stream.WriteAsync(command, ct);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "proxy {Proxy} attached for tap")]
        public static partial void Attached(ILogger logger, string proxy);

        [LoggerMessage(2, LogLevel.Debug, "proxy {Proxy} detached from tap")]
        public static partial void Detached(ILogger logger, string proxy);

        [LoggerMessage(3, LogLevel.Warning, "refused a tap attachment as {Namespace}/{Workload}/{Instance}: {Reason}")]
        public static partial void Refused(ILogger logger, string @namespace, string workload, string instance, string reason);
    }
}
