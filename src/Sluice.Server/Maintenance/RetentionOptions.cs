using System.ComponentModel.DataAnnotations;
using Sluice.Server.Hosting;

namespace Sluice.Server.Maintenance;

/// <summary>The <c>Sluice:Retention</c> section: how long the status store keeps its bookkeeping.</summary>
public sealed class RetentionOptions : IValidatableObject
{
    public const string Section = "Sluice:Retention";

    /// <summary>
    /// How long the ids of applied status events are kept to deduplicate redeliveries. An event can only be
    /// redelivered while it is in the log, so this must exceed the log's retention; the default adds a day.
    /// </summary>
    public TimeSpan StatusEvents { get; set; } = TopicProvisioner.Retention + TimeSpan.FromDays(1);

    /// <summary>
    /// How long a deleted document's row is kept. It is what tells a late event of the deleted document apart from
    /// an unknown document's, and such an event can come from a stage that read its input just before that input
    /// left the log, up to a retention after the deletion, and then wait up to another retention to be folded in;
    /// the default is twice the log's retention plus a day. The rows are small.
    /// </summary>
    public TimeSpan DeletedDocuments { get; set; } = TopicProvisioner.Retention * 2 + TimeSpan.FromDays(1);

    /// <summary>How often the status store is pruned.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (StatusEvents <= TopicProvisioner.Retention)
        {
            yield return new ValidationResult(
                $"Sluice:Retention:StatusEvents ({StatusEvents}) must be longer than the event log's retention ({TopicProvisioner.Retention}): "
                + "a redelivered status event would otherwise be folded in twice.", [nameof(StatusEvents)]);
        }

        if (DeletedDocuments <= TopicProvisioner.Retention)
        {
            yield return new ValidationResult(
                $"Sluice:Retention:DeletedDocuments ({DeletedDocuments}) must be longer than the event log's retention ({TopicProvisioner.Retention}): "
                + "a late event of a deleted document would otherwise bring it back as an unknown document.", [nameof(DeletedDocuments)]);
        }
    }
}
