// Started by IsolatedDocumentExtractor, one document at a time over standard input and output; not for people.
return await Sluice.Processing.ExtractorProcess.RunChildAsync();
