using Linnet.Api.Validation;
using Linnet.ControlPlane.Core.Notifications;

namespace Linnet.ControlPlane.Core.Tests.Notifications;

/// <summary>The notifications file: every target kind parses; every mistake is refused with its field path, and
/// the reason never repeats the secret URL; the file must be owner-only.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NotificationConfigTests
{
    [Fact]
    public void Parse_EveryService_TargetsWithLevelsAndDefaults()
    {
        const string Json = """
            {"level":"success","targets":[
              {"name":"slack","type":"slack","url":"https://hooks.slack.com/services/T/B/secret","channel":"#deploys","username":"linnet"},
              {"name":"teams","type":"msteams","url":"https://example.webhook.office.com/x","level":"debug"},
              {"name":"keel","type":"webhook","url":"http://127.0.0.1:8080/hook"},
              {"name":"mail","type":"email","smtpHost":"127.0.0.1","smtpPort":2525,"smtpSecurity":"none","from":"linnet@example.com","to":["ops@example.com"]},
              {"name":"relay","type":"mail","smtpHost":"smtp.example.com","smtpUser":"u","smtpPassword":"p","from":"a@example.com","to":["b@example.com"]}
            ]}
            """;
        var errors = new List<FieldError>();

        var config = NotificationConfig.Parse(Json, errors);

        Assert.Empty(errors);
        Assert.Equal(5, config!.Targets.Count);
        Assert.Equal(NotificationService.Slack, config.Targets[0].Service);
        Assert.Equal("#deploys", config.Targets[0].Channel);
        Assert.Equal(NotificationLevel.Success, config.Targets[0].Level);
        Assert.Equal(NotificationLevel.Debug, config.Targets[1].Level);
        Assert.Equal(new EmailSettings("127.0.0.1", 2525, SmtpSecurity.None, null, null, "linnet@example.com", config.Targets[3].Email!.To), config.Targets[3].Email);
        Assert.Equal(["ops@example.com"], config.Targets[3].Email!.To);
        Assert.Equal(587, config.Targets[4].Email!.Port);
        Assert.Equal(SmtpSecurity.StartTls, config.Targets[4].Email!.Security);
    }

    [Theory]
    [InlineData("""{"targets":[{"name":"a","type":"pager","url":"https://x.example/h"}]}""", "targets[0].type", "is not a notification service")]
    [InlineData("""{"targets":[{"name":"a","type":"slack"}]}""", "targets[0].url", "is required")]
    [InlineData("""{"targets":[{"name":"a","type":"slack","url":"http://hooks.example.com/secret-token"}]}""", "targets[0].url", "must be https")]
    [InlineData("""{"targets":[{"name":"a","type":"slack","url":"ftp://x/secret-token"}]}""", "targets[0].url", "absolute http(s) URL")]
    [InlineData("""{"targets":[{"name":"a","type":"msteams","url":"https://x.example/h","channel":"#c"}]}""", "targets[0].channel", "cannot be named")]
    [InlineData("""{"targets":[{"name":"a","type":"slack","url":"https://x.example/h","channel":"two words"}]}""", "targets[0].channel", "is not a channel name")]
    [InlineData("""{"targets":[{"name":"a","type":"slack","url":"https://x.example/h","level":"loud"}]}""", "targets[0].level", "is not a level")]
    [InlineData("""{"targets":[{"name":"a","type":"slack","url":"https://x.example/h","token":"t"}]}""", "targets[0].token", "is not a field of a target")]
    [InlineData("""{"targets":[{"name":"a","type":"slack","url":"https://x.example/h","smtpHost":"h"}]}""", "targets[0].smtpHost", "e-mail targets only")]
    [InlineData("""{"targets":[{"name":"a","type":"email","smtpHost":"smtp.example.com","smtpSecurity":"none","from":"a@b.c","to":["d@e.f"]}]}""", "targets[0].smtpSecurity", "loopback only")]
    [InlineData("""{"targets":[{"name":"a","type":"email","smtpHost":"127.0.0.1","from":"a@b.c","to":["d@e.f, x@evil"]}]}""", "targets[0].to[0]", "is not an e-mail address")]
    [InlineData("""{"targets":[{"name":"a","type":"email","smtpHost":"127.0.0.1","smtpUser":"u","from":"a@b.c","to":["d@e.f"]}]}""", "targets[0].smtpPassword", "come together")]
    [InlineData("""{"targets":[{"name":"a","type":"email","smtpHost":"127.0.0.1","smtpPort":70000,"from":"a@b.c","to":["d@e.f"]}]}""", "targets[0].smtpPort", "port number")]
    [InlineData("""{"targets":[{"name":"a","type":"webhook","url":"https://x.example/h"},{"name":"a","type":"webhook","url":"https://y.example/h"}]}""", "targets[1].name", "names two targets")]
    [InlineData("""{"targets":[],"level":"info","extra":1}""", "extra", "is not a field of the notifications file")]
    [InlineData("""[1]""", "", "JSON object")]
    public void Parse_Invalid_RefusedWithPathAndNothingLoaded(string json, string path, string reason)
    {
        var errors = new List<FieldError>();

        var config = NotificationConfig.Parse(json, errors);

        Assert.Null(config);
        var error = Assert.Single(errors, e => e.Path == path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.All(errors, e => Assert.DoesNotContain("secret-token", e.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void FromFile_ReadableByOthers_Refused()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{"targets":[]}""");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

            var ex = Assert.Throws<InvalidOperationException>(() => NotificationConfig.FromFile(path));

            Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.Empty(NotificationConfig.FromFile(path).Targets);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ToString_Target_HidesUrlPathAndPassword()
    {
        var target = new NotificationTarget("ops", NotificationService.Slack, new Uri("https://hooks.slack.com/services/T/B/secret-token"));
        var email = new EmailSettings("smtp.example.com", 587, SmtpSecurity.StartTls, "u", "secret-password", "a@b.c", ["d@e.f"]);

        Assert.DoesNotContain("secret-token", target.ToString(), StringComparison.Ordinal);
        Assert.Contains("hooks.slack.com", target.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", email.ToString(), StringComparison.Ordinal);
    }
}
