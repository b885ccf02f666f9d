using System.Globalization;
using Linnet.Platform.Universal.Store;
using Linnet.StoreCrashDriver;
using Microsoft.Extensions.Logging.Abstractions;

// Usage: Linnet.StoreCrashDriver <data-dir> <round> <compact-after-bytes>
// Commits as fast as it can until killed, printing "acked <revision> <name>" once each commit has completed.
if (args.Length != 3)
{
    await Console.Error.WriteLineAsync("usage: Linnet.StoreCrashDriver <data-dir> <round> <compact-after-bytes>");
    return 2;
}

var round = int.Parse(args[1], CultureInfo.InvariantCulture);
var options = new FileStoreOptions { CompactAfterBytes = long.Parse(args[2], CultureInfo.InvariantCulture) };
using var store = await FileResourceStore.OpenAsync(args[0], NullLogger<FileResourceStore>.Instance, options);
Console.Out.WriteLine($"opened {store.Revision.ToString(CultureInfo.InvariantCulture)}");
for (var index = 0; index < 10_000_000; index++)
{
    var result = await store.CommitAsync(CrashWorkloads.Commit(round, index));
    Console.Out.WriteLine($"acked {result.Revision.ToString(CultureInfo.InvariantCulture)} {CrashWorkloads.Name(round, index)}");
}

return 0;
