using Sluice.Conformance;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Tests.Index;

public sealed class SqliteSearchIndexConformanceTests : SearchIndexConformance
{
    private readonly TempIndexFile _file = new();

    protected override Task<ISearchIndex> CreateIndexAsync(CancellationToken cancellationToken) =>
        Task.FromResult<ISearchIndex>(_file.Open());

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _file.Dispose();
    }
}
