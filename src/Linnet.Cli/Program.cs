using System.CommandLine;
using Linnet.Cli.Commands.Demo;

var root = new RootCommand("linnet: the Linnet service mesh command line.")
{
    DemoCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
