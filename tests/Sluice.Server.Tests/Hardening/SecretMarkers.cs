namespace Sluice.Server.Tests.Hardening;

/// <summary>
/// Secrets a deployment configures or a client sends, each a unique marker, and where each goes: the one list the
/// no-secrets-in-logs test checks every captured line against. A new kind of secret (an API key, a signed token) is
/// added here, with the setting or header that carries it.
/// </summary>
internal static class SecretMarkers
{
    public const string LlmApiKey = "sk-llm-7f3a9c1e5b2d4068";
    public const string EmbeddingApiKey = "sk-emb-2c8e6a4f0d1b3957";
    public const string KafkaSaslPassword = "kafka-pw-5e1d9b7c3a2f4860";
    public const string PostgresPassword = "pg-pw-9a4c2e6b8d0f1357";
    public const string S3SecretKey = "s3-secret-3b7f1d5a9c2e4680";
    public const string BearerToken = "bearer-tok-6d2a8f4c0e1b3579";

    /// <summary>Every marker with a name to report it by.</summary>
    public static IReadOnlyList<(string Name, string Value)> All { get; } =
    [
        ("Sluice:Llm:ApiKey", LlmApiKey),
        ("Sluice:Embedding:OpenAi:ApiKey", EmbeddingApiKey),
        ("Sluice:Kafka:Properties:sasl.password", KafkaSaslPassword),
        ("the password in Sluice:Postgres:ConnectionString", PostgresPassword),
        ("Sluice:S3:SecretKey", S3SecretKey),
        ("the Authorization: Bearer request header", BearerToken),
    ];

    /// <summary>The settings that carry the configured secrets (the stores and the event log stay embedded).</summary>
    public static Dictionary<string, string?> Settings() => new()
    {
        ["Sluice:Llm:ApiKey"] = LlmApiKey,
        ["Sluice:Embedding:OpenAi:ApiKey"] = EmbeddingApiKey,
        ["Sluice:Kafka:Properties:sasl.mechanism"] = "SCRAM-SHA-512",
        ["Sluice:Kafka:Properties:sasl.username"] = "sluice",
        ["Sluice:Kafka:Properties:sasl.password"] = KafkaSaslPassword,
        ["Sluice:Postgres:ConnectionString"] = $"Host=db.invalid;Database=sluice;Username=sluice;Password={PostgresPassword}",
        ["Sluice:S3:SecretKey"] = S3SecretKey,
    };
}
