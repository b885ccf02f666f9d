namespace Linnet.Cli.Api;

/// <summary>Manual control of canaries.</summary>
internal sealed partial class ControlPlaneClient
{
    /// <summary>Records a manual command on a canary (<c>POST /api/v1/canaries/{ns}/{name}/{action}</c>).</summary>
    public async Task<ApiResponse> CanaryCommandAsync(string ns, string name, string action, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync($"api/v1/canaries/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(action)}", null, cancellationToken);
        return await ApiResponse.ReadAsync(response, cancellationToken);
    }
}
