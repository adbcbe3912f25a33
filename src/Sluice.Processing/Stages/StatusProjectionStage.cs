using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Processing.Stages;

/// <summary>Folds <c>documents.status</c> into the status store; its own consumer group, no outputs.</summary>
public sealed class StatusProjectionStage(IStatusStore store) : IStage
{
    public string Name => StageNames.StatusProjection;

    public string InputTopic => StageCatalog.StatusProjection.InputTopic;

    public async Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        await store.ApplyAsync(context.Input, cancellationToken);
        return StageResult.Success();
    }
}
