namespace AsgiBridge.Host.Reload;

/// <summary>
/// Watches directories for changes to Python sources (<c>*.py</c>), as uvicorn's <c>--reload</c> does: a created,
/// changed, renamed or deleted <c>.py</c> file counts; byte-code caches, hidden directories and editors' swap files do
/// not (<see cref="SourceFilter"/>: <c>--reload-include</c> and <c>--reload-exclude</c> change which files count). A
/// burst of changes (an editor saving several files, a <c>git checkout</c>) is one reload: the change is reported once
/// the tree has been quiet for the quiet period (<c>--reload-delay</c>; <see cref="Quiet"/> by default).
/// </summary>
internal sealed class SourceWatcher : IDisposable
{
    /// <summary>How long the tree must be quiet before a change is reported, unless <c>--reload-delay</c> says otherwise.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    private readonly TimeSpan _quiet;
    private readonly SourceFilter _filter;

    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly object _gate = new();
    private TaskCompletionSource<string>? _waiter;
    private string? _pending;
    private long _lastChange;

    public SourceWatcher(IReadOnlyList<string> directories, SourceFilter? filter = null, TimeSpan? quiet = null)
    {
        _filter = filter ?? SourceFilter.Default;
        _quiet = quiet ?? Quiet;
        foreach (var directory in directories)
        {
            var watcher = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Changed += (_, e) => OnChange(directory, e.FullPath);
            watcher.Created += (_, e) => OnChange(directory, e.FullPath);
            watcher.Deleted += (_, e) => OnChange(directory, e.FullPath);
            watcher.Renamed += (_, e) =>
            {
                OnChange(directory, e.OldFullPath);
                OnChange(directory, e.FullPath);
            };
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    /// <summary>Whether a change to <paramref name="path"/> is a change to the app's sources, with uvicorn's default patterns.</summary>
    public static bool IsSource(string path) => SourceFilter.Default.Matches(Path.GetPathRoot(path) ?? "/", path);

    /// <summary>The first changed source file of the next quiet-ended burst of changes.</summary>
    public async Task<string> NextChangeAsync(CancellationToken cancellationToken)
    {
        Task<string> waiting;
        lock (_gate)
        {
            _waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_pending is { } earlier)
            {
                // A change that came while the previous one was being handled (the app restarting) is not lost.
                _waiter.TrySetResult(earlier);
            }

            waiting = _waiter.Task;
        }

        var first = await waiting.WaitAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            long since;
            lock (_gate)
            {
                since = Environment.TickCount64 - _lastChange;
            }

            if (since >= _quiet.TotalMilliseconds)
            {
                lock (_gate)
                {
                    _pending = null;
                }

                return first;
            }

            await Task.Delay(_quiet - TimeSpan.FromMilliseconds(since), cancellationToken).ConfigureAwait(false);
        }
    }

    private void OnChange(string root, string path)
    {
        if (!_filter.Matches(root, path))
        {
            return;
        }

        lock (_gate)
        {
            _lastChange = Environment.TickCount64;
            _pending ??= path;
            _waiter?.TrySetResult(_pending);
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
    }
}
