using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Sluice.Kafka.Internal;

namespace Sluice.Kafka;

/// <summary>
/// librdkafka's built-in mock cluster: real Kafka wire protocol on local ports, brokers that can be taken down
/// and brought back, and request errors that can be injected. <b>In memory and for development and tests only</b>:
/// nothing survives the process, each partition keeps only about 5 MiB (older batches are dropped silently),
/// transactions are not faithful, and topics must be created through <see cref="CreateTopic"/> (the mock does
/// not implement the CreateTopics request).
/// </summary>
public sealed partial class KafkaMockCluster : IDisposable
{
    private readonly IntPtr _owner;
    private readonly IntPtr _cluster;
    private bool _disposed;

    private KafkaMockCluster(IntPtr owner, IntPtr cluster, int brokers)
    {
        _owner = owner;
        _cluster = cluster;
        Brokers = brokers;
        BootstrapServers = Marshal.PtrToStringUTF8(Native.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("The mock cluster reported no bootstrap servers.");
    }

    /// <summary>Comma-separated <c>host:port</c> list of the brokers, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Number of brokers; their ids are 1 to <see cref="Brokers"/>.</summary>
    public int Brokers { get; }

    /// <summary>Starts a mock cluster of <paramref name="brokers"/> brokers on local ports.</summary>
    /// <param name="brokers">Broker count (1 to 16).</param>
    /// <param name="initialRebalanceDelay">
    /// How long the group coordinator waits for more members before the first rebalance of a group
    /// (librdkafka's mock defaults to 3 s, which makes every test's first join slow).
    /// </param>
    public static KafkaMockCluster Start(int brokers = 3, TimeSpan? initialRebalanceDelay = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(brokers, 16);
        NativeLibrdkafka.EnsureLoaded();

        // The cluster belongs to a client handle: a bare producer handle that is never used otherwise.
        var errors = new byte[512];
        var conf = Native.rd_kafka_conf_new();
        _ = Native.rd_kafka_conf_set(conf, "log_level", "3", errors, (nuint)errors.Length); // its missing bootstrap.servers is no news
        var owner = Native.rd_kafka_new(0, conf, errors, (nuint)errors.Length);
        if (owner == IntPtr.Zero)
        {
            throw new InvalidOperationException("librdkafka could not create a client handle: " + Encoding.UTF8.GetString(errors).TrimEnd('\0'));
        }

        var cluster = Native.rd_kafka_mock_cluster_new(owner, brokers);
        if (cluster == IntPtr.Zero)
        {
            Native.rd_kafka_destroy(owner);
            throw new InvalidOperationException("librdkafka did not create a mock cluster.");
        }

        var mock = new KafkaMockCluster(owner, cluster, brokers);
        mock.SetInitialRebalanceDelay(initialRebalanceDelay ?? TimeSpan.FromMilliseconds(100));
        return mock;
    }

    /// <summary>Creates a topic (or fails if it exists with another partition count).</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        Check(Native.rd_kafka_mock_topic_create(_cluster, topic, partitions, replicationFactor), $"create topic {topic}");
    }

    /// <summary>Takes a broker down: its connections are closed and it accepts none until <see cref="SetBrokerUp"/>.</summary>
    public void SetBrokerDown(int brokerId) => Check(Native.rd_kafka_mock_broker_set_down(_cluster, brokerId), $"take broker {brokerId} down");

    public void SetBrokerUp(int brokerId) => Check(Native.rd_kafka_mock_broker_set_up(_cluster, brokerId), $"bring broker {brokerId} up");

    /// <summary>
    /// Makes the next requests of one kind fail, in order, with the given errors (one request per error),
    /// whichever broker receives them.
    /// </summary>
    public void PushRequestErrors(KafkaApiKey request, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var codes = Array.ConvertAll(errors, e => (int)e);
        Native.rd_kafka_mock_push_request_errors_array(_cluster, (short)request, (nuint)codes.Length, codes);
    }

    /// <summary>
    /// Makes a client fail fatally, as an idempotent producer does when the cluster breaks its guarantees
    /// (librdkafka's <c>rd_kafka_test_fatal_error</c>). Only for tests of how callers recover.
    /// </summary>
    internal static void InjectFatalError(Handle client, ErrorCode error, string reason)
    {
        ArgumentNullException.ThrowIfNull(client);
        var property = typeof(Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("This Confluent.Kafka version hides its librdkafka handle elsewhere.");
        var handle = (SafeHandle)property.GetValue(client)!;
        Check(Native.rd_kafka_test_fatal_error(handle.DangerousGetHandle(), (int)error, reason), "inject a fatal error");
    }

    /// <summary>
    /// Session timeout and heartbeat interval of consumer groups on the KIP-848 protocol
    /// (<c>group.protocol=consumer</c>), which the broker owns in that protocol (clients cannot set them).
    /// </summary>
    public void SetConsumerGroupTimeouts(TimeSpan sessionTimeout, TimeSpan heartbeatInterval)
    {
        Native.rd_kafka_mock_set_group_consumer_session_timeout_ms(_cluster, (int)sessionTimeout.TotalMilliseconds);
        Native.rd_kafka_mock_set_group_consumer_heartbeat_interval_ms(_cluster, (int)heartbeatInterval.TotalMilliseconds);
    }

    /// <summary>See <see cref="Start"/>.</summary>
    public void SetInitialRebalanceDelay(TimeSpan delay) =>
        Check(Native.rd_kafka_mock_group_initial_rebalance_delay_ms(_cluster, (int)delay.TotalMilliseconds), "set the initial rebalance delay");

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Native.rd_kafka_mock_cluster_destroy(_cluster);
        Native.rd_kafka_destroy(_owner);
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"Mock cluster: could not {what}: {Marshal.PtrToStringUTF8(Native.rd_kafka_err2str(error))}");
        }
    }

    private static partial class Native
    {
        [LibraryImport(NativeLibrdkafka.Name)]
        public static partial IntPtr rd_kafka_conf_new();

        [LibraryImport(NativeLibrdkafka.Name, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte[] errstr, nuint errstrSize);

        [LibraryImport(NativeLibrdkafka.Name)]
        public static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, nuint errstrSize);

        [LibraryImport(NativeLibrdkafka.Name)]
        public static partial void rd_kafka_destroy(IntPtr rk);

        [LibraryImport(NativeLibrdkafka.Name)]
        public static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokers);

        [LibraryImport(NativeLibrdkafka.Name)]
        public static partial void rd_kafka_mock_cluster_destroy(IntPtr mcluster);

        [LibraryImport(NativeLibrdkafka.Name)]
        public static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

        [LibraryImport(NativeLibrdkafka.Name, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int rd_kafka_mock_topic_create(
            IntPtr mcluster, string topic, int partitionCount, int replicationFactor);

        [LibraryImport(NativeLibrdkafka.Name)]
        public static partial int rd_kafka_mock_broker_set_down(IntPtr mcluster, int brokerId);

        [LibraryImport(NativeLibrdkafka.Name)]
        public static partial int rd_kafka_mock_broker_set_up(IntPtr mcluster, int brokerId);

        [LibraryImport(NativeLibrdkafka.Name)]
        public static partial void rd_kafka_mock_push_request_errors_array(IntPtr mcluster, short apiKey, nuint count, int[] errors);

        [LibraryImport(NativeLibrdkafka.Name)]
        public static partial int rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr mcluster, int delayMs);

        [LibraryImport(NativeLibrdkafka.Name)]
        public static partial IntPtr rd_kafka_err2str(int error);

        [LibraryImport(NativeLibrdkafka.Name)]
        public static partial void rd_kafka_mock_set_group_consumer_session_timeout_ms(IntPtr mcluster, int sessionTimeoutMs);

        [LibraryImport(NativeLibrdkafka.Name)]
        public static partial void rd_kafka_mock_set_group_consumer_heartbeat_interval_ms(IntPtr mcluster, int heartbeatIntervalMs);

        [LibraryImport(NativeLibrdkafka.Name, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int rd_kafka_test_fatal_error(IntPtr rk, int error, string reason);
    }
}

/// <summary>Kafka request kinds (API keys) that fault injection can target.</summary>
public enum KafkaApiKey : short
{
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    OffsetCommit = 8,
    OffsetFetch = 9,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    LeaveGroup = 13,
    SyncGroup = 14,
    InitProducerId = 22,
}
