using Microsoft.Playwright;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>Debian's Chromium (headless) driven through Playwright, one fresh browser context (no cookies) per
/// test. Every screenshot is saved under the test results directory (<c>TestResults/dashboard/</c> beside the test
/// assembly, or <c>$LINNET_TEST_ARTIFACTS/dashboard/</c>) and attached to the test's result.</summary>
internal sealed class DashboardBrowser : IAsyncDisposable
{
    /// <summary>Debian's Chromium.</summary>
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly ITestOutputHelper _output;

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page, ITestOutputHelper output)
    {
        _playwright = playwright;
        _browser = browser;
        Context = context;
        Page = page;
        _output = output;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>Where screenshots go.</summary>
    public static string ArtifactDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("LINNET_TEST_ARTIFACTS") is { Length: > 0 } root ? root : Path.Combine(AppContext.BaseDirectory, "TestResults"), "dashboard");

    public static async Task<DashboardBrowser> LaunchAsync(ITestOutputHelper output)
    {
        var playwright = await Playwright.CreateAsync();
        // As root, Chromium's sandbox needs user namespaces the test machine may not give; the page is our own.
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        page.Console += (_, message) => output.WriteLine($"browser console {message.Type}: {message.Text}");
        page.PageError += (_, error) => output.WriteLine($"browser page error: {error}");
        page.SetDefaultTimeout(30_000);
        return new DashboardBrowser(playwright, browser, context, page, output);
    }

    /// <summary>Saves a full-page screenshot as <paramref name="name"/>.png and attaches it to the test.</summary>
    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ArtifactDirectory);
        var path = Path.Combine(ArtifactDirectory, name + ".png");
        var bytes = await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.Current.AddAttachment(name + ".png", bytes, "image/png");
        _output.WriteLine($"screenshot {path}");
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
