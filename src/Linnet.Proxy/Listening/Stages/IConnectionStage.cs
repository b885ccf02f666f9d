namespace Linnet.Proxy.Listening.Stages;

/// <summary>One step of the connection path: does its part, then calls <c>next</c> or ends the connection's path.</summary>
internal interface IConnectionStage
{
    /// <summary>The stage's name, for the declared order and the docs.</summary>
    string Name { get; }

    /// <summary>Handles <paramref name="connection"/>; <paramref name="next"/> runs the stages after this one.</summary>
    Task InvokeAsync(AcceptedConnection connection, ConnectionDelegate next);
}
