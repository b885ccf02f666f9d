using System.CommandLine;

namespace Linnet.Cli.Commands.Apply;

/// <summary>Builds <c>linnet apply</c>.</summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var files = new Option<string[]>("--filename", "-f") { Description = "Manifest files or directories (- for stdin).", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = CliOptions.Output();
        var command = new Command("apply", "Create or update resources from manifests; a file with any invalid document changes nothing.") { files, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            List<(string, string)> read;
            try
            {
                read = await ApplyHandler.ReadAsync(parse.GetValue(files)!, Console.In, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                CliOptions.Printer(parse, output).Error(ex.Message);
                return ExitCodes.Invalid;
            }

            return await new ApplyHandler(CliOptions.Client(parse), CliOptions.Printer(parse, output)).RunAsync(read, cancellationToken);
        });
        return command;
    }
}
