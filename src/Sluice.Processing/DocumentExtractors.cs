using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Processing.Internal.Extraction.Isolation;

namespace Sluice.Processing;

/// <summary>Chooses the extractor <see cref="ExtractionOptions.Isolation"/> asks for.</summary>
public static class DocumentExtractors
{
    /// <summary>
    /// An <see cref="IsolatedDocumentExtractor"/> for <c>process</c>, or a <see cref="DocumentExtractor"/> for
    /// <c>none</c>, and also, with a warning, when no extractor program can be found (an application built
    /// without Sluice.Extractor and no <see cref="ExtractionOptions.ChildPath"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">A configured <see cref="ExtractionOptions.ChildPath"/> does not exist.</exception>
    public static IDocumentExtractor Create(ExtractionOptions options, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Isolation == ExtractionOptions.NoIsolation)
        {
            return new DocumentExtractor(options);
        }

        var logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger<IsolatedDocumentExtractor>();
        if (ExtractorLauncher.Locate(options) is not { } launch)
        {
            ExtractionLog.IsolationUnavailable(logger, ExtractorLauncher.DefaultProgram);
            return new DocumentExtractor(options);
        }

        return new IsolatedDocumentExtractor(options, launch, logger, time);
    }
}
