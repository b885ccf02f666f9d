namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>Refuses a signed webhook call seen before: remembers each accepted nonce until its signature is stale
/// (its time plus <see cref="WebhookSignature.Tolerance"/>), after which the time check refuses it anyway. Only calls
/// whose signature verified reach it, so its memory is bounded by what the control plane sends in that window; past
/// <see cref="Capacity"/> it refuses (fails closed) rather than forgets.</summary>
public sealed class WebhookReplayGuard
{
    /// <summary>The most nonces remembered at once.</summary>
    public const int Capacity = 100_000;

    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Accepts <paramref name="nonce"/> signed at <paramref name="signedAt"/> once; false for a replay.</summary>
    public bool TryAccept(string nonce, DateTimeOffset signedAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(nonce);
        lock (_lock)
        {
            if (_seen.Count >= Capacity / 2)
            {
                foreach (var (key, at) in _seen)
                {
                    if (now - at > WebhookSignature.Tolerance)
                    {
                        _seen.Remove(key);
                    }
                }
            }

            if (_seen.Count >= Capacity || _seen.ContainsKey(nonce))
            {
                return false;
            }

            _seen[nonce] = signedAt;
            return true;
        }
    }
}
