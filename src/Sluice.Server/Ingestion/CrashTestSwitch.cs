using System.Diagnostics;

namespace Sluice.Server.Ingestion;

/// <summary>
/// Test-only fault injection for the crash tests of the <c>sluice</c> program: with the environment variable
/// <see cref="CrashAfterRegisterVariable"/> set to <c>1</c>, the process kills itself (SIGKILL, as a crash would)
/// right after an upload is registered (and its bytes stored) and before its event is published. Inert unless that variable is set;
/// never set it in production.
/// </summary>
internal static class CrashTestSwitch
{
    public const string CrashAfterRegisterVariable = "SLUICE_TEST_CRASH_AFTER_REGISTER";

    private static readonly bool CrashAfterRegister = Environment.GetEnvironmentVariable(CrashAfterRegisterVariable) == "1";

    /// <summary>Kills the process when the switch is on; does nothing otherwise.</summary>
    public static void AfterRegister()
    {
        if (CrashAfterRegister)
        {
            using var self = Process.GetCurrentProcess();
            self.Kill();
        }
    }
}
