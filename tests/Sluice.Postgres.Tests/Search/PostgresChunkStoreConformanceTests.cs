using Sluice.Conformance;
using Sluice.Core.Ports;

namespace Sluice.Postgres.Tests.Search;

public sealed class PostgresChunkStoreConformanceTests(ClassDatabase database) : ChunkStoreConformance, IClassFixture<ClassDatabase>
{
    protected override async Task<IChunkStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        new PostgresChunkStore(await database.GetAsync());
}
