using System.CommandLine;
using Sluice.Cli.Client;
using System.Globalization;
using Sluice.Core.Ports;
using Sluice.Server;
using Sluice.Server.Hosting;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice topics create</c>: creates Sluice's topics ahead of time (for clusters where services may not create
/// topics, or to choose partitions, replication and retention). Existing topics are left as they are.
/// </summary>
internal static class TopicsCommand
{
    public static Command Create()
    {
        var bootstrap = new Option<string?>("--bootstrap") { Description = "Kafka bootstrap servers (default: Sluice:Kafka:BootstrapServers)" };
        var partitions = new Option<int>("--partitions") { Description = "Partitions per topic: the most workers a stage can use (default 6)", DefaultValueFactory = _ => 6 };
        var replication = new Option<short>("--replication-factor") { Description = "Replicas per partition (default: the broker's default)", DefaultValueFactory = _ => -1 };
        var retention = new Option<string>("--retention") { Description = "How long records are kept, e.g. 7d, 12h, 30m (default 7d)", DefaultValueFactory = _ => "7d" };
        var prefix = new Option<string?>("--prefix") { Description = "Topic name prefix (default: Sluice:Kafka:TopicPrefix)" };
        var create = new Command("create", "Create Sluice's topics on Kafka") { bootstrap, partitions, replication, retention, prefix };
        create.SetAction(async (result, cancellationToken) =>
        {
            var count = result.GetValue(partitions);
            if (count is < 1 or > 1024)
            {
                throw new CliException("--partitions must be 1 to 1024", 2);
            }

            var keep = ParseDuration(result.GetValue(retention)!);
            var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            {
                ["Sluice:Transport"] = "kafka",
                ["Sluice:Stages"] = "",
                ["Sluice:Kafka:ReplicationFactor"] = result.GetValue(replication).ToString(CultureInfo.InvariantCulture),
            };
            if (result.GetValue(bootstrap) is { } servers)
            {
                overrides["Sluice:Kafka:BootstrapServers"] = servers;
            }

            if (result.GetValue(prefix) is { } topicPrefix)
            {
                overrides["Sluice:Kafka:TopicPrefix"] = topicPrefix;
            }

            using var host = SluiceApp.CreateWorkerBuilder([], overrides).Build();
            var log = host.Services.GetRequiredService<IEventLog>();
            var specs = TopicProvisioner.Specs(count, keep);
            try
            {
                await log.EnsureTopicsAsync(specs, cancellationToken);
            }
            catch (EventLogException ex)
            {
                throw new CliException($"could not create the topics: {ex.Message}", 3);
            }

            foreach (var spec in specs)
            {
                await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{spec.Name}: {spec.Partitions} partitions, retention {FormatDuration(spec.Retention!.Value)}{(spec.Compacted ? ", compacted" : "")}"));
            }

            return 0;
        });
        return new Command("topics", "Manage Sluice's Kafka topics") { create };
    }

    private static string FormatDuration(TimeSpan value) => value switch
    {
        { TotalDays: var days } when days >= 1 && days == Math.Floor(days) => string.Create(CultureInfo.InvariantCulture, $"{days}d"),
        { TotalHours: var hours } when hours >= 1 && hours == Math.Floor(hours) => string.Create(CultureInfo.InvariantCulture, $"{hours}h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value.TotalMinutes:0.##}m"),
    };

    internal static TimeSpan ParseDuration(string value)
    {
        var unit = value.Length > 1 ? value[^1] : ' ';
        if (double.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            switch (unit)
            {
                case 'd': return TimeSpan.FromDays(amount);
                case 'h': return TimeSpan.FromHours(amount);
                case 'm': return TimeSpan.FromMinutes(amount);
                case 's': return TimeSpan.FromSeconds(amount);
            }
        }

        throw new CliException($"'{value}' is not a duration for --retention (use e.g. 7d, 12h, 30m)", 2);
    }
}
