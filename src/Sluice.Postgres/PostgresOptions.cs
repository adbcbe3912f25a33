using System.ComponentModel.DataAnnotations;

namespace Sluice.Postgres;

/// <summary>The PostgreSQL stores (<c>Sluice:Postgres</c>).</summary>
public sealed class PostgresOptions
{
    public const string Section = "Sluice:Postgres";

    /// <summary>
    /// An Npgsql connection string (<c>Host=db;Database=sluice;Username=sluice;Password=…</c>). Pooling and its size are
    /// set here too (<c>Maximum Pool Size</c>); the password never reaches a log.
    /// </summary>
    [Required(ErrorMessage = "Sluice:Postgres:ConnectionString is required when Sluice:Stores is 'postgres'.")]
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>The schema that holds Sluice's tables (created when missing), so one database can host other things.</summary>
    [Required]
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$", ErrorMessage = "Sluice:Postgres:Schema must be a lower-case SQL identifier.")]
    public string Schema { get; set; } = "sluice";

    /// <summary>
    /// Apply pending migrations when the process first uses the database (under an advisory lock, so processes starting
    /// together apply each one once). Off: the process refuses to use a schema older than it needs; run <c>sluice migrate</c>.
    /// </summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>The stages a document must pass to be <c>completed</c>, in pipeline order (set by the host).</summary>
    [MinLength(1)]
    public IList<string> PipelineStages { get; set; } = [];
}
