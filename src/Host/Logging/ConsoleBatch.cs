using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Console;

namespace AsgiBridge.Host.Logging;

/// <summary>
/// Formatted log text waiting for one standard stream, written by one background thread in batches: one wake-up
/// and one <c>write</c> per batch instead of per line. A batch is written <see cref="BatchDelay"/> after its first
/// line, or at once when half of <see cref="ConsoleLoggerOptions.MaxQueueLength"/> lines are waiting. When that
/// many lines wait while the previous batch is still being written (the stream is slower than the log),
/// <see cref="ConsoleLoggerOptions.QueueFullMode"/> decides, as for Microsoft's console logger: the logging
/// thread waits, or the line is dropped and the drop counted in the next batch (docs/observability.md).
/// </summary>
internal sealed class ConsoleBatch : IDisposable
{
    /// <summary>How long the first line of a batch waits for company: the most a line is late on the console.</summary>
    public static readonly TimeSpan BatchDelay = TimeSpan.FromMilliseconds(10);

    private const int KeptCapacity = 256 * 1024;

    private readonly Stream _stream;
    private readonly object _lock = new();
    private readonly ManualResetEventSlim _pendingSignal = new(false);
    private readonly ManualResetEventSlim _urgentSignal = new(false);
    private readonly Thread _writer;
    private StringBuilder _pending = new();
    private StringBuilder? _spare = new();
    private int _pendingLines;
    private long _dropped;
    private bool _stopping;
    private bool _writing;
    private bool _writerDone;

    public ConsoleBatch(Stream stream, string name)
    {
        _stream = stream;
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = name };
        _writer.Start();
    }

    /// <summary>Lines that can wait before the logging thread waits or drops (the current batch, not yet taken).</summary>
    public int MaxLines { get; set; } = 2500;

    public ConsoleLoggerQueueFullMode FullMode { get; set; } = ConsoleLoggerQueueFullMode.Wait;

    /// <summary>Queues the formatted text of one log record (it may hold several lines).</summary>
    public void Add(StringBuilder text)
    {
        lock (_lock)
        {
            if (_writerDone)
            {
                // Disposed: nothing batches any more, so the record is written here and now.
                WriteNow(text);
                return;
            }

            while (_pendingLines >= MaxLines && !_stopping)
            {
                if (FullMode == ConsoleLoggerQueueFullMode.DropWrite)
                {
                    _dropped++;
                    return;
                }

                Monitor.Wait(_lock);
            }

            _pending.Append(text);
            _pendingLines++;
            if (_pendingLines == 1)
            {
                _pendingSignal.Set();
            }
            else if (_pendingLines == MaxLines / 2)
            {
                _urgentSignal.Set();
            }
        }
    }

    /// <summary>Writes what is waiting now, on the calling thread (process exit).</summary>
    public void Flush()
    {
        lock (_lock)
        {
            // Wait for a batch the writer has taken, so the output keeps its order; not for ever: a stream that
            // blocks (a full pipe nobody reads) must not hold up the process's exit.
            var deadline = Environment.TickCount64 + 2000;
            while (_writing)
            {
                var left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    return;
                }

                Monitor.Wait(_lock, TimeSpan.FromMilliseconds(left));
            }

            WriteNow(TakePending());
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            Monitor.PulseAll(_lock);
        }

        _pendingSignal.Set();
        _urgentSignal.Set();
        _writer.Join(TimeSpan.FromSeconds(2));
        lock (_lock)
        {
            _writerDone = true;
        }

        Flush();
    }

    private void WriteLoop()
    {
        while (true)
        {
            _pendingSignal.Wait();
            _urgentSignal.Wait(BatchDelay);

            StringBuilder batch;
            lock (_lock)
            {
                batch = TakePending();
                _writing = true;
            }

            Write(batch);
            if (batch.Capacity > KeptCapacity)
            {
                batch = new StringBuilder();
            }

            lock (_lock)
            {
                batch.Clear();
                _spare = batch;
                _writing = false;
                Monitor.PulseAll(_lock);
                if (_stopping && _pendingLines == 0)
                {
                    _writerDone = true;
                    return;
                }
            }
        }
    }

    /// <summary>Swaps the pending batch for the spare one; the caller holds the lock.</summary>
    private StringBuilder TakePending()
    {
        var batch = _pending;
        _pending = _spare ?? new StringBuilder();
        _spare = null;
        _pendingLines = 0;
        _pendingSignal.Reset();
        _urgentSignal.Reset();
        Monitor.PulseAll(_lock);
        if (_dropped > 0)
        {
            // The count goes out with the batch after the drops, as Microsoft's console logger reports them.
            batch.Append("warn: ").Append(_dropped).Append(" log messages were dropped: the console could not keep up (Logging:Console:QueueFullMode=DropWrite).").Append('\n');
            _dropped = 0;
        }

        return batch;
    }

    private void WriteNow(StringBuilder text)
    {
        Write(text);
        text.Clear();
    }

    /// <summary>One UTF-8 write of the whole batch. A stream that fails (a closed pipe) loses the batch: nothing is left to report it to.</summary>
    private void Write(StringBuilder batch)
    {
        if (batch.Length == 0)
        {
            return;
        }

        var encoding = Encoding.UTF8;
        var size = 0;
        foreach (var chunk in batch.GetChunks())
        {
            size += encoding.GetMaxByteCount(chunk.Length);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var encoder = encoding.GetEncoder();
            var written = 0;
            foreach (var chunk in batch.GetChunks())
            {
                written += encoder.GetBytes(chunk.Span, buffer.AsSpan(written), flush: false);
            }

            written += encoder.GetBytes([], buffer.AsSpan(written), flush: true);
            _stream.Write(buffer, 0, written);
            _stream.Flush();
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
