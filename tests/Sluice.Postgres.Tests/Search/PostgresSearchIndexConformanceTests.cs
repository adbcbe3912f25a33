using Microsoft.Extensions.Options;
using Sluice.Conformance;
using Sluice.Core.Ports;

namespace Sluice.Postgres.Tests.Search;

public sealed class PostgresSearchIndexConformanceTests(ClassDatabase database) : SearchIndexConformance, IClassFixture<ClassDatabase>
{
    protected override async Task<ISearchIndex> CreateIndexAsync(CancellationToken cancellationToken) =>
        new PostgresSearchIndex(await database.GetAsync(), Options.Create(new PostgresSearchIndexOptions()));
}
