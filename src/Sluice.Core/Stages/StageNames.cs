namespace Sluice.Core.Stages;

/// <summary>Names of the stages; each is also the stage's consumer group. What each stage is: <see cref="StageCatalog"/>.</summary>
public static class StageNames
{
    public const string Extract = "extract";
    public const string Chunk = "chunk";
    public const string Embed = "embed";
    public const string Index = "index";
    public const string Summarize = "summarize";
    public const string StatusProjection = "status-projection";
    public const string Webhooks = "webhooks";

    /// <summary>The stages a document passes through, in order; all must succeed for it to be completed.</summary>
    public static IReadOnlyList<string> Pipeline => StageCatalog.PipelineNames;
}
