namespace Sluice.Core.Ports;

/// <summary>
/// Tells a store adapter's failures apart from defects: each adapter registers one for the exceptions its driver
/// throws when the store is unreachable, busy or refusing (a SQLite busy database, a lost PostgreSQL connection, an
/// S3 error answer). Background upkeep that meets such a failure logs it and tries again at its next round; anything
/// else is a defect and is left to fail loudly. The host asks every registered classifier through
/// <see cref="StoreErrors"/>, so it never names a driver's exception types.
/// </summary>
public interface IStoreErrorClassifier
{
    /// <summary>Whether <paramref name="exception"/> is this adapter's store failing (not a defect in the caller).</summary>
    bool IsStoreFailure(Exception exception);
}
