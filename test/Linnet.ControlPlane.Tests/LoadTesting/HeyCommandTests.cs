using Linnet.ControlPlane.LoadTesting;

namespace Linnet.ControlPlane.Tests.LoadTesting;

public sealed class HeyCommandTests
{
    [Fact]
    public void Parse_FlaggersLoadTestCommand_ReadsHeysFlags()
    {
        // Flagger's docs: hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/
        var (load, error) = HeyCommand.Parse("hey -z 1m -q 10 -c 2 -m POST -H 'X-Test: a b' -d '{\"a\":1}' -T application/json -host podinfo.test http://podinfo-canary.test:9898/");

        Assert.Null(error);
        Assert.Equal(new Uri("http://podinfo-canary.test:9898/"), load!.Url);
        Assert.Equal((TimeSpan.FromMinutes(1), 10.0, 2, "POST"), (load.Duration, load.RatePerWorker, load.Concurrency, load.Method));
        Assert.Equal([new("X-Test", "a b"), new("Content-Type", "application/json")], load.Headers);
        Assert.Equal(("{\"a\":1}", "podinfo.test"), (load.Body, load.Host));
    }

    [Fact]
    public void Parse_NoFlags_HeysDefaults()
    {
        var (load, _) = HeyCommand.Parse("/usr/bin/hey http://a.test/");

        // hey: -n 200 -c 50, GET, 20 s timeout.
        Assert.Equal((200, 50, "GET", TimeSpan.FromSeconds(20), (TimeSpan?)null), (load!.Requests, load.Concurrency, load.Method, load.Timeout, load.Duration));
    }

    [Theory]
    [InlineData("curl http://a.test/", "only hey")]
    [InlineData("hey http://a.test/ ; rm -rf /", "shell syntax")]
    [InlineData("hey http://a.test/ && echo x", "shell syntax")]
    [InlineData("hey http://a.test/ | tee x", "shell syntax")]
    [InlineData("hey $(cat /etc/passwd) http://a.test/", "shell syntax")]
    [InlineData("hey -z 2h http://a.test/", "up to 1h")]
    [InlineData("hey -n 10 -c 20 http://a.test/", "-n cannot be less than -c")]
    [InlineData("hey -c 5000 http://a.test/", "1..1000")]
    [InlineData("hey http://a.test/ -n", "needs a value")]
    [InlineData("hey -n 5 -c 1", "needs the URL")]
    [InlineData("hey file:///etc/passwd", "http or https")]
    [InlineData("hey -o csv http://a.test/", "not supported")]
    [InlineData("hey 'http://a.test/", "unbalanced quotes")]
    [InlineData("hey -H 'bad header' http://a.test/", "Name: value")]
    public void Parse_NotOneBoundedHeyCommand_RefusedWithReason(string command, string reason)
    {
        var (load, error) = HeyCommand.Parse(command);

        Assert.Null(load);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
