namespace AsgiBridge.Python.Bridge;

/// <summary>What a Kestrel thread asks the loop thread to do (<see cref="PythonLoop.Post"/>).</summary>
internal enum WorkKind : byte
{
    /// <summary>Build the scope as a Python dict and start the app's task.</summary>
    Start,

    /// <summary>A receive the app awaits has completed: resolve its future.</summary>
    ReceiveCompleted,

    /// <summary>A send the app awaits has completed: resolve its future.</summary>
    SendCompleted,

    /// <summary>A socket driven by the loop has work for it (<see cref="ILoopWork.RunOnLoop"/>).</summary>
    Socket,

    /// <summary>Stop the loop (the app is being disposed).</summary>
    Stop,
}
