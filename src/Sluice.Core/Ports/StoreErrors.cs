namespace Sluice.Core.Ports;

/// <summary>
/// Every registered <see cref="IStoreErrorClassifier"/> as one question: is this exception a store failing? I/O
/// errors always are (every adapter may meet a full or failing disk); the rest is up to the adapters registered.
/// </summary>
public sealed class StoreErrors(IEnumerable<IStoreErrorClassifier> classifiers)
{
    private readonly IStoreErrorClassifier[] _classifiers = [.. classifiers];

    /// <summary>Whether <paramref name="exception"/> is an I/O error or a failure some registered store adapter recognises.</summary>
    public bool IsStoreFailure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception is IOException || _classifiers.Any(c => c.IsStoreFailure(exception));
    }
}
