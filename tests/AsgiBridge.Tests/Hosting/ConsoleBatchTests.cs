using System.Text;
using AsgiBridge.Host.Logging;
using Microsoft.Extensions.Logging.Console;

namespace AsgiBridge.Tests.Hosting;

/// <summary>
/// The host's batched console output: every record once and in order, one write per batch, the full-queue modes,
/// and nothing lost at dispose. A <see cref="GatedStream"/> holds the writer inside a write, so what piles up
/// behind it is exact rather than a matter of timing.
/// </summary>
public sealed class ConsoleBatchTests
{
    [Fact]
    public async Task Records_from_many_threads_arrive_once_each_and_in_each_threads_order()
    {
        var stream = new GatedStream(open: true);
        using (var batch = new ConsoleBatch(stream, "test"))
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
            {
                for (var i = 0; i < 5_000; i++)
                {
                    batch.Add(new StringBuilder($"{t}:{i}\n"));
                }
            })));
        }

        var lines = stream.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(20_000, lines.Length);
        for (var t = 0; t < 4; t++)
        {
            var mine = lines.Where(l => l.StartsWith($"{t}:", StringComparison.Ordinal)).Select(l => int.Parse(l[2..], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(Enumerable.Range(0, 5_000), mine);
        }
    }

    [Fact]
    public async Task Records_waiting_behind_a_write_go_out_together_in_one_write()
    {
        var stream = new GatedStream(open: false);
        using var batch = new ConsoleBatch(stream, "test");
        batch.Add(new StringBuilder("first\n"));
        await stream.WriteStarted.WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 1_000; i++)
        {
            batch.Add(new StringBuilder($"line {i}\n"));
        }

        stream.Open();
        await stream.WaitForLengthAsync("first\n".Length + Enumerable.Range(0, 1_000).Sum(i => $"line {i}\n".Length));
        Assert.Equal(2, stream.Writes);
    }

    [Fact]
    public async Task DropWrite_drops_past_the_queue_length_and_reports_the_count()
    {
        var stream = new GatedStream(open: false);
        using (var batch = new ConsoleBatch(stream, "test") { MaxLines = 10, FullMode = ConsoleLoggerQueueFullMode.DropWrite })
        {
            batch.Add(new StringBuilder("first\n"));
            await stream.WriteStarted.WaitAsync(TimeSpan.FromSeconds(10));
            for (var i = 0; i < 25; i++)
            {
                batch.Add(new StringBuilder($"line {i}\n"));
            }

            stream.Open();
        }

        var lines = stream.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["first", .. Enumerable.Range(0, 10).Select(i => $"line {i}")], lines[..11]);
        Assert.Equal("warn: 15 log messages were dropped: the console could not keep up (Logging:Console:QueueFullMode=DropWrite).", lines[11]);
        Assert.Equal(12, lines.Length);
    }

    [Fact]
    public async Task Wait_holds_the_logging_thread_while_the_queue_is_full_and_loses_nothing()
    {
        var stream = new GatedStream(open: false);
        using (var batch = new ConsoleBatch(stream, "test") { MaxLines = 10, FullMode = ConsoleLoggerQueueFullMode.Wait })
        {
            batch.Add(new StringBuilder("first\n"));
            await stream.WriteStarted.WaitAsync(TimeSpan.FromSeconds(10));
            var added = 0;
            var producer = Task.Run(() =>
            {
                for (var i = 0; i < 25; i++)
                {
                    batch.Add(new StringBuilder($"line {i}\n"));
                    Interlocked.Increment(ref added);
                }
            });

            // The producer stops at the queue length while the write is held.
            while (Volatile.Read(ref added) < 10)
            {
                await Task.Delay(5);
            }

            await Task.Delay(200);
            Assert.Equal(10, Volatile.Read(ref added));
            Assert.False(producer.IsCompleted);

            stream.Open();
            await producer.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(["first", .. Enumerable.Range(0, 25).Select(i => $"line {i}")], stream.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Dispose_writes_what_is_waiting_and_later_records_are_written_at_once()
    {
        var stream = new GatedStream(open: true);
        var batch = new ConsoleBatch(stream, "test");
        batch.Add(new StringBuilder("before\n"));
        batch.Dispose();
        Assert.Equal("before\n", stream.Text);

        batch.Add(new StringBuilder("after\n"));
        Assert.Equal("before\nafter\n", stream.Text);
    }

    [Fact]
    public void Text_is_written_as_utf8()
    {
        var stream = new GatedStream(open: true);
        using (var batch = new ConsoleBatch(stream, "test"))
        {
            batch.Add(new StringBuilder("caf\u00e9 \u2603 \U0001F600\n"));
        }

        Assert.Equal("caf\u00e9 \u2603 \U0001F600\n", stream.Text);
    }

    /// <summary>An output stream whose writes wait until it is opened; it records what was written and how often.</summary>
    private sealed class GatedStream(bool open) : Stream
    {
        private readonly ManualResetEventSlim _gate = new(open);
        private readonly TaskCompletionSource _writeStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly MemoryStream _written = new();
        private int _writes;

        public Task WriteStarted => _writeStarted.Task;

        public int Writes => Volatile.Read(ref _writes);

        public string Text
        {
            get
            {
                lock (_written)
                {
                    return Encoding.UTF8.GetString(_written.ToArray());
                }
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Open() => _gate.Set();

        public async Task WaitForLengthAsync(int length)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (true)
            {
                lock (_written)
                {
                    if (_written.Length >= length)
                    {
                        return;
                    }
                }

                await Task.Delay(5, timeout.Token);
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            _writeStarted.TrySetResult();
            _gate.Wait();
            lock (_written)
            {
                _written.Write(buffer, offset, count);
            }

            Interlocked.Increment(ref _writes);
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
