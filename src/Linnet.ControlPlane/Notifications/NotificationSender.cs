using System.Net.Http.Json;
using System.Threading.Channels;
using Linnet.ControlPlane.Core.Notifications;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Linnet.ControlPlane.Notifications;

/// <summary>Delivers notifications to the configured targets (<see cref="NotificationConfig"/>), each in its
/// service's format (<see cref="NotificationFormats"/>): HTTP POST for the chat services and Keel's webhook, SMTP
/// for e-mail. A target gets what is at or above its level; a chat target that names channels gets one message
/// per channel of the notification's <see cref="Notification.Channels"/> (Keel's <c>keel.sh/notify</c>). A failed
/// delivery is retried twice (1 s, then 2 s later); webhook URLs and passwords are never logged.
/// <see cref="Publish"/> queues without waiting, so an API request never waits on a chat service.</summary>
public sealed partial class NotificationSender : BackgroundService
{
    private const int Attempts = 3;
    private readonly NotificationConfig _config;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger<NotificationSender> _logger;
    private readonly Channel<Notification> _queue = Channel.CreateBounded<Notification>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>Creates the sender over <paramref name="options"/>' targets.</summary>
    public NotificationSender(ControlPlaneOptions options, TimeProvider time, ILogger<NotificationSender> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _config = options.Notifications;
        _time = time;
        _logger = logger;

        // Keel's webhook sender: a short timeout, and redirects are not followed (the URL was checked, where a
        // redirect leads was not).
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The configured targets.</summary>
    public IReadOnlyList<NotificationTarget> Targets => _config.Targets;

    /// <summary>Queues <paramref name="notification"/> for the configured targets and returns at once.</summary>
    public void Publish(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (_config.Targets.Count > 0 && !_queue.Writer.TryWrite(notification))
        {
            Log.Dropped(_logger, notification.Name, notification.Identifier);
        }
    }

    /// <summary>Sends <paramref name="notification"/> to <paramref name="targets"/> (those whose level it
    /// reaches) now; returns the names of the targets that still failed after the retries.</summary>
    public async Task<IReadOnlyList<string>> SendAsync(IEnumerable<NotificationTarget> targets, Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(notification);
        var failed = new List<string>();
        foreach (var target in targets.Where(t => notification.Level >= t.Level))
        {
            var channelled = target.Service is NotificationService.Slack or NotificationService.Mattermost or NotificationService.RocketChat;
            IReadOnlyList<string?> channels = channelled && notification.Channels.Count > 0 ? [.. notification.Channels] : [null];
            foreach (var channel in channels)
            {
                if (!await DeliverAsync(target, notification, channel, cancellationToken))
                {
                    failed.Add(target.Name);
                    break;
                }
            }
        }

        return failed;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var notification in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await SendAsync(_config.Targets, notification, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    private async Task<bool> DeliverAsync(NotificationTarget target, Notification notification, string? channel, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        for (var attempt = 1; ; attempt++)
        {
            string problem;
            try
            {
                if (target.Service == NotificationService.Email)
                {
                    await SendMailAsync(target.Email!, notification, cancellationToken);
                    return true;
                }

                using var response = await _http.PostAsJsonAsync(target.Url, NotificationFormats.Format(target, notification, channel), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }

                problem = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or SmtpCommandException or SmtpProtocolException or AuthenticationException or System.Net.Sockets.SocketException
                || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Exception messages of HttpClient can carry the URL: only the type is logged.
                problem = ex is SmtpCommandException smtp ? $"SMTP {(int)smtp.StatusCode}" : ex.GetType().Name;
            }

            if (attempt == Attempts)
            {
                Log.Failed(_logger, target.Name, target.Service, notification.Name, problem, attempt);
                return false;
            }

            await Task.Delay(delay, _time, cancellationToken);
            delay *= 2;
        }
    }

    private static async Task SendMailAsync(EmailSettings email, Notification notification, CancellationToken cancellationToken)
    {
        var content = NotificationFormats.Email(notification);
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(email.From));
        foreach (var to in email.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Subject = content.Subject;
        message.Body = new TextPart("plain") { Text = content.Body };
        using var client = new SmtpClient { Timeout = 10_000 };
        var security = email.Security switch
        {
            SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
            SmtpSecurity.None => SecureSocketOptions.None,
            _ => SecureSocketOptions.StartTls,
        };
        await client.ConnectAsync(email.Host, email.Port, security, cancellationToken);
        if (email.User is not null)
        {
            await client.AuthenticateAsync(email.User, email.Password ?? "", cancellationToken);
        }

        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(true, cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "notification target {Target} ({Service}): '{Notification}' not delivered after {Attempts} attempts: {Problem}")]
        public static partial void Failed(ILogger logger, string target, NotificationService service, string notification, string problem, int attempts);

        [LoggerMessage(2, LogLevel.Warning, "notification queue full: dropped the oldest ('{Notification}' for {Identifier} queued)")]
        public static partial void Dropped(ILogger logger, string notification, string identifier);
    }
}
