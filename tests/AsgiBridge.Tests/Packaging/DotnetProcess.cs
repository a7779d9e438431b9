using System.Collections.Concurrent;
using System.Diagnostics;

namespace AsgiBridge.Tests.Packaging;

/// <summary>
/// A <c>dotnet</c> command (pack, build, or an app) as a child process, its standard output and error collected line by
/// line. On Linux it runs under <c>nice</c> so that a build competes less with the timing-sensitive tests running beside
/// it. Disposing kills it, and what it started, by its PID if it is still running.
/// </summary>
internal sealed class DotnetProcess : IDisposable
{
    private const string Nice = "/usr/bin/nice";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private event Action<string>? LineWritten;

    private DotnetProcess(string workingDirectory, string[] arguments)
    {
        var start = new ProcessStartInfo(File.Exists(Nice) ? Nice : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (File.Exists(Nice))
        {
            // nice execs dotnet: the PID stays the one we kill.
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add("10");
            start.ArgumentList.Add("dotnet");
        }

        foreach (var arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        // `dotnet test` runs us with MSBuild's variables set for its own build; a child build must find its SDK afresh.
        foreach (var name in start.Environment.Keys.ToArray())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(name);
            }
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1"; // no build node outlives the command
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Collect(e.Data, _stdoutClosed);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data, _stderrClosed);
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static DotnetProcess Start(string workingDirectory, params string[] arguments) => new(workingDirectory, arguments);

    /// <summary>Runs a command to completion; fails the test with its output if it times out or exits non-zero.</summary>
    public static async Task<string> RunAsync(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        using var process = Start(workingDirectory, arguments);
        var exitCode = await process.WaitForExitAsync(timeout);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} exited {exitCode}. Output:\n{process.Output}");
        return process.Output;
    }

    /// <summary>Standard output and error, interleaved in the order they were read.</summary>
    public string Output => string.Join('\n', _output);

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
            Kill();
            Assert.Fail($"dotnet did not exit within {timeout}. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Waits for a line that starts with <paramref name="prefix"/>; returns the rest of it.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                seen.TrySetResult(line[prefix.Length..]);
            }
        }

        LineWritten += OnLine;
        try
        {
            foreach (var line in _output)
            {
                OnLine(line);
            }

            // An exit before the line is a failure at once, not after the timeout.
            var exited = _process.WaitForExitAsync();
            var first = await Task.WhenAny(seen.Task, exited).WaitAsync(timeout);
            if (first != seen.Task)
            {
                await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(timeout);
                if (seen.Task.IsCompleted)
                {
                    return await seen.Task;
                }

                Assert.Fail($"The process exited ({_process.ExitCode}) before writing '{prefix}'. Output:\n{Output}");
            }

            return await seen.Task;
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The process did not write '{prefix}' within {timeout}. Output:\n{Output}");
            throw;
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
            Kill();
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    private void Collect(string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        _output.Enqueue(line);
        LineWritten?.Invoke(line);
    }
}
