namespace AsgiBridge.Host.Cli;

/// <summary>How a uvicorn flag turns into a configuration value.</summary>
internal enum FlagKind : byte
{
    /// <summary><c>--flag VALUE</c>: the value as given.</summary>
    Value,

    /// <summary><c>--flag VALUE</c>: one of the flag's choices, written as the choice's configuration value.</summary>
    Choice,

    /// <summary><c>--flag</c>: <c>true</c>.</summary>
    On,

    /// <summary><c>--no-flag</c>: <c>false</c>.</summary>
    Off,

    /// <summary><c>--flag VALUE</c>, repeatable: each value is the next item of the key's list (<c>Key:0</c>, <c>Key:1</c>, ...).</summary>
    Repeated,

    /// <summary><c>--host</c>, <c>--port</c>, <c>--uds</c>: parts of the listen address (<c>urls</c>).</summary>
    Address,
}
