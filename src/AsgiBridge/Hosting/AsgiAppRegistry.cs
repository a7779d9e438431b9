using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using AsgiBridge.Lifespan;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Hosting;

/// <summary>
/// The application instances a host serves, keyed by the delegate's identity: an instance mapped twice, or served
/// by AsgiBridge's handler and by <c>MapAsgi</c> at once, runs its lifespan once (ASGI lifespan spec: one lifespan
/// per application instance). <see cref="AsgiLifespanService"/> starts them before the server starts and stops them
/// after it has drained, the last registered first.
/// </summary>
internal sealed class AsgiAppRegistry
{
    private static readonly ConditionalWeakTable<object, AsgiAppRegistry> s_standalone = [];
    private readonly Lock _lock = new();
    private readonly Dictionary<AsgiApp, AsgiAppInstance> _byApp = new(ReferenceEqualityComparer.Instance);
    private readonly List<AsgiAppInstance> _instances = [];
    private readonly AsgiServerOptions _options;
    private readonly AsgiServerState _state;
    private readonly ILogger _logger;
    private bool _started;

    public AsgiAppRegistry(IOptions<AsgiServerOptions> options, AsgiServerState state, ILoggerFactory loggerFactory, AsgiApplication? main = null)
    {
        _options = options.Value;
        _state = state;
        _logger = loggerFactory.CreateLogger("AsgiBridge.Lifespan");
        if (main is not null)
        {
            GetOrAdd(main.App);
        }
    }

    /// <summary>The host's options, as every backend applies them.</summary>
    public AsgiServerOptions Options => _options;

    /// <summary>The host's state (limits, telemetry), shared by every instance.</summary>
    public AsgiServerState HostState => _state;

    /// <summary>
    /// The registry of a host: the one <c>AddAsgi</c> registered, else one made for this service provider on first use.
    /// The latter (an app served with <c>listenOptions.UseAsgi(app)</c>, <c>MapAsgi</c> or <c>UseAsgi</c> on a host that
    /// never called <c>AddAsgi</c>) still binds and validates the <c>Asgi</c> section and runs each instance's lifespan,
    /// but only from the moment the instance is registered (its requests wait for startup, a failed startup answers
    /// them 500 rather than stopping the host), with shutdown when the host has stopped.
    /// </summary>
    public static AsgiAppRegistry For(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        // Keyed by the container's root scope factory: the host's IServiceProvider and the one Kestrel's options hold
        // are different objects over the same container.
        var key = (object?)services.GetService<IServiceScopeFactory>() ?? services;
        return services.GetService<AsgiAppRegistry>() ?? s_standalone.GetValue(key, _ => CreateStandalone(services));
    }

    private static AsgiAppRegistry CreateStandalone(IServiceProvider services)
    {
        var options = new AsgiServerOptions();
        if (services.GetService<IConfiguration>() is { } configuration)
        {
            AsgiOptionsBinder.Bind(configuration.GetSection(AsgiServerOptions.SectionName), options);
        }

        var validation = new AsgiServerOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Microsoft.Extensions.Options.Options.DefaultName, typeof(AsgiServerOptions), validation.Failures);
        }

        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        var lifetime = services.GetService<IHostApplicationLifetime>();
        var loggerFactory = services.GetService<ILoggerFactory>() ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
        var registry = new AsgiAppRegistry(wrapped, new AsgiServerState(wrapped, lifetime, loggerFactory, services.GetService<IMeterFactory>()), loggerFactory)
        {
            _started = true,
        };
        // No hosted service can be added once the container is built: shut the lifespans down when the host has
        // stopped (the server has drained by then), bounded by Asgi:TimeoutLifespan inside each runner.
        lifetime?.ApplicationStopped.Register(static state => ((AsgiAppRegistry)state!).StopAllAsync(CancellationToken.None).GetAwaiter().GetResult(), registry);
        return registry;
    }

    /// <summary>The instance of <paramref name="app"/>, registered on first use.</summary>
    public AsgiAppInstance GetOrAdd(AsgiApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        AsgiAppInstance instance;
        bool late;
        lock (_lock)
        {
            if (_byApp.TryGetValue(app, out var existing))
            {
                return existing;
            }

            // The first instance keeps the host state's own lifespan dictionary (what a single-app host has always had).
            var lifespan = _instances.Count == 0 ? _state.Lifespan : new LifespanState();
            var state = _state.ForApp(lifespan);
            instance = new AsgiAppInstance(app, state, new LifespanRunner(app, _options, state, _logger));
            _byApp.Add(app, instance);
            _instances.Add(instance);
            late = _started;
        }

        if (late)
        {
            _ = StartLateAsync(instance);
        }

        return instance;
    }

    /// <summary>Runs every registered instance's lifespan startup, in registration order; a failure stops the host.</summary>
    public async Task StartAllAsync(CancellationToken cancellationToken)
    {
        AsgiAppInstance[] instances;
        lock (_lock)
        {
            _started = true;
            instances = [.. _instances];
        }

        foreach (var instance in instances)
        {
            try
            {
                await instance.Lifespan.StartupAsync(cancellationToken).ConfigureAwait(false);
                instance.MarkReady();
            }
            catch (Exception ex)
            {
                instance.MarkFailed(ex);
                throw;
            }
        }
    }

    /// <summary>Runs every started instance's lifespan shutdown, the last registered first.</summary>
    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        AsgiAppInstance[] instances;
        lock (_lock)
        {
            instances = [.. _instances];
        }

        for (var i = instances.Length - 1; i >= 0; i--)
        {
            if (instances[i].Ready.IsCompletedSuccessfully)
            {
                await instances[i].Lifespan.ShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>An instance registered after the host started: its startup runs now and its requests wait for it.</summary>
    private static async Task StartLateAsync(AsgiAppInstance instance)
    {
        try
        {
            await instance.Lifespan.StartupAsync(CancellationToken.None).ConfigureAwait(false);
            instance.MarkReady();
        }
        catch (Exception ex)
        {
            // Logged by the runner; the instance's requests are answered 500.
            instance.MarkFailed(ex);
        }
    }
}
