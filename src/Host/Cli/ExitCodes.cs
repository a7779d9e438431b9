namespace AsgiBridge.Host.Cli;

/// <summary>The host's exit codes, listed in the usage text and in the README.</summary>
internal static class ExitCodes
{
    /// <summary>Stopped normally (a signal, or <c>Asgi:LimitMaxRequests</c> reached); also <c>--help</c> and <c>--version</c>.</summary>
    public const int Success = 0;

    /// <summary>The command line cannot be used: an unknown flag, a flag without its value, conflicting flags, an unknown app.</summary>
    public const int UsageError = 2;

    /// <summary>Start-up failed: a bad setting or address, an address that cannot be bound, lifespan startup failed.</summary>
    public const int StartupFailed = 3;

    /// <summary>A second SIGINT or SIGTERM during the graceful shutdown (128 + SIGINT, as a shell reports Ctrl+C).</summary>
    public const int ForcedExit = 130;
}
