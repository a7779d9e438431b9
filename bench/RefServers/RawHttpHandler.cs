using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text;

namespace AsgiBridge.Bench.RefServers;

/// <summary>
/// The floor of AsgiBridge's stack: Kestrel's transport and pipes with the least HTTP/1.1 that serves the
/// benchmark. Each read batch is split at request boundaries (the blank line ending a header block, then
/// Content-Length bytes of body, which are skipped), every request is answered with the same 200
/// "Hello, World!" (Content-Length, Content-Type, Date, Server), and the output is flushed once per read batch,
/// so 16 pipelined requests that arrive together cost one write. Keep-alive unless the request says
/// <c>Connection: close</c>. Requests with Transfer-Encoding or a bad Content-Length close the connection
/// unanswered: nothing in the benchmark sends them.
/// </summary>
internal sealed class RawHttpHandler : ConnectionHandler
{
    private const int MaxHeadBytes = 32 * 1024;

    private static readonly byte[] s_beforeDate = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nDate: "u8.ToArray();
    private static readonly byte[] s_afterDateKeepAlive = "\r\nServer: raw\r\n\r\nHello, World!"u8.ToArray();
    private static readonly byte[] s_afterDateClose = "\r\nServer: raw\r\nConnection: close\r\n\r\nHello, World!"u8.ToArray();

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        long bodyLeft = 0;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                var answered = 0;
                var close = false;

                while (true)
                {
                    if (bodyLeft > 0)
                    {
                        var skip = Math.Min(bodyLeft, buffer.Length);
                        buffer = buffer.Slice(skip);
                        bodyLeft -= skip;
                        if (bodyLeft > 0)
                        {
                            break; // The rest of this body is in later reads.
                        }
                    }

                    if (!TryTakeHead(ref buffer, out var head))
                    {
                        close = buffer.Length > MaxHeadBytes;
                        break;
                    }

                    if (!TryInspect(head, out var contentLength, out var wantsClose))
                    {
                        close = true;
                        break;
                    }

                    WriteResponse(output, wantsClose);
                    answered++;
                    bodyLeft = contentLength;
                    if (wantsClose)
                    {
                        close = true;
                        break;
                    }
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (answered > 0 && (await output.FlushAsync()).IsCompleted)
                {
                    break;
                }

                if (close || result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (ConnectionResetException)
        {
            // The client reset the connection.
        }
        catch (IOException)
        {
            // The socket failed under us.
        }
        catch (OperationCanceledException)
        {
            // Kestrel aborted the connection (shutdown).
        }
        finally
        {
            await input.CompleteAsync();
            await output.CompleteAsync();
        }
    }

    /// <summary>Takes one complete header block (request line through the blank line) off the buffer.</summary>
    private static bool TryTakeHead(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> head)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out head, "\r\n\r\n"u8, advancePastDelimiter: true))
        {
            return false;
        }

        buffer = buffer.Slice(reader.Position);
        return true;
    }

    private static bool TryInspect(in ReadOnlySequence<byte> head, out long contentLength, out bool wantsClose)
    {
        if (head.IsSingleSegment)
        {
            return TryInspect(head.FirstSpan, out contentLength, out wantsClose);
        }

        var copy = ArrayPool<byte>.Shared.Rent((int)head.Length);
        try
        {
            head.CopyTo(copy);
            return TryInspect(copy.AsSpan(0, (int)head.Length), out contentLength, out wantsClose);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>Reads the two headers that decide framing: Content-Length and Connection (close).</summary>
    private static bool TryInspect(ReadOnlySpan<byte> head, out long contentLength, out bool wantsClose)
    {
        contentLength = 0;
        wantsClose = false;
        var lineEnd = head.IndexOf("\r\n"u8);
        var rest = lineEnd < 0 ? default : head[(lineEnd + 2)..]; // Skip the request line.
        while (!rest.IsEmpty)
        {
            lineEnd = rest.IndexOf("\r\n"u8);
            var line = lineEnd < 0 ? rest : rest[..lineEnd];
            rest = lineEnd < 0 ? default : rest[(lineEnd + 2)..];

            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                if (!Utf8Parser.TryParse(value, out contentLength, out var used) || used != value.Length || contentLength < 0)
                {
                    return false;
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
            {
                wantsClose |= ContainsIgnoreCase(value, "close"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        for (var i = 0; i + token.Length <= value.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(value.Slice(i, token.Length), token))
            {
                return true;
            }
        }

        return false;
    }

    private static void WriteResponse(PipeWriter output, bool close)
    {
        var date = HttpDate.Value;
        var tail = close ? s_afterDateClose : s_afterDateKeepAlive;
        var length = s_beforeDate.Length + date.Length + tail.Length;
        var span = output.GetSpan(length);
        s_beforeDate.CopyTo(span);
        date.CopyTo(span[s_beforeDate.Length..]);
        tail.CopyTo(span[(s_beforeDate.Length + date.Length)..]);
        output.Advance(length);
    }
}
