using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Sluice.Core.Stages;

namespace Sluice.Server.Tests.Deploy;

/// <summary>
/// The operators' files under deploy/ stay in step with the code: they parse, the Kubernetes manifests run and scale
/// every stage of <see cref="StageCatalog"/> on its own consumer group and input topic, probes and scrapes point where
/// Sluice serves them, and the dashboard and alerts read only metrics Sluice serves. Renaming a stage, a topic or a
/// metric without following it here fails.
/// </summary>
public class DeployFilesTests
{
    private const string Base = "deploy/kubernetes/base";

    /// <summary>
    /// Stages that run as <c>sluice worker</c> processes but are not (yet) in <see cref="StageCatalog"/>: the webhook
    /// deliveries, with their own group on their own topic. Once the catalogue lists a stage, it is taken from there.
    /// </summary>
    private static readonly (string Name, string InputTopic)[] StagesOutsideCatalog = [("webhooks", "webhooks.deliveries")];

    /// <summary>Every stage that gets its own Deployment and ScaledObject: the catalogue's, projections aside.</summary>
    private static IReadOnlyList<(string Name, string InputTopic)> WorkerStages { get; } =
    [
        .. StageCatalog.All.Where(s => !s.IsProjection).Select(s => (s.Name, s.InputTopic)),
        .. StagesOutsideCatalog.Where(s => StageCatalog.Find(s.Name) is null),
    ];

    public static TheoryData<string> DeployFiles_() => [.. DeployFiles.Find(".yaml", ".yml", ".json")];

    [Theory]
    [MemberData(nameof(DeployFiles_))]
    public void EveryYamlAndJsonFile_Parses(string file)
    {
        if (file.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            using var json = JsonDocument.Parse(DeployFiles.Read(file));
            Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        }
        else
        {
            Assert.NotEmpty(DeployFiles.LoadYaml(file));
        }
    }

    [Fact]
    public void TheDeployDirectory_HoldsTheFilesOperatorsUse()
    {
        var files = DeployFiles.Find(".yaml", ".yml", ".json");
        Assert.Contains("deploy/compose.yaml", files);
        Assert.Contains("deploy/prometheus/prometheus.yml", files);
        Assert.Contains("deploy/prometheus/alerts.yml", files);
        Assert.Contains("deploy/grafana/sluice-dashboard.json", files);
        Assert.Contains($"{Base}/kustomization.yaml", files);
    }

    [Fact]
    public void ComposeFile_StillParses_AndItsWorkersRunKnownStages()
    {
        var compose = Assert.Single(DeployFiles.LoadYaml("deploy/compose.yaml"));
        var services = Assert.IsType<JsonObject>(compose["services"]);
        Assert.Contains("api", services.Select(s => s.Key));
        var workers = services.Select(s => StagesRunBy(s.Value.Items("command").Select(a => a.GetValue<string>()).ToList()))
            .Where(s => s is not null).SelectMany(s => s!).ToList();
        Assert.NotEmpty(workers);
        Assert.All(workers, stage => Assert.True(StageCatalog.Find(stage) is not null, $"compose.yaml runs a worker for '{stage}', which is not a stage"));
    }

    [Fact]
    public void EveryWorkerStage_HasExactlyOneDeployment_RunningThatStageAlone()
    {
        var deployments = Manifests("Deployment").ToList();
        var workers = deployments
            .Select(d => (Name: d.Name(), Stages: StagesRunBy(Args(d))))
            .Where(d => d.Stages is not null)
            .ToList();

        foreach (var (name, stages) in workers)
        {
            var stage = Assert.Single(stages!);
            Assert.True(WorkerStages.Any(s => s.Name == stage), $"Deployment {name} runs '{stage}', which is not a worker stage ({string.Join(", ", WorkerStages.Select(s => s.Name))})");
        }

        foreach (var stage in WorkerStages)
        {
            var running = workers.Where(w => w.Stages!.Contains(stage.Name)).Select(w => w.Name).ToList();
            Assert.True(running.Count == 1, $"stage '{stage.Name}' should run in exactly one Deployment, found {running.Count}: {string.Join(", ", running)}");
        }
    }

    [Fact]
    public void EveryWorkerStage_HasExactlyOneScaledObject_OnItsGroupAndInputTopic()
    {
        var scaled = Manifests("ScaledObject").ToList();
        foreach (var scaledObject in scaled)
        {
            Assert.Equal("keda.sh/v1alpha1", scaledObject.Str("apiVersion"));
            var trigger = Assert.Single(scaledObject.Items("spec.triggers"), t => t.Str("type") == "kafka");
            var group = trigger.Str("metadata.consumerGroup");
            var stage = WorkerStages.FirstOrDefault(s => s.Name == group);
            Assert.True(stage.Name is not null, $"ScaledObject {scaledObject.Name()} scales on group '{group}', which is no worker stage's group");
            Assert.Equal(stage.InputTopic, trigger.Str("metadata.topic"));
            Assert.True(int.TryParse(trigger.Str("metadata.lagThreshold"), out var threshold) && threshold > 0, $"{scaledObject.Name()}: lagThreshold must be a positive number");

            // It scales the Deployment that runs that stage.
            var target = Assert.Single(Manifests("Deployment"), d => d.Name() == scaledObject.Str("spec.scaleTargetRef.name"));
            Assert.Equal([stage.Name], StagesRunBy(Args(target)));
        }

        foreach (var stage in WorkerStages)
        {
            var count = scaled.Count(s => s.Items("spec.triggers").Any(t => t.Str("metadata.consumerGroup") == stage.Name));
            Assert.True(count == 1, $"stage '{stage.Name}' should have exactly one ScaledObject, found {count}");
        }
    }

    [Fact]
    public void Projections_RunInTheApi_AndAreNotScaledOnLag()
    {
        // `sluice api` always runs the status projection (HostCommands.Api): its consumers are the API's replicas.
        var projections = StageCatalog.All.Where(s => s.IsProjection).ToList();
        Assert.NotEmpty(projections);
        Assert.Single(Manifests("Deployment"), d => Args(d).FirstOrDefault() == "api");
        foreach (var projection in projections)
        {
            Assert.DoesNotContain(Manifests("Deployment"), d => StagesRunBy(Args(d))?.Contains(projection.Name) == true);
            Assert.DoesNotContain(Manifests("ScaledObject"), s => s.Items("spec.triggers").Any(t => t.Str("metadata.consumerGroup") == projection.Name));
        }
    }

    [Fact]
    public void TheApi_WarmsUpBeforeItReportsReady()
    {
        var api = Assert.Single(Manifests("Deployment"), d => Args(d).FirstOrDefault() == "api");
        var container = Assert.Single(api.Items("spec.template.spec.containers"));
        var variable = Assert.Single(container.Items("env"), e => e.Str("name") == "Sluice__Warmup__Enabled");

        // The variable binds to the warm-up's option the way the host reads its environment.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new(variable.Str("name")!.Replace("__", ":", StringComparison.Ordinal), variable.Str("value"))])
            .Build();
        var options = new Sluice.Server.Hosting.WarmupOptions();
        configuration.GetSection(Sluice.Server.Hosting.WarmupOptions.Section).Bind(options);
        Assert.True(options.Enabled);
        Assert.Equal("/readyz", container.Str("readinessProbe.httpGet.path"));
    }

    [Fact]
    public void ScaledObjects_StayWithinThePartitions_AndReadTheConfiguredBrokers()
    {
        var config = Assert.Single(Manifests("ConfigMap"), c => c.Name() == "sluice-config");
        var partitions = int.Parse(config.Str("data.Sluice__Partitions")!);
        var brokers = config.Str("data.Sluice__Kafka__BootstrapServers");
        Assert.False(string.IsNullOrWhiteSpace(brokers));
        foreach (var scaledObject in Manifests("ScaledObject"))
        {
            var min = int.Parse(scaledObject.Str("spec.minReplicaCount")!);
            var max = int.Parse(scaledObject.Str("spec.maxReplicaCount")!);
            Assert.InRange(min, 1, max);
            Assert.True(max <= partitions, $"{scaledObject.Name()}: maxReplicaCount {max} is more than the {partitions} partitions (Sluice__Partitions): the extra replicas would get no partition");
            var trigger = Assert.Single(scaledObject.Items("spec.triggers"));
            Assert.Equal(brokers, trigger.Str("metadata.bootstrapServers"));
            Assert.NotEqual("true", trigger.Str("metadata.allowIdleConsumers"));
        }
    }

    [Fact]
    public void EveryDeployment_ProbesHealthzAndReadyz_AndIsScrapedWhereItListens()
    {
        var deployments = Manifests("Deployment").ToList();
        Assert.NotEmpty(deployments);
        foreach (var deployment in deployments)
        {
            var container = Assert.Single(deployment.Items("spec.template.spec.containers"));
            var name = deployment.Name();
            Assert.Equal("/healthz", container.Str("livenessProbe.httpGet.path"));
            Assert.Equal("/readyz", container.Str("readinessProbe.httpGet.path"));
            Assert.Equal("http", container.Str("livenessProbe.httpGet.port"));
            Assert.Equal("http", container.Str("readinessProbe.httpGet.port"));

            // The port named http is the one --urls listens on, and the one Prometheus is told to scrape.
            var port = Assert.Single(container.Items("ports"), p => p.Str("name") == "http").Str("containerPort");
            var args = Args(deployment);
            var urls = args.SkipWhile(a => a != "--urls").Skip(1).FirstOrDefault();
            Assert.True(urls is not null, $"{name} does not pass --urls: nothing would listen for probes and scrapes");
            Assert.Equal(port, new Uri(urls).Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var annotations = deployment.At("spec.template.metadata.annotations");
            Assert.Equal("true", annotations?["prometheus.io/scrape"]?.GetValue<string>());
            Assert.Equal(port, annotations?["prometheus.io/port"]?.GetValue<string>());
            Assert.Equal("/metrics", annotations?["prometheus.io/path"]?.GetValue<string>());
        }
    }

    [Fact]
    public void EveryDeployment_RunsAsNonRoot_WithRequestsAndLimits_AndCredentialsFromASecret()
    {
        foreach (var deployment in Manifests("Deployment"))
        {
            var name = deployment.Name();
            var pod = deployment.At("spec.template.spec");
            Assert.Equal("true", pod.Str("securityContext.runAsNonRoot"));
            Assert.NotEqual("0", pod.Str("securityContext.runAsUser"));
            var container = Assert.Single(pod.Items("containers"));
            Assert.Equal("false", container.Str("securityContext.allowPrivilegeEscalation"));
            Assert.Equal("true", container.Str("securityContext.readOnlyRootFilesystem"));
            Assert.Contains("ALL", container.Items("securityContext.capabilities.drop").Select(c => c.GetValue<string>()));
            foreach (var part in new[] { "requests", "limits" })
            {
                Assert.False(string.IsNullOrEmpty(container.Str($"resources.{part}.cpu")), $"{name} has no CPU {part}");
                Assert.False(string.IsNullOrEmpty(container.Str($"resources.{part}.memory")), $"{name} has no memory {part}");
            }

            var envFrom = container.Items("envFrom").ToList();
            Assert.Contains(envFrom, e => e.Str("configMapRef.name") == "sluice-config");
            Assert.Contains(envFrom, e => e.Str("secretRef.name") == "sluice-secrets");
        }
    }

    [Fact]
    public void ConfigMaps_HoldNoCredentials()
    {
        var secretLike = new Regex("password|secret|connectionstring|accesskey|token|sasl\\.username|apikey|api_key", RegexOptions.IgnoreCase);
        var configMaps = DeployFiles.LoadYamlUnder("deploy/kubernetes").Where(d => d.Document.Kind() == "ConfigMap").ToList();
        Assert.NotEmpty(configMaps);
        foreach (var (file, configMap) in configMaps)
        {
            var keys = configMap["data"]?.AsObject().Select(p => p.Key) ?? [];
            Assert.All(keys, key => Assert.False(secretLike.IsMatch(key), $"{file}: '{key}' looks like a credential; it belongs in a Secret"));
        }
    }

    [Fact]
    public void TheBaseKustomization_ListsEveryManifest()
    {
        var kustomization = Assert.Single(DeployFiles.LoadYaml($"{Base}/kustomization.yaml"));
        var listed = kustomization.Items("resources").Select(r => $"{Base}/{r.GetValue<string>()}").ToHashSet(StringComparer.Ordinal);
        var files = DeployFiles.Find(".yaml", ".yml").Where(f => f.StartsWith(Base + "/", StringComparison.Ordinal) && !f.EndsWith("/kustomization.yaml", StringComparison.Ordinal));
        Assert.All(files, f => Assert.True(listed.Contains(f), $"{f} is not in {Base}/kustomization.yaml: it would never be applied"));
        Assert.All(listed, f => Assert.True(File.Exists(Path.Combine(DeployFiles.RepositoryRoot, f)), $"{Base}/kustomization.yaml lists {f}, which does not exist"));
    }

    [Fact]
    public void PrometheusDiscovery_KeepsThePodsTheManifestsLabel()
    {
        var config = Assert.Single(DeployFiles.LoadYaml("deploy/prometheus/prometheus.yml"));
        var job = Assert.Single(config.Items("scrape_configs"), j => j.At("kubernetes_sd_configs") is not null);
        var keepName = Assert.Single(job.Items("relabel_configs"), r =>
            r.Str("action") == "keep" && r.Items("source_labels").Any(l => l.GetValue<string>() == "__meta_kubernetes_pod_label_app_kubernetes_io_name"));
        var keepScrape = Assert.Single(job.Items("relabel_configs"), r =>
            r.Str("action") == "keep" && r.Items("source_labels").Any(l => l.GetValue<string>() == "__meta_kubernetes_pod_annotation_prometheus_io_scrape"));
        foreach (var deployment in Manifests("Deployment"))
        {
            Assert.Matches($"^(?:{keepName.Str("regex")})$", deployment.At("spec.template.metadata.labels")?["app.kubernetes.io/name"]?.GetValue<string>() ?? string.Empty);
            Assert.Matches($"^(?:{keepScrape.Str("regex")})$", deployment.At("spec.template.metadata.annotations")?["prometheus.io/scrape"]?.GetValue<string>() ?? string.Empty);
        }

        Assert.Contains("alerts.yml", config.Items("rule_files").Select(r => r.GetValue<string>()));
    }

    [Fact]
    public void DashboardPanels_ReadOnlyMetricsSluiceServes()
    {
        var dashboard = JsonNode.Parse(DeployFiles.Read("deploy/grafana/sluice-dashboard.json"))!;
        Assert.Contains(dashboard.Items("templating.list"), v => v.Str("name") == "datasource" && v.Str("type") == "datasource" && v.Str("query") == "prometheus");
        var panels = dashboard.Items("panels").SelectMany(p => p.Str("type") == "row" ? p.Items("panels") : [p]).Where(p => p.Str("type") != "row").ToList();
        Assert.NotEmpty(panels);
        foreach (var panel in panels)
        {
            var title = panel.Str("title");
            Assert.Equal("${datasource}", panel.Str("datasource.uid"));
            var expressions = panel.Items("targets").Select(t => t.Str("expr")).ToList();
            Assert.True(expressions.Count > 0 && expressions.All(e => !string.IsNullOrWhiteSpace(e)), $"panel '{title}' has no query");
            foreach (var expression in expressions)
            {
                var names = PromQl.MetricNames(expression!);
                Assert.True(names.Count > 0, $"panel '{title}': no metric in {expression}");
                Assert.All(names, n => Assert.True(KnownMetrics.Series.Contains(n), $"panel '{title}' reads '{n}', which Sluice does not serve"));
            }
        }
    }

    [Fact]
    public void Alerts_ReadOnlyMetricsSluiceServes()
    {
        var rules = Assert.Single(DeployFiles.LoadYaml("deploy/prometheus/alerts.yml"));
        var alerts = rules.Items("groups").SelectMany(g => g.Items("rules")).ToList();
        Assert.NotEmpty(alerts);
        foreach (var alert in alerts)
        {
            var name = alert.Str("alert");
            Assert.False(string.IsNullOrEmpty(alert.Str("labels.severity")), $"alert {name} has no severity");
            Assert.False(string.IsNullOrEmpty(alert.Str("annotations.summary")), $"alert {name} has no summary");
            var names = PromQl.MetricNames(alert.Str("expr")!);
            Assert.NotEmpty(names);
            Assert.All(names, n => Assert.True(KnownMetrics.Series.Contains(n) || KnownMetrics.External.Contains(n), $"alert {name} reads '{n}', which nothing serves"));
        }
    }

    [Fact]
    public void SluiceMetrics_TheFilesRead_AreDocumented()
    {
        var architecture = File.ReadAllText(Path.Combine(DeployFiles.RepositoryRoot, "docs", "ARCHITECTURE.md"));
        var missing = KnownMetrics.Names
            .Where(n => n.StartsWith("sluice_", StringComparison.Ordinal))
            .Where(n => !architecture.Contains($"`{n}`", StringComparison.Ordinal))
            .ToList();
        Assert.True(missing.Count == 0, $"docs/ARCHITECTURE.md (Metrics) does not name {string.Join(", ", missing)}");
    }

    [Fact]
    public void PromQlNames_AreReadFromExpressions()
    {
        Assert.Equal(
            ["sluice_stage_records_total"],
            PromQl.MetricNames("sum by (sluice_stage, outcome) (rate(sluice_stage_records_total{sluice_stage=~\"$stage\", outcome!=\"ok\"}[$__rate_interval]))"));
        Assert.Equal(
            ["sluice_embedder_texts_total", "sluice_embedder_batches_total"],
            PromQl.MetricNames("sum(rate(sluice_embedder_texts_total[5m])) / sum(rate(sluice_embedder_batches_total[5m])) > 0.5 and on() vector(1)"));
        Assert.Equal(["x_bucket", "up"], PromQl.MetricNames("histogram_quantile(0.99, x_bucket) == 0 or up offset 5m"));
    }

    private static IEnumerable<JsonNode> Manifests(string kind)
        => DeployFiles.LoadYamlUnder(Base).Select(d => d.Document).Where(d => d.Kind() == kind);

    private static List<string> Args(JsonNode deployment)
        => [.. deployment.Items("spec.template.spec.containers.0.args").Select(a => a.GetValue<string>())];

    /// <summary>The stages a <c>sluice worker</c> command line runs (<c>--stage a,b</c>), or null for any other command.</summary>
    private static List<string>? StagesRunBy(List<string> args)
    {
        if (args.Count == 0 || args[0] != "worker")
        {
            return null;
        }

        for (var i = 1; i < args.Count; i++)
        {
            var value = args[i] switch
            {
                "--stage" or "--stages" when i + 1 < args.Count => args[i + 1],
                var a when a.StartsWith("--stage=", StringComparison.Ordinal) || a.StartsWith("--stages=", StringComparison.Ordinal) => a[(a.IndexOf('=') + 1)..],
                _ => null,
            };
            if (value is not null)
            {
                return [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            }
        }

        return [];
    }
}
