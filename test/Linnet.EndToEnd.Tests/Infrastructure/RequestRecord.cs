namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>One request of a load run: through which proxy, when (<see cref="TimeProvider.System"/>
/// timestamps), and what came back.</summary>
/// <param name="Proxy">The proxy address it was sent to.</param>
/// <param name="StartedAt">Taken before sending.</param>
/// <param name="EndedAt">Taken when the response (or the failure) arrived.</param>
/// <param name="Status">The HTTP status, or 0 when there was no response.</param>
/// <param name="Backend">The instance that answered (from the body), or null.</param>
/// <param name="Version">The version that answered, e.g. <c>v1</c>, or null.</param>
/// <param name="Error">What went wrong, or null.</param>
internal sealed record RequestRecord(string Proxy, long StartedAt, long EndedAt, int Status, string? Backend, string? Version, string? Error)
{
    public bool Succeeded => Status == 200 && Backend is not null && Error is null;

    public override string ToString() => Succeeded ? $"{Proxy} → {Backend} {Version}" : $"{Proxy} → {Status} {Error}";
}
