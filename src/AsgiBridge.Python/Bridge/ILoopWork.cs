namespace AsgiBridge.Python.Bridge;

/// <summary>Work another part of the bridge posts to the loop thread (<see cref="WorkKind.Socket"/>).</summary>
internal interface ILoopWork
{
    /// <summary>Runs on the loop thread, with the GIL held.</summary>
    void RunOnLoop();

    /// <summary>The loop ended before it ran this work: finish it without Python (any thread, no GIL).</summary>
    void Abandon();
}
