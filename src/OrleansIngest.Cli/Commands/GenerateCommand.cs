using System.CommandLine;
using System.Globalization;
using OrleansIngest.Processing.Synthetic;
using Spectre.Console;

namespace OrleansIngest.Cli.Commands;

/// <summary><c>generate</c>: a deterministic synthetic corpus (audio, sensor CSV, unrouted and bad files).</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder to write the corpus to.", Required = true };
        var minutes = new Option<double>("--audio-minutes") { Description = "Total audio minutes.", DefaultValueFactory = _ => 3 };
        var sensors = new Option<int>("--sensor-files") { Description = "Sensor CSV files.", DefaultValueFactory = _ => 3 };
        var bad = new Option<int>("--bad-files") { Description = "Malformed files (quarantine demo).", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "Random seed; the same seed gives the same bytes.", DefaultValueFactory = _ => 42 };
        var command = new Command("generate", "Write a synthetic corpus for demos and tests.") { output, minutes, sensors, bad, seed };
        command.SetAction(parse =>
        {
            var manifest = CorpusGenerator.Generate(parse.GetValue(output)!, new CorpusSettings(parse.GetValue(minutes), parse.GetValue(sensors), parse.GetValue(bad), parse.GetValue(seed)));
            var inv = CultureInfo.InvariantCulture;
            AnsiConsole.MarkupLineInterpolated($"Wrote {manifest.Files.Count.ToString(inv)} files to {parse.GetValue(output)}");
            return 0;
        });
        return command;
    }
}
