namespace Linnet.Proxy.Identity;

/// <summary>The proxy's current <see cref="IdentityMaterial"/>: written by whatever obtains certificates (the
/// CA client, or a fixed file), read by every TLS handshake. Swapping it never touches open connections:
/// each handshake reads <see cref="Current"/> once.</summary>
internal sealed class ProxyIdentity
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile IdentityMaterial? _current;

    /// <summary>Creates an identity holder; <paramref name="enabled"/> false means the proxy runs without
    /// identity (plaintext), and is ready at once.</summary>
    public ProxyIdentity(bool enabled)
    {
        Enabled = enabled;
        if (!enabled)
        {
            _ready.TrySetResult();
        }
    }

    /// <summary>Whether this proxy uses mTLS at all.</summary>
    public bool Enabled { get; }

    /// <summary>The material in effect; null until the first certificate is held (or when disabled).</summary>
    public IdentityMaterial? Current => _current;

    /// <summary>Whether the proxy may serve meshed traffic: identity disabled, or a certificate held.</summary>
    public bool IsReady => !Enabled || _current is not null;

    /// <summary>Raised after <see cref="Current"/> changed.</summary>
    public event Action? Changed;

    /// <summary>Completes once <see cref="IsReady"/>.</summary>
    public Task WhenReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>Puts new material in effect for every later handshake.</summary>
    public void Update(IdentityMaterial material)
    {
        ArgumentNullException.ThrowIfNull(material);
        _current = material;
        _ready.TrySetResult();
        Changed?.Invoke();
    }
}
