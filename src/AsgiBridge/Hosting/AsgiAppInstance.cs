using AsgiBridge.Lifespan;

namespace AsgiBridge.Hosting;

/// <summary>
/// One application instance served by a host, on any backend (AsgiBridge's HTTP/1.1 handler, <c>MapAsgi</c>,
/// <c>UseAsgi</c>): its lifespan, run once however many places serve it, and the host state as it sees it.
/// </summary>
internal sealed class AsgiAppInstance
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AsgiAppInstance(AsgiApp app, AsgiServerState state, LifespanRunner lifespan)
    {
        App = app;
        State = state;
        Lifespan = lifespan;
    }

    public AsgiApp App { get; }

    /// <summary>The host's limits and telemetry with this instance's own lifespan state.</summary>
    public AsgiServerState State { get; }

    public LifespanRunner Lifespan { get; }

    /// <summary>
    /// Completes when lifespan startup has completed (or was not run). An instance registered before the host started
    /// is ready before any request can arrive; one registered later (a <c>Startup.Configure</c> pipeline, built after
    /// the host's <c>StartingAsync</c>) starts its lifespan then, and its requests wait for it.
    /// </summary>
    public Task Ready => _ready.Task;

    public void MarkReady() => _ready.TrySetResult();

    public void MarkFailed(Exception exception) => _ready.TrySetException(exception);
}
