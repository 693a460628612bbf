using System.CommandLine;
using OrleansIngest.Cli.Commands;

var root = new RootCommand("orleans-ingest: turns raw audio and sensor files into training-ready Parquet tables on an Orleans cluster.")
{
    IngestCommand.Create(),
    StatusCommand.Create(),
    InspectCommand.Create(),
    EvaluateCommand.Create(),
    GenerateCommand.Create(),
    SiloCommand.Create(),
    SubmitCommand.Create(),
    SubscribeCommand.Create(),
    SubscribeCommand.CreateUnsubscribe(),
    SubscribeCommand.CreateReconcile(),
    QuarantineCommand.Create(),
    JobsCommand.Create(),
    EraseCommand.Create(),
    AuditCommand.Create(),
    DecryptCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
