using System.ClientModel.Primitives;

namespace Sluice.Processing.Internal.Embeddings;

/// <summary>
/// Removes the Authorization header just before a request is sent, for local servers that need no API key (the
/// OpenAI client always adds one from its credential).
/// </summary>
internal sealed class NoAuthorizationPolicy : PipelinePolicy
{
    /// <summary>Stands in for a key where the client insists on one; never sent.</summary>
    public const string PlaceholderKey = "no-key";

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Request.Headers.Remove("Authorization");
        ProcessNext(message, pipeline, currentIndex);
    }

    public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Request.Headers.Remove("Authorization");
        return ProcessNextAsync(message, pipeline, currentIndex);
    }
}
