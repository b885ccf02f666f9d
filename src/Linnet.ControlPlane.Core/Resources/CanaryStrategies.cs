namespace Linnet.ControlPlane.Core.Resources;

/// <summary>The release strategies, named as Flagger names them in its events and metrics.</summary>
public static class CanaryStrategies
{
    /// <summary>Weighted steps from the canary's first step to <c>maxWeight</c>.</summary>
    public const string Canary = "canary";

    /// <summary>Iterations against the idle canary, then a switch.</summary>
    public const string BlueGreen = "blue-green";

    /// <summary>Matching requests to the canary for the iterations, then a switch.</summary>
    public const string ABTesting = "ab-testing";
}
