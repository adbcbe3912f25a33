using System.ComponentModel.DataAnnotations;

namespace Sluice.Embedded;

/// <summary>Where the embedded status, chunk and summary stores keep their SQLite files.</summary>
public sealed class SqliteStoreOptions
{
    [Required]
    public string StatusPath { get; set; } = "status.db";

    [Required]
    public string ChunksPath { get; set; } = "chunks.db";

    [Required]
    public string SummariesPath { get; set; } = "summaries.db";

    /// <summary>The dead-letter projection (<see cref="SqliteDeadLetterStore"/>).</summary>
    [Required]
    public string DeadLettersPath { get; set; } = "dead-letters.db";

    /// <summary>The stage runtime's attempt journal (<see cref="SqliteAttemptJournal"/>), shared by the processes of one machine.</summary>
    [Required]
    public string AttemptsPath { get; set; } = "attempts.db";

    /// <summary>
    /// The stages a document must pass to be <c>completed</c>, in pipeline order; they are also the stages
    /// listed (as <c>pending</c> until they report) in a document's status.
    /// </summary>
    [MinLength(1)]
    public IList<string> PipelineStages { get; set; } = [];

    /// <summary>
    /// After deletions, rewrite the store files (<c>VACUUM</c>) as well as truncating their write-ahead logs. Deleted
    /// rows are overwritten in place (<c>secure_delete</c>), but SQLite leaves stale copies of moved rows in the unused
    /// space of pages it rebuilt earlier; only a rewrite removes those. Off trades that for cheaper deletes on very
    /// large stores.
    /// </summary>
    public bool VacuumAfterDeletes { get; set; } = true;
}
