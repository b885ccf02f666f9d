using System.CommandLine;

namespace Linnet.Cli.Commands.Token.Create;

/// <summary>Builds <c>linnet token create</c>.</summary>
internal static class TokenCreateCommand
{
    public static Command Create()
    {
        var ns = new Option<string>("--namespace", "-n") { Description = "The workload's namespace.", Required = true };
        var serviceAccount = new Option<string>("--service-account", "-s") { Description = "The workload's service account.", Required = true };
        var ttl = new Option<string?>("--ttl") { Description = "How long the token is valid (e.g. 24h, 30m); default 24h." };
        var output = CliOptions.Output();
        var command = new Command("create", "Sign a token for a proxy on another host: it proves the identity spiffe://<trust-domain>/ns/<namespace>/sa/<service-account> to the CA. Prints the token alone (table) or with its id and expiry (-o json|yaml).")
        {
            ns, serviceAccount, ttl, output,
        };
        command.SetAction((parse, cancellationToken) =>
            new TokenCreateHandler(CliOptions.Client(parse), CliOptions.Printer(parse, output))
                .RunAsync(parse.GetValue(ns)!, parse.GetValue(serviceAccount)!, parse.GetValue(ttl), cancellationToken));
        return command;
    }
}
