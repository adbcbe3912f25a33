namespace Sluice.Processing.Internal.Extraction.Isolation;

/// <summary>The child's side: read a request, extract the file it names, answer; until the parent closes the pipe.</summary>
internal static class ChildLoop
{
    public static async Task<int> RunAsync(Stream input, Stream output, bool testHooks, CancellationToken cancellationToken)
    {
        await ChildProtocol.WriteReadyAsync(output, cancellationToken);
        while (true)
        {
            ChildRequest? request;
            try
            {
                request = await ChildProtocol.ReadRequestAsync(input, cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException)
            {
                await Console.Error.WriteLineAsync($"sluice-extractor: {ex.Message}");
                return ExtractorExitCodes.ProtocolError;
            }

            if (request is null)
            {
                return 0;
            }

            ChildResponse response;
            string? text = null;
            try
            {
                if (testHooks)
                {
                    TestHooks.Apply(request.Path);
                }

                var extracted = await new DocumentExtractor(request.Limits).ExtractFileAsync(request.Path, request.Format, cancellationToken);
                text = extracted.Text;
                response = new ChildResponse(text.Length, extracted.Pages is null ? null : ChildProtocol.Flatten(extracted.Pages), null, null, null);
            }
            catch (ExtractionException ex)
            {
                response = new ChildResponse(0, null, ex.Reason, null, null);
            }
            catch (OutOfMemoryException)
            {
                // The heap hit its hard limit; whatever the parser holds may be half-built. Stop, and let the
                // parent report it and start a fresh child.
                return ExtractorExitCodes.OutOfMemory;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                response = new ChildResponse(0, null, null, ex.GetType().Name, ex.Message);
            }

            await ChildProtocol.WriteResponseAsync(output, response, text, cancellationToken);
        }
    }
}
