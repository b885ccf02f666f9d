namespace Linnet.Proxy.Http.Stages;

/// <summary>One step of the HTTP request path: does its part, then calls <c>next</c> or answers the request.</summary>
internal interface IRequestStage
{
    /// <summary>The stage's name, for the declared order and the docs.</summary>
    string Name { get; }

    /// <summary>Handles <paramref name="request"/>; <paramref name="next"/> runs the stages after this one.</summary>
    Task InvokeAsync(RequestState request, ProxyRequestDelegate next);
}
