using Sluice.Cli.Client;
using Sluice.Server.Events;

namespace Sluice.Cli.Tests;

/// <summary>How <c>sluice ingest</c> follows its documents: the tenant's event stream, resumed when it drops.</summary>
public sealed class IngestEventsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheFollower_ReconnectsWithLastEventId_WhenTheStreamDrops_AndMissesAndRepeatsNothing()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "sluice-cli", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        var url = new Uri($"http://127.0.0.1:{SluiceProcess.FreePort()}/");
        await using (await SluiceProcess.ServeAsync(Path.Combine(dataDirectory, "data"), url))
        {
            var dropping = new DroppingHandler(eventsBeforeDrop: 4);
            using var client = new SluiceClient(new HttpClient(dropping) { BaseAddress = url });
            await using var follower = new StatusEventFollower(client);
            Assert.True(await follower.StartAsync(Ct));
            var start = follower.LastEventId!;

            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, text) in new[] { ("one.txt", "The first file talks about backpressure."), ("two.txt", "The second file talks about retries.") })
            {
                var path = Path.Combine(dataDirectory, name);
                await File.WriteAllTextAsync(path, text, Ct);
                ids.Add((await client.UploadAsync(path, Ct)).Document.Id);
            }

            var followed = new List<StatusEventResponse>();
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            limit.CancelAfter(TimeSpan.FromSeconds(90));
            var completed = new HashSet<string>(StringComparer.Ordinal);
            while (!completed.IsSupersetOf(ids))
            {
                var change = await follower.NextAsync(limit.Token);
                Assert.NotNull(change);
                followed.Add(change);
                if (change.Type == "document.completed")
                {
                    completed.Add(change.DocumentId);
                }
            }

            // The first connection dropped mid-stream; the second resumed after the last event the follower had.
            Assert.True(dropping.Connections >= 2, $"{dropping.Connections} connection(s)");
            Assert.NotNull(dropping.ResumedFrom);

            // Everything the server holds since the start, once, in order: read again from the start position.
            using var everything = await client.OpenEventsAsync(start, Ct);
            var all = new List<long>();
            var parser = System.Net.ServerSentEvents.SseParser.Create(await everything!.Content.ReadAsStreamAsync(Ct));
            await foreach (var item in parser.EnumerateAsync(limit.Token))
            {
                if (item.EventType == StatusEventResponse.KeepAliveType)
                {
                    break;
                }

                all.Add(long.Parse(item.EventId!, System.Globalization.CultureInfo.InvariantCulture));
            }

            Assert.Equal(all.Take(followed.Count), followed.Select(c => c.Position));
        }

        Directory.Delete(dataDirectory, recursive: true);
    }

    /// <summary>Cuts the first event stream after a few events, as a proxy or a network would; records the reconnection.</summary>
    private sealed class DroppingHandler(int eventsBeforeDrop) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _connections;

        public int Connections => _connections;

        public string? ResumedFrom { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri?.AbsolutePath != "/v1/events")
            {
                return response;
            }

            if (Interlocked.Increment(ref _connections) > 1)
            {
                ResumedFrom ??= request.Headers.TryGetValues("Last-Event-ID", out var values) ? values.Single() : null;
                return response;
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var cut = new StreamContent(new DroppingStream(body, eventsBeforeDrop));
            foreach (var header in response.Content.Headers)
            {
                cut.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = cut;
            return response;
        }
    }

    /// <summary>Passes bytes through until it has passed <c>events</c> event ends (blank lines), then fails like a dropped connection.</summary>
    private sealed class DroppingStream(Stream inner, int events) : Stream
    {
        private int _ends;
        private byte _previous;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_ends >= events)
            {
                throw new IOException("the connection was reset (test)");
            }

            // One byte at a time: the cut falls exactly after the last whole event let through.
            var read = await inner.ReadAsync(buffer[..1], cancellationToken);
            if (read == 1)
            {
                if (buffer.Span[0] == (byte)'\n' && _previous == (byte)'\n')
                {
                    _ends++;
                }

                _previous = buffer.Span[0];
            }

            return read;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
