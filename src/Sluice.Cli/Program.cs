using System.CommandLine;
using Sluice.Cli.Client;
using Sluice.Cli.Commands;

var root = new RootCommand("Sluice: event-driven document ingestion for AI")
{
    HostCommands.Serve(),
    HostCommands.Api(),
    HostCommands.Worker(),
    TopicsCommand.Create(),
    DevCommand.Create(),
    IngestCommand.Create(),
    StatusCommand.Create(),
    TopCommand.Create(),
    SearchCommand.Create(),
    EvalCommand.Create(),
    BenchCommand.Create(),
    DlqCommand.Create(),
    MigrateCommand.Create(),
    KeysCommand.Create(),
};
root.Options.Add(ClientCredentials.Option);

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // One line: the parser lists allowed values one per line.
    var reason = string.Join(' ', parse.Errors[0].Message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    await Console.Error.WriteLineAsync($"sluice: {reason} (see 'sluice --help')");
    return 2;
}

ClientCredentials.From(parse);
try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (CliException ex)
{
    await Console.Error.WriteLineAsync($"sluice: {ex.Message}");
    return ex.ExitCode;
}
catch (Microsoft.Extensions.Options.OptionsValidationException ex)
{
    // A setting the host cannot run with: the reason, on one line, instead of a stack trace.
    await Console.Error.WriteLineAsync($"sluice: invalid configuration: {ex.Message}");
    return 2;
}
catch (OperationCanceledException ex) when (ex.InnerException is not TimeoutException)
{
    // Ctrl-C or SIGTERM: the command's token was cancelled. Not a crash, so no stack trace.
    await Console.Error.WriteLineAsync("sluice: interrupted");
    return 130;
}
