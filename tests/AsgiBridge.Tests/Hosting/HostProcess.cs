using System.Collections.Concurrent;
using System.Diagnostics;

namespace AsgiBridge.Tests.Hosting;

/// <summary>
/// The host executable (<c>Host.dll</c> next to the tests) as a child process, its output collected line by line.
/// Disposing kills it by its PID if it is still running.
/// </summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private event Action<string>? LineWritten;

    private HostProcess(string fileName, string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Collect(e.Data, _stdout, _stdoutClosed);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data, _stderr, _stderrClosed);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private static string HostDll => Path.Combine(AppContext.BaseDirectory, "Host.dll");

    public static HostProcess Start(params string[] args) => new("dotnet", [HostDll, .. args]);

    /// <summary>Starts the host through <paramref name="runner"/>, a command that runs the rest of its arguments (setpriv).</summary>
    public static HostProcess StartWith(string[] runner, params string[] args) => new(runner[0], [.. runner[1..], "dotnet", HostDll, .. args]);

    public int Id => _process.Id;

    public IReadOnlyList<string> Stdout => [.. _stdout];

    public IReadOnlyList<string> Stderr => [.. _stderr];

    /// <summary>Waits for the process to exit and its output to end; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The host did not exit within {timeout}. Output:\n{string.Join('\n', Stdout)}\n{string.Join('\n', Stderr)}");
        }

        return _process.ExitCode;
    }

    /// <summary>Waits until a line of standard output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string line)
        {
            if (line.Contains(text, StringComparison.Ordinal))
            {
                seen.TrySetResult();
            }
        }

        LineWritten += OnLine;
        try
        {
            if (_stdout.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }

            await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The host did not write '{text}' within {timeout}. Output:\n{string.Join('\n', Stdout)}\n{string.Join('\n', Stderr)}");
        }
        finally
        {
            LineWritten -= OnLine;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Collect(string? line, ConcurrentQueue<string> lines, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lines.Enqueue(line);
        if (ReferenceEquals(lines, _stdout))
        {
            LineWritten?.Invoke(line);
        }
    }
}
