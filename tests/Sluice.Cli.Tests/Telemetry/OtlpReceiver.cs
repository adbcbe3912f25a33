using System.Net;
using System.Text;

namespace Sluice.Cli.Tests.Telemetry;

/// <summary>One span as an OTLP exporter sent it, with the resource of the process that sent it.</summary>
public sealed record ReceivedSpan(
    string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, ulong StartUnixNano,
    IReadOnlyDictionary<string, object> Attributes, IReadOnlyDictionary<string, object> Resource, IReadOnlyList<string> LinkedSpanIds)
{
    public const int Internal = 1;
    public const int Server = 2;
    public const int Client = 3;
    public const int Producer = 4;
    public const int Consumer = 5;

    public string? Attribute(string key) => Attributes.TryGetValue(key, out var value) ? value.ToString() : null;

    public string? Instance => Resource.TryGetValue("test.process", out var value) ? value.ToString() : null;

    public override string ToString() => $"{Instance}: {Name} ({SpanId} <- {ParentSpanId})";
}

/// <summary>One number data point of a sum or gauge, with its metric's name and the sending process's resource.</summary>
public sealed record ReceivedPoint(string Metric, IReadOnlyDictionary<string, object> Attributes, IReadOnlyDictionary<string, object> Resource, double Value)
{
    public string? Instance => Resource.TryGetValue("test.process", out var value) ? value.ToString() : null;
}

/// <summary>
/// A loopback OTLP/HTTP receiver (protobuf, <c>POST /v1/traces</c> and <c>/v1/metrics</c>) that keeps what it is sent
/// and lets a test wait for it. It decodes only the fields the tests read, straight from the wire format.
/// </summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<ReceivedSpan> _spans = [];
    private readonly List<ReceivedPoint> _points = [];
    private readonly Task _serving;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public OtlpReceiver()
    {
        var port = SluiceProcess.FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public Uri Endpoint { get; }

    /// <summary>The environment that points a process's OTLP exporters here, exporting every 100 ms.</summary>
    public Dictionary<string, string> Environment(string instance) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        ["OTEL_RESOURCE_ATTRIBUTES"] = "test.process=" + instance, // service.instance.id is the SDK's own
    };

    public IReadOnlyList<ReceivedSpan> Spans
    {
        get
        {
            lock (_spans)
            {
                return [.. _spans];
            }
        }
    }

    public IReadOnlyList<ReceivedPoint> Points
    {
        get
        {
            lock (_spans)
            {
                return [.. _points];
            }
        }
    }

    /// <summary>Waits, export by export, until <paramref name="condition"/> holds; throws with <paramref name="describe"/> at the timeout.</summary>
    public async Task WaitUntilAsync(Func<OtlpReceiver, bool> condition, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            Task next;
            lock (_spans)
            {
                next = _arrived.Task;
            }

            if (condition(this))
            {
                return;
            }

            try
            {
                await next.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"the receiver did not get what was expected within {timeout}: {describe()}");
            }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _ = _serving.ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var path = context.Request.Url?.AbsolutePath;
            var bytes = body.ToArray();
            lock (_spans)
            {
                if (path == "/v1/traces")
                {
                    _spans.AddRange(DecodeTraces(bytes));
                }
                else if (path == "/v1/metrics")
                {
                    _points.AddRange(DecodeMetrics(bytes));
                }

                _arrived.TrySetResult();
                _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            context.Response.StatusCode = path is "/v1/traces" or "/v1/metrics" ? 200 : 404;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    // ExportTraceServiceRequest: 1 resource_spans { 1 resource { 1 attributes }, 2 scope_spans { 2 spans } }.
    private static IEnumerable<ReceivedSpan> DecodeTraces(byte[] request)
    {
        foreach (var resourceSpans in new Wire(request).Messages(1))
        {
            var resource = Resource(resourceSpans);
            foreach (var scopeSpans in new Wire(resourceSpans).Messages(2))
            {
                foreach (var span in new Wire(scopeSpans).Messages(2))
                {
                    yield return DecodeSpan(span, resource);
                }
            }
        }
    }

    // Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 7 start (fixed64), 9 attributes, 13 links { 2 span_id }.
    private static ReceivedSpan DecodeSpan(byte[] span, IReadOnlyDictionary<string, object> resource)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = 0;
        ulong start = 0;
        var attributes = new Dictionary<string, object>(StringComparer.Ordinal);
        var links = new List<string>();
        var wire = new Wire(span);
        while (wire.Next(out var field, out var type))
        {
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(wire.Bytes()); break;
                case 2: spanId = Convert.ToHexStringLower(wire.Bytes()); break;
                case 4: parent = Convert.ToHexStringLower(wire.Bytes()); break;
                case 5: name = Encoding.UTF8.GetString(wire.Bytes()); break;
                case 6: kind = (int)wire.Varint(); break;
                case 7: start = wire.Fixed64(); break;
                case 9: Add(attributes, wire.Bytes()); break;
                case 13:
                    var link = new Wire(wire.Bytes());
                    while (link.Next(out var linkField, out var linkType))
                    {
                        if (linkField == 2)
                        {
                            links.Add(Convert.ToHexStringLower(link.Bytes()));
                        }
                        else
                        {
                            link.Skip(linkType);
                        }
                    }

                    break;
                default: wire.Skip(type); break;
            }
        }

        return new ReceivedSpan(traceId, spanId, parent, name, kind, start, attributes, resource, links);
    }

    // ExportMetricsServiceRequest: 1 resource_metrics { 1 resource, 2 scope_metrics { 2 metrics { 1 name, 5 gauge, 7 sum { 1 data_points } } } }.
    private static IEnumerable<ReceivedPoint> DecodeMetrics(byte[] request)
    {
        foreach (var resourceMetrics in new Wire(request).Messages(1))
        {
            var resource = Resource(resourceMetrics);
            foreach (var scopeMetrics in new Wire(resourceMetrics).Messages(2))
            {
                foreach (var metric in new Wire(scopeMetrics).Messages(2))
                {
                    var name = "";
                    var points = new List<byte[]>();
                    var wire = new Wire(metric);
                    while (wire.Next(out var field, out var type))
                    {
                        if (field == 1)
                        {
                            name = Encoding.UTF8.GetString(wire.Bytes());
                        }
                        else if (field is 5 or 7)
                        {
                            points.AddRange(new Wire(wire.Bytes()).Messages(1));
                        }
                        else
                        {
                            wire.Skip(type);
                        }
                    }

                    foreach (var point in points)
                    {
                        yield return DecodePoint(name, point, resource);
                    }
                }
            }
        }
    }

    // NumberDataPoint: 4 as_double (fixed64), 6 as_int (sfixed64), 7 attributes.
    private static ReceivedPoint DecodePoint(string metric, byte[] point, IReadOnlyDictionary<string, object> resource)
    {
        var attributes = new Dictionary<string, object>(StringComparer.Ordinal);
        double value = 0;
        var wire = new Wire(point);
        while (wire.Next(out var field, out var type))
        {
            switch (field)
            {
                case 4: value = BitConverter.UInt64BitsToDouble(wire.Fixed64()); break;
                case 6: value = (long)wire.Fixed64(); break;
                case 7: Add(attributes, wire.Bytes()); break;
                default: wire.Skip(type); break;
            }
        }

        return new ReceivedPoint(metric, attributes, resource, value);
    }

    private static Dictionary<string, object> Resource(byte[] resourceScoped)
    {
        var attributes = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var resource in new Wire(resourceScoped).Messages(1))
        {
            foreach (var keyValue in new Wire(resource).Messages(1))
            {
                Add(attributes, keyValue);
            }
        }

        return attributes;
    }

    // KeyValue: 1 key, 2 value { 1 string, 2 bool, 3 int, 4 double }.
    private static void Add(Dictionary<string, object> attributes, byte[] keyValue)
    {
        string? key = null;
        object? value = null;
        var wire = new Wire(keyValue);
        while (wire.Next(out var field, out var type))
        {
            if (field == 1)
            {
                key = Encoding.UTF8.GetString(wire.Bytes());
            }
            else if (field == 2)
            {
                var any = new Wire(wire.Bytes());
                while (any.Next(out var anyField, out var anyType))
                {
                    value = anyField switch
                    {
                        1 => Encoding.UTF8.GetString(any.Bytes()),
                        2 => any.Varint() != 0,
                        3 => (long)any.Varint(),
                        4 => BitConverter.UInt64BitsToDouble(any.Fixed64()),
                        _ => Skipped(any, anyType),
                    };
                }
            }
            else
            {
                wire.Skip(type);
            }
        }

        if (key is not null && value is not null)
        {
            attributes[key] = value;
        }
    }

    private static object? Skipped(Wire wire, int type)
    {
        wire.Skip(type);
        return null;
    }

    /// <summary>The protobuf wire format, as far as OTLP needs it: varints, fixed64, fixed32 and length-delimited fields.</summary>
    private sealed class Wire(byte[] buffer)
    {
        private int _position;

        public bool Next(out int field, out int type)
        {
            if (_position >= buffer.Length)
            {
                field = type = 0;
                return false;
            }

            var tag = Varint();
            field = (int)(tag >> 3);
            type = (int)(tag & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = buffer[_position++];
                result |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }
        }

        public ulong Fixed64()
        {
            var value = BitConverter.ToUInt64(buffer, _position);
            _position += 8;
            return value;
        }

        public byte[] Bytes()
        {
            var length = (int)Varint();
            var bytes = buffer.AsSpan(_position, length).ToArray();
            _position += length;
            return bytes;
        }

        public void Skip(int type)
        {
            switch (type)
            {
                case 0: Varint(); break;
                case 1: _position += 8; break;
                case 2:
                    var length = (int)Varint(); // read before the position it moves is added to
                    _position += length;
                    break;
                case 5: _position += 4; break;
                default: throw new InvalidDataException($"unexpected protobuf wire type {type}");
            }
        }

        /// <summary>Every length-delimited value of <paramref name="field"/>, skipping the other fields.</summary>
        public IEnumerable<byte[]> Messages(int field)
        {
            while (Next(out var f, out var type))
            {
                if (f == field && type == 2)
                {
                    yield return Bytes();
                }
                else
                {
                    Skip(type);
                }
            }
        }
    }
}
