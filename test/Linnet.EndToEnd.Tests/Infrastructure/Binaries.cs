namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>The builds the tests run, all beside the tests (the project references <c>Linnet.Cli</c>).</summary>
internal static class Binaries
{
    public static string Linnet => Path.Combine(AppContext.BaseDirectory, "linnet.dll");

    public static string SampleBackend => Path.Combine(AppContext.BaseDirectory, "linnet-sample-backend.dll");
}
