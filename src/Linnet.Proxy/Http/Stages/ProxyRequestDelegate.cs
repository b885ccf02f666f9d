namespace Linnet.Proxy.Http.Stages;

/// <summary>The rest of the HTTP request stages after the current one.</summary>
internal delegate Task ProxyRequestDelegate(RequestState request);
