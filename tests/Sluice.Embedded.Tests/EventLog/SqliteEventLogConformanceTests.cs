using Sluice.Conformance;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Tests.EventLog;

public sealed class SqliteEventLogConformanceTests : EventLogConformance
{
    private readonly TempLogFile _file = new();

    protected override int MaxRecordBytes => 64 * 1024;

    protected override Task<IEventLog> CreateLogAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IEventLog>(_file.Open(o => o.MaxRecordBytes = MaxRecordBytes));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _file.Dispose();
    }
}
