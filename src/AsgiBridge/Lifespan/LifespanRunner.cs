using System.Threading.Channels;
using AsgiBridge.Diagnostics;
using AsgiBridge.Hosting;
using AsgiBridge.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Lifespan;

/// <summary>
/// Runs one application instance's lifespan scope (ASGI lifespan protocol). <see cref="AsgiLifespanService"/> calls
/// startup in the host's <c>StartingAsync</c>, before any hosted service starts, so no endpoint accepts traffic until
/// the app is ready, and shutdown in <c>StoppedAsync</c>, after the server has drained its connections. A failed or
/// timed-out startup throws, which stops the host.
/// </summary>
internal sealed class LifespanRunner
{
    private readonly AsgiApp _app;
    private readonly AsgiServerOptions _options;
    private readonly AsgiServerState _state;
    private readonly ILogger _logger;
    private readonly Channel<IDictionary<string, object?>> _incoming = Channel.CreateUnbounded<IDictionary<string, object?>>();
    private readonly TaskCompletionSource<string?> _startup = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string?> _shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _appTask;
    private bool _supported;
    private volatile bool _shutdownSent;

    public LifespanRunner(AsgiApp app, AsgiServerOptions options, AsgiServerState state, ILogger logger)
    {
        _app = app;
        _options = options;
        _state = state;
        _logger = logger;
    }

    public async Task StartupAsync(CancellationToken cancellationToken)
    {
        if (_options.Lifespan == AsgiLifespanMode.Off)
        {
            return;
        }

        var scope = new AsgiScope("lifespan") { State = _state.LifespanState };
        Enter(LifespanPhase.Starting);
        _incoming.Writer.TryWrite(LifespanEvent.Startup());
        _appTask = Task.Run(async () => await _app(scope, ReceiveAsync, SendAsync).ConfigureAwait(false), CancellationToken.None);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.TimeoutLifespan);
        var finished = await Task.WhenAny(_startup.Task, _appTask, Task.Delay(Timeout.Infinite, timeout.Token)).ConfigureAwait(false);
        await timeout.CancelAsync().ConfigureAwait(false); // ends the delay task

        // An app may answer and return at once: the answer counts, whichever task was seen first.
        if (finished == _startup.Task || _startup.Task.IsCompleted)
        {
            var failure = await _startup.Task.ConfigureAwait(false);
            if (failure is not null)
            {
                Enter(LifespanPhase.Failed);
                Log.LifespanStartupFailed(_logger, failure);
                throw new InvalidOperationException($"ASGI lifespan startup failed: {failure}");
            }

            _supported = true;
            _state.FreezeLifespanState();
            Enter(LifespanPhase.Started);
            Log.LifespanStartupComplete(_logger);
            return;
        }

        if (finished == _appTask)
        {
            // The app ended (or raised) without answering lifespan.startup: it does not support lifespan.
            var exception = _appTask.Exception?.GetBaseException();
            if (_options.Lifespan == AsgiLifespanMode.On)
            {
                Enter(LifespanPhase.Failed);
                Log.LifespanUnsupportedError(_logger, exception);
                throw new InvalidOperationException("ASGI lifespan startup failed: the application did not answer lifespan.startup (Asgi:Lifespan is 'on').", exception);
            }

            Enter(LifespanPhase.None);
            Log.LifespanUnsupported(_logger, exception?.Message ?? "returned without answering lifespan.startup");
            return;
        }

        Enter(LifespanPhase.Failed);
        cancellationToken.ThrowIfCancellationRequested();
        Log.LifespanStartupTimeout(_logger, _options.TimeoutLifespan);
        throw new TimeoutException($"ASGI lifespan startup did not complete within {_options.TimeoutLifespan} (Asgi:TimeoutLifespan).");
    }

    public async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        if (!_supported || _appTask is null)
        {
            return;
        }

        _shutdownSent = true;
        Enter(LifespanPhase.Stopping);
        _incoming.Writer.TryWrite(LifespanEvent.Shutdown());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.TimeoutLifespan);
        var finished = await Task.WhenAny(_shutdown.Task, _appTask, Task.Delay(Timeout.Infinite, timeout.Token)).ConfigureAwait(false);
        await timeout.CancelAsync().ConfigureAwait(false); // ends the delay task
        if (finished == _shutdown.Task || _shutdown.Task.IsCompleted)
        {
            var failure = await _shutdown.Task.ConfigureAwait(false);
            if (failure is null)
            {
                Enter(LifespanPhase.Stopped);
                Log.LifespanShutdownComplete(_logger);
            }
            else
            {
                Enter(LifespanPhase.Failed);
                Log.LifespanShutdownFailed(_logger, failure);
            }
        }
        else if (finished == _appTask)
        {
            Enter(LifespanPhase.Failed);
            Log.LifespanShutdownFailed(_logger, _appTask.Exception?.GetBaseException().Message ?? "the application returned without answering lifespan.shutdown");
        }
        else
        {
            Enter(LifespanPhase.Failed);
            Log.LifespanShutdownFailed(_logger, $"no answer within {_options.TimeoutLifespan}");
        }
    }

    /// <summary>What the <c>asgibridge.lifespan.state</c> gauge reports.</summary>
    private void Enter(LifespanPhase phase) => _state.Telemetry.LifespanPhase = phase;

    private ValueTask<IDictionary<string, object?>> ReceiveAsync() => _incoming.Reader.ReadAsync();

    private ValueTask SendAsync(IDictionary<string, object?> message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var type = message.TryGetValue("type", out var value) ? value as string : null;
        var text = message.TryGetValue("message", out var m) ? AsgiValues.ToNullableString(m, type ?? "lifespan", "message") : null;
        switch (type)
        {
            case "lifespan.startup.complete" or "lifespan.startup.failed":
                if (!_startup.TrySetResult(type.EndsWith(".failed", StringComparison.Ordinal) ? text ?? "" : null))
                {
                    ThrowHelper.ThrowProtocol($"'{type}' event sent twice or out of order.");
                }

                break;
            case "lifespan.shutdown.complete" or "lifespan.shutdown.failed":
                if (!_shutdownSent || !_shutdown.TrySetResult(type.EndsWith(".failed", StringComparison.Ordinal) ? text ?? "" : null))
                {
                    ThrowHelper.ThrowProtocol($"'{type}' event sent before lifespan.shutdown was received.");
                }

                break;
            default:
                ThrowHelper.ThrowProtocol($"Unknown event type '{type}' for a 'lifespan' scope.");
                break;
        }

        return default;
    }
}
