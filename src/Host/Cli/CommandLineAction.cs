namespace AsgiBridge.Host.Cli;

/// <summary>What the command line asks the host to do.</summary>
internal enum CommandLineAction : byte
{
    /// <summary>Serve, with the translated settings.</summary>
    Run,

    /// <summary>Print the usage text and exit 0 (<c>--help</c>, <c>-h</c>).</summary>
    Help,

    /// <summary>Print the version and exit 0 (<c>--version</c>).</summary>
    Version,

    /// <summary>Print the error and the usage text and exit 2.</summary>
    Error,
}
